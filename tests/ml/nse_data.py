"""The three shared NSE symbols and how the forecast-quality checks load and split them."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

SYMBOLS = {"TCS": "TCS.NS", "INFY": "INFY.NS", "RELIANCE": "RELIANCE.NS"}
BACKTEST_END = "2021-12-31T00:00:00Z"  # after the last bar of every file


def import_symbols(run, folder: Path, env) -> dict:
    """Imports each symbol's CSV with `run(*args, env=env)` (a regimecast runner) and returns,
    per Yahoo symbol, the start of the backtest: the day of the bar at 60 % of the file (the last 40 %)."""
    starts = {}
    for name, symbol in SYMBOLS.items():
        path = folder / f"{name}.csv"
        run("import-csv", path, "--symbol", symbol, "--timeframe", "5m", "--layout", "nse", env=env)
        days = pd.to_datetime(pd.read_csv(path, usecols=["datetime"])["datetime"])
        # IST dates; the session opens after 03:45 UTC, so the day's midnight UTC is before its first bar.
        starts[symbol] = days.iloc[int(len(days) * 0.6)].strftime("%Y-%m-%dT00:00:00Z")
    return starts
