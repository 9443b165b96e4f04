"""raw -> bronze -> silver through the CLI, read back with pandas, delta-rs and DuckDB."""
from __future__ import annotations

import math
from pathlib import Path

import deltalake
import numpy as np
import pandas as pd
import pytest

from conftest import duckdb_delta_connection, run_cli


def sim_csv(binary, tmp_path, days=20, seed=11, extended=False, end="2024-03-01T00:00:00Z"):
    out = tmp_path / f"sim-{seed}-{days}.csv"
    args = ["sim", "--symbol", "TCS.NS", "--timeframe", "5m", "--days", days, "--seed", seed, "--end", end,
            "--out", out]
    if extended:
        args.append("--extended-hours")
    run_cli(binary, *args)
    return out


def delta(path):
    return deltalake.DeltaTable(str(path)).to_pandas()


def duckdb_delta():
    return duckdb_delta_connection()


@pytest.fixture
def env(tmp_path):
    return {"DATA_DIR": str(tmp_path / "data"), "HORIZONS_MINUTES": "30,180"}


def test_import_pipeline_and_read_back(rc_binary, tmp_path, env):
    csv = sim_csv(rc_binary, tmp_path, extended=True)
    bars = pd.read_csv(csv)
    out = run_cli(rc_binary, "import-csv", csv, "--symbol", "TCS.NS", "--timeframe", "5m", "--tz", "UTC", env=env).stdout
    assert f"{len(bars)} bars committed" in out
    out = run_cli(rc_binary, "pipeline", env=env).stdout
    assert "bronze rebuilt" in out and "silver rebuilt" in out

    data = Path(env["DATA_DIR"])
    raw = delta(data / "raw" / "bars")
    assert len(raw) == len(bars) and set(raw.provider) == {"csv"}

    # Independent session count: NSE regular 09:15-15:30 IST, pre 09:00-09:15, post 15:30-16:00.
    ist = pd.to_datetime(bars.ts, utc=True).dt.tz_convert("Asia/Kolkata")
    minutes = ist.dt.hour * 60 + ist.dt.minute
    expected = {
        "regular": int(((minutes >= 555) & (minutes < 930)).sum()),
        "pre": int(((minutes >= 540) & (minutes < 555)).sum()),
        "post": int(((minutes >= 930) & (minutes < 960)).sum()),
    }
    assert expected["pre"] > 0 and expected["post"] > 0, "the simulator should emit extended-hours bars"
    bronze = delta(data / "bronze" / "bars")
    counts = bronze.session.value_counts().to_dict()
    for session, n in expected.items():
        assert counts.get(session, 0) == n, (session, counts, expected)

    silver = delta(data / "silver" / "features").sort_values("ts").reset_index(drop=True)
    assert len(silver) == expected["regular"]
    for col in ("sma_20", "ema_12", "ema_26", "rsi_14", "atr_14", "adx_14", "plus_di_14", "minus_di_14",
                "macd_12_26_9", "macd_signal_12_26_9", "macd_hist_12_26_9", "bb_upper_20_2", "bb_middle_20_2",
                "bb_lower_20_2", "stoch_k_14_3", "stoch_d_14_3", "obv", "vwap", "target_ret_30m",
                "target_ret_180m", "feature_set_version"):
        assert col in silver.columns, col
    # Targets: forward log return 36 regular bars ahead; null for the last 36.
    closes = silver.close.to_numpy()
    target = silver.target_ret_180m.to_numpy(dtype=float)
    np.testing.assert_allclose(target[:-36], np.log(closes[36:] / closes[:-36]), rtol=1e-12)
    assert np.isnan(target[-36:]).all()
    # SMA(20) recomputed independently.
    sma = pd.Series(closes).rolling(20).mean().to_numpy()
    np.testing.assert_allclose(silver.sma_20.to_numpy(dtype=float)[19:], sma[19:], rtol=1e-9)

    # DuckDB reads the same silver table through its delta extension.
    con = duckdb_delta()
    n = con.execute(f"SELECT count(*) FROM delta_scan('file://{data / 'silver' / 'features'}')").fetchone()[0]
    assert n == len(silver)


def test_pipeline_is_idempotent_and_incremental(rc_binary, tmp_path, env):
    run_cli(rc_binary, "import-csv", sim_csv(rc_binary, tmp_path, seed=1), "--symbol", "TCS.NS", "--timeframe", "5m",
            "--tz", "UTC", env=env)
    run_cli(rc_binary, "import-csv", sim_csv(rc_binary, tmp_path, seed=2), "--symbol", "INFY.NS", "--timeframe", "5m",
            "--tz", "UTC", env=env)
    first = run_cli(rc_binary, "pipeline", env=env).stdout
    assert first.count("bronze rebuilt") == 2
    silver_dir = Path(env["DATA_DIR"]) / "silver" / "features"
    version = deltalake.DeltaTable(str(silver_dir)).version()
    again = run_cli(rc_binary, "pipeline", env=env).stdout
    assert again.count("bronze unchanged, silver unchanged") == 2
    assert deltalake.DeltaTable(str(silver_dir)).version() == version  # nothing committed
    # New raw data for one symbol: only that partition is rebuilt.
    run_cli(rc_binary, "import-csv", sim_csv(rc_binary, tmp_path, seed=3, days=3, end="2024-03-10T00:00:00Z"),
            "--symbol", "TCS.NS", "--timeframe", "5m", "--tz", "UTC", env=env)
    third = run_cli(rc_binary, "pipeline", env=env).stdout
    tcs = next(line for line in third.splitlines() if line.startswith("TCS.NS"))
    infy = next(line for line in third.splitlines() if line.startswith("INFY.NS"))
    assert "bronze rebuilt" in tcs and "bronze unchanged, silver unchanged" in infy


def test_latest_fetch_wins_in_bronze(rc_binary, tmp_path, env):
    csv = sim_csv(rc_binary, tmp_path, days=2)
    run_cli(rc_binary, "import-csv", csv, "--symbol", "TCS.NS", "--timeframe", "5m", "--tz", "UTC", env=env)
    bars = pd.read_csv(csv)
    corrected = bars.iloc[[10]].copy()
    corrected["close"] = corrected["open"]  # a correction of one bar
    corrected["high"] = corrected[["open", "high"]].max(axis=1)
    corrected["low"] = corrected[["open", "low"]].min(axis=1)
    fix = tmp_path / "fix.csv"
    corrected.to_csv(fix, index=False)
    run_cli(rc_binary, "import-csv", fix, "--symbol", "TCS.NS", "--timeframe", "5m", "--tz", "UTC", env=env)
    run_cli(rc_binary, "pipeline", env=env)
    bronze = delta(Path(env["DATA_DIR"]) / "bronze" / "bars").sort_values("ts").reset_index(drop=True)
    assert len(bronze) == len(bars)
    assert math.isclose(bronze.close[10], corrected["close"].iloc[0])


def test_bad_rows_are_reported_with_line_numbers(rc_binary, tmp_path, env):
    csv = tmp_path / "bad.csv"
    csv.write_text("ts,open,high,low,close,volume\n"
                   "2024-01-02T03:45:00Z,100,101,99,100.5,1000\n"
                   "2024-01-02T03:50:00Z,abc,101,99,100.5,1000\n"
                   "2024-01-02T03:55:00Z,100,101,99,100.5,1000\n")
    proc = run_cli(rc_binary, "import-csv", csv, "--symbol", "TCS.NS", "--timeframe", "5m", env=env)
    assert f"{csv}:3:" in proc.stderr
    assert "2 bars committed" in proc.stdout
    proc = run_cli(rc_binary, "import-csv", csv, "--symbol", "TCS.NS", "--timeframe", "5m", "--reject-bad-rows",
                   env=env, check=False)
    assert proc.returncode == 1 and "line 3" in proc.stderr


def test_pipeline_for_unknown_partition_is_a_clear_error(rc_binary, env):
    proc = run_cli(rc_binary, "pipeline", "--symbol", "NOPE.NS", env=env, check=False)
    assert proc.returncode == 1 and "NOPE.NS" in proc.stderr
    proc = run_cli(rc_binary, "pipeline", "--symbol", "../x", env=env, check=False)
    assert proc.returncode == 2 and "--symbol" in proc.stderr


def test_pipeline_stays_incremental_after_checkpoints_and_log_cleanup(rc_binary, tmp_path, env):
    # Eleven partitions committed one per batch: eleven commits per layer, so every table has a
    # checkpoint at version 10.
    symbols = ["TCS.NS", "INFY.NS", "RELIANCE.NS", "HDFCBANK.NS", "ICICIBANK.NS", "SBIN.NS", "ITC.NS", "LT.NS",
               "AXISBANK.NS", "WIPRO.NS", "BHARTIARTL.NS"]
    for seed, symbol in enumerate(symbols, start=20):
        run_cli(rc_binary, "import-csv", sim_csv(rc_binary, tmp_path, seed=seed, days=2), "--symbol", symbol,
                "--timeframe", "5m", "--tz", "UTC", env=env)
    first = run_cli(rc_binary, "pipeline", "--batch-partitions", "1", env=env).stdout
    assert first.count("bronze rebuilt") == len(symbols)
    data = Path(env["DATA_DIR"])
    for layer in ("raw/bars", "bronze/bars", "silver/features"):
        assert (data / layer / "_delta_log" / "00000000000000000010.checkpoint.parquet").exists(), layer
    # Remove the log behind the checkpoints: the commits that recorded the watermarks are gone.
    for layer in ("raw", "bronze", "silver"):
        out = run_cli(rc_binary, "lake", "cleanup-log", layer, "--retention-hours", "0", env=env).stdout
        assert "deleted 10 log files" in out, out
    assert not (data / "silver" / "features" / "_delta_log" / "00000000000000000001.json").exists()
    silver_dir = data / "silver" / "features"
    version = deltalake.DeltaTable(str(silver_dir)).version()
    again = run_cli(rc_binary, "pipeline", env=env).stdout
    assert again.count("bronze unchanged, silver unchanged") == len(symbols), again
    assert deltalake.DeltaTable(str(silver_dir)).version() == version
    run_cli(rc_binary, "import-csv", sim_csv(rc_binary, tmp_path, seed=99, days=2, end="2024-03-10T00:00:00Z"),
            "--symbol", "SBIN.NS", "--timeframe", "5m", "--tz", "UTC", env=env)
    third = run_cli(rc_binary, "pipeline", env=env).stdout
    rebuilt = [line for line in third.splitlines() if "bronze rebuilt" in line]
    assert len(rebuilt) == 1 and rebuilt[0].startswith("SBIN.NS"), third
