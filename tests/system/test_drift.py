"""Prediction quality and drift (runbook §2, §4 Prediction Drift, §5): served predictions are logged to
data/gold/predictions, realized prices are filled in from silver, and prediction_quality_metric is published."""
from __future__ import annotations

import json
import re
import time

import deltalake
import pandas as pd
import requests

from conftest import run_cli


def test_served_predictions_are_measured(server_factory, rc_binary, tmp_path):
    data = tmp_path / "data"
    env = {"DATA_DIR": str(data)}
    run_cli(rc_binary, "sim", "--symbol", "TCS.NS", "--timeframe", "5m", "--days", "40", "--seed", "12",
            "--end", "2024-06-01T00:00:00Z", env=env)
    run_cli(rc_binary, "pipeline", env=env)
    run_cli(rc_binary, "drift-monitor", env=env)  # nothing logged yet: exit 0
    assert "no predictions logged yet" in run_cli(rc_binary, "drift-monitor", env=env).stdout

    srv = server_factory(data_dir=data, extra_env={"SCHEDULER_ENABLED": "true", "DRIFT_CHECK_INTERVAL_SECONDS": "1"})
    times = pd.date_range("2024-05-20 04:00", "2024-05-24 09:00", freq="4h", tz="UTC")
    times = [t for t in times if t.day_of_week < 5][:25]
    for t in times:
        r = requests.post(srv.url("/api/prediction/trigger"),
                          json={"symbol": "TCS.NS", "timeframe": "5m", "horizon_minutes": 60,
                                "as_of": t.strftime("%Y-%m-%dT%H:%M:%SZ")}, timeout=30)
        assert r.status_code == 200, r.text

    # The periodic check fills realized closes and publishes the runbook's quality gauge.
    # A check may run while predictions are still being served: wait until one has measured them all.
    deadline = time.time() + 30
    matured = 0
    while time.time() < deadline and matured < len(times):
        metrics = requests.get(srv.url("/metrics"), timeout=5).text
        m = re.search(r'prediction_quality_metric\{symbol="TCS.NS",timeframe="5m",metric="matured_predictions"\} (\S+)',
                      metrics)
        matured = float(m.group(1)) if m else 0
        time.sleep(0.3)
    assert matured == len(times)
    mape = float(re.search(r'prediction_quality_metric\{symbol="TCS.NS",timeframe="5m",metric="mape"\} (\S+)',
                           metrics).group(1))
    assert 0 < mape < 0.5
    for metric in ("rmse", "coverage_50", "coverage_80", "coverage_95"):
        value = float(re.search(rf'metric="{metric}"\}} (\S+)', metrics).group(1))
        assert value >= 0 and (not metric.startswith("coverage") or value <= 1)
    assert "drift check every 1 s" in requests.get(srv.url("/health"), timeout=5).json()["subsystems"]["scheduler"]["detail"]
    # The same schedule publishes the age of the newest bronze bar (the data ends 2024-05-31 15:30 IST).
    lag = float(re.search(r'ingestion_lag_seconds\{symbol="TCS.NS",timeframe="5m"\} (\S+)', metrics).group(1))
    expected_lag = time.time() - pd.Timestamp("2024-05-31T10:00:00Z").timestamp()
    assert abs(lag - expected_lag) < 120
    srv.stop()

    gold = deltalake.DeltaTable(str(data / "gold" / "predictions")).to_pandas()
    assert len(gold) == len(times)
    assert gold.realized_close.notna().all()
    silver = deltalake.DeltaTable(str(data / "silver" / "features")).to_pandas().set_index("ts")
    # realized_close is the close of the target bar, 12 regular bars (60 minutes) after the prediction's bar.
    for _, row in gold.iterrows():
        assert row.realized_close == silver.loc[row.target_ts, "close"]
        later = silver.index[(silver.index > row.ts)]
        assert later[11] == row.target_ts
    expected_mape = (gold.expected_close / gold.realized_close - 1).abs().mean()
    assert abs(expected_mape - mape) < 1e-9

    report = json.loads(run_cli(rc_binary, "drift-monitor", "--json", env=env).stdout)
    assert report[0]["measured"] == len(times) and abs(report[0]["mape"] - mape) < 1e-9
    proc = run_cli(rc_binary, "drift-monitor", "--threshold", "0.000001", env=env, check=False)
    assert proc.returncode == 3 and "DRIFT" in proc.stdout
