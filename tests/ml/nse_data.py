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


def fmt(v, digits=3):
    return "–" if v is None else f"{v:.{digits}f}"
