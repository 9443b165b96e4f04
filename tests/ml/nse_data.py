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


def prepare_nse_lake(rc_binary, tmp_path_factory, horizon: str, name: str = "nse"):
    """A lake with the three symbols imported and piped to silver at `horizon` minutes (a pytest
    module fixture's body); skips when ../shared/data/nse-5m is absent. Returns (env, starts)."""
    import pytest

    from conftest import SHARED_DATA, run_cli

    folder = SHARED_DATA / "nse-5m"
    if not all((folder / f"{stem}.csv").is_file() for stem in SYMBOLS):
        pytest.skip("../shared/data/nse-5m with TCS, INFY and RELIANCE is not present")
    root = tmp_path_factory.mktemp(name)
    env = {"DATA_DIR": str(root / "data"), "HORIZONS_MINUTES": horizon}
    starts = import_symbols(lambda *args, env: run_cli(rc_binary, *args, env=env), folder, env)
    run_cli(rc_binary, "pipeline", env=env, timeout=600)
    return env, starts


# Per-regime band coverage is judged against +/-5 points (issue 10, goal 3) only where the count
# can tell: a level L is judged in a cell of n predictions when a perfectly calibrated band, with
# independent outcomes, would land within 5 points with 95 % probability, i.e.
# n >= 1.96^2 L (1 - L) / 0.05^2 -> 385 / 246 / 73 at 50 / 80 / 95 %. Overlapping horizons make
# outcomes dependent, so a judged cell can still miss by chance; a cell below the count is
# reported, not judged.
REGIME_TOLERANCE = 0.05


def min_judged_count(level: float, tolerance: float = REGIME_TOLERANCE) -> int:
    import math

    return math.ceil(1.96 ** 2 * level * (1 - level) / tolerance ** 2)


def run_regimecast(binary, *args, env):
    """stdout of `regimecast args` with `env` added (the audit scripts); exits with its stderr on failure."""
    import os
    import subprocess
    import sys

    proc = subprocess.run([str(binary), *map(str, args)], capture_output=True, text=True,
                          env={**os.environ, **env}, timeout=3600)
    if proc.returncode != 0:
        sys.exit(f"regimecast {' '.join(map(str, args))} failed ({proc.returncode}):\n{proc.stderr}")
    return proc.stdout


# When a forecast was made (its bar's open, IST): the open's first hour, the late morning, midday and
# the afternoon. A horizon in trading minutes from the afternoon runs across the overnight into the next
# open (NSE's regular session: 09:15-15:30 IST).
TIME_OF_DAY = (("09:15-10:15", 0, 60), ("10:15-11:45", 60, 150), ("11:45-13:15", 150, 240), ("13:15-15:30", 240, 375))
SESSION_MINUTES = 375


def band_outcomes_by_time_of_day(table: pd.DataFrame, horizon_minutes: int) -> pd.DataFrame:
    """Per realized prediction of `backtest --out` (realized_close beside each band): the minute of the
    session its bar opened at, whether its horizon crosses the close, and whether the 80 / 95 % bands held."""
    table = table[table.realized_close.notna()]
    ist = pd.to_datetime(table.ts, utc=True).dt.tz_convert("Asia/Kolkata")
    minute = (ist.dt.hour * 60 + ist.dt.minute - (9 * 60 + 15)).to_numpy()
    return pd.DataFrame({
        "minute": minute,
        # The forecast is made at its bar's close (minute + 5); the horizon ends within the session
        # when that many trading minutes remain.
        "crosses_close": minute + 5 + int(horizon_minutes) > SESSION_MINUTES,
        "inside80": ((table.realized_close >= table.lower_80) & (table.realized_close <= table.upper_80)).to_numpy(),
        "inside95": ((table.realized_close >= table.lower_95) & (table.realized_close <= table.upper_95)).to_numpy(),
    })


def fmt(v, digits=3):
    return "–" if v is None else f"{v:.{digits}f}"
