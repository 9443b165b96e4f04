"""The real NSE 5-minute files (../shared/data/nse-5m, when present) through import and the pipeline.

Session tags in bronze are checked against an independent classification of each bar's IST wall-clock
time made here with pandas, and bronze + dropped rows account for every imported row.
"""
from __future__ import annotations

import re
from pathlib import Path

import deltalake
import pandas as pd
import pytest

from conftest import run_cli


def nse_files(shared_data: Path):
    folder = shared_data / "nse-5m"
    if not folder.is_dir():
        pytest.skip("../shared/data/nse-5m is not present")
    files = sorted(p for p in folder.rglob("*.csv"))
    if not files:
        pytest.skip("no CSV files in ../shared/data/nse-5m")
    return files


def symbol_for(path: Path) -> str:
    stem = re.sub(r"[^A-Za-z0-9&-]+", "_", path.stem).split("_")[0].upper()
    return stem if stem.endswith(".NS") else f"{stem}.NS"


def classify(ts_utc: pd.Series) -> pd.Series:
    ist = pd.to_datetime(ts_utc, utc=True).dt.tz_convert("Asia/Kolkata")
    minutes = ist.dt.hour * 60 + ist.dt.minute
    out = pd.Series("closed", index=ts_utc.index)
    out[(minutes >= 540) & (minutes < 555)] = "pre"
    out[(minutes >= 555) & (minutes < 930)] = "regular"
    out[(minutes >= 930) & (minutes < 960)] = "post"
    weekend = ist.dt.day_of_week >= 5
    out[weekend] = "closed"
    return out


def test_real_nse_bars_import_and_session_tags(rc_binary, shared_data, tmp_path):
    env = {"DATA_DIR": str(tmp_path / "data")}
    imported = {}
    for path in nse_files(shared_data):
        symbol = symbol_for(path)
        out = run_cli(rc_binary, "import-csv", path, "--symbol", symbol, "--timeframe", "5m", "--layout", "nse",
                      env=env).stdout
        imported[symbol] = imported.get(symbol, 0) + int(re.search(r"raw: (\d+) bars committed", out).group(1))
    report = run_cli(rc_binary, "pipeline", env=env).stdout
    print(report)
    raw = deltalake.DeltaTable(str(tmp_path / "data" / "raw" / "bars")).to_pandas()
    bronze = deltalake.DeltaTable(str(tmp_path / "data" / "bronze" / "bars")).to_pandas()
    for symbol, n in imported.items():
        assert (raw.symbol == symbol).sum() == n
        b = bronze[bronze.symbol == symbol]
        expected = classify(b.ts.reset_index(drop=True))
        # Holidays are closed too: only compare where the independent rule says a session is open.
        tagged = b.session.reset_index(drop=True)
        open_mask = expected != "closed"
        mismatches = (tagged[open_mask] != expected[open_mask]).sum()
        assert mismatches == 0, f"{symbol}: {mismatches} bars tagged differently from their IST time"
        line = next(line for line in report.splitlines() if line.startswith(symbol))
        dropped = sum(int(x) for x in re.findall(r"(?:forming|null|invalid|duplicates)=(\d+)", line))
        assert len(b) + dropped == n, (symbol, len(b), dropped, n)
    silver = deltalake.DeltaTable(str(tmp_path / "data" / "silver" / "features")).to_pandas()
    assert set(silver.symbol) == set(imported)
    assert (classify(silver.ts.reset_index(drop=True)) == "regular").all()
