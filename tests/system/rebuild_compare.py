"""The live lake against a from-scratch rebuild: copies a lake's raw table to a fresh data directory, runs
`regimecast pipeline` there and checks that bronze and silver hold the same rows, column by column and
value for value (read with delta-rs). The live loop appends each bar close's bars instead of rebuilding
(backend/src/data/pipeline/append.h); this is what says the two agree."""
from __future__ import annotations

import pathlib
import shutil

import deltalake
import pandas as pd

from conftest import run_cli


def series_frame(table: pathlib.Path, symbol: str, timeframe: str) -> pd.DataFrame:
    df = deltalake.DeltaTable(str(table)).to_pandas()
    df = df[(df.symbol == symbol) & (df.timeframe == timeframe)].sort_values("ts").reset_index(drop=True)
    return df[sorted(df.columns)]


def assert_lake_equals_rebuild(binary, live: pathlib.Path, scratch: pathlib.Path, horizons: str,
                               symbol: str = "TCS.NS", timeframe: str = "5m") -> int:
    """Returns the number of silver rows compared."""
    (scratch / "raw").mkdir(parents=True)
    shutil.copytree(live / "raw" / "bars", scratch / "raw" / "bars")
    run_cli(binary, "pipeline", env={"DATA_DIR": str(scratch), "HORIZONS_MINUTES": horizons}, timeout=300)
    rows = 0
    for table in ("bronze/bars", "silver/features"):
        appended, rebuilt = series_frame(live / table, symbol, timeframe), series_frame(scratch / table, symbol,
                                                                                         timeframe)
        assert list(appended.columns) == list(rebuilt.columns), table
        assert len(appended) == len(rebuilt) > 0, (table, len(appended), len(rebuilt))
        for column in appended.columns:
            pd.testing.assert_series_equal(appended[column], rebuilt[column], check_exact=True,
                                           obj=f"{table}.{column}")
        rows = len(appended)
    return rows
