"""Drift-triggered retraining on the market clock (scheduler/scheduler.h): a replayed market whose second
half is far more volatile than what the model was trained on drives prediction_quality_metric{metric=
"mape"} above DRIFT_MAPE_THRESHOLD; after DRIFT_RETRAIN_CHECKS checks in a row the server starts exactly
one retraining (the cooldown holds off a second) and the new experiment serves without a restart."""
from __future__ import annotations

import csv
import math
import random
import time

import requests

from conftest import REPO, Server

SAMPLE = REPO / "backend" / "data" / "sample" / "TCS.csv"


def shifted_market(path, calm_days=22, noise=0.03, seed=3):
    """The sample's first `calm_days` trading days as they are, then every bar moved by large independent
    shocks (about 3 % a bar): the same symbol, a different market."""
    rng = random.Random(seed)
    with open(SAMPLE) as src, open(path, "w", newline="") as dst:
        rows = list(csv.DictReader(src))
        writer = csv.DictWriter(dst, fieldnames=rows[0].keys())
        writer.writeheader()
        days = sorted({r["datetime"][:10] for r in rows})
        calm = set(days[:calm_days])
        for row in rows:
            if row["datetime"][:10] not in calm:
                factor = math.exp(rng.gauss(0, noise))
                for col in ("open", "high", "low", "close"):
                    row[col] = f"{float(row[col]) * factor:.2f}"
                row["high"] = f"{max(float(row[c]) for c in ('open', 'high', 'low', 'close')):.2f}"
                row["low"] = f"{min(float(row[c]) for c in ('open', 'high', 'low', 'close')):.2f}"
            writer.writerow(row)
    return days[calm_days]


def train_jobs(srv):
    jobs = requests.get(srv.url("/api/jobs"), timeout=5).json()["jobs"]
    return [j for j in jobs if j["kind"] == "train"]


def test_sustained_drift_retrains_once_and_the_new_model_serves(rc_binary, tmp_path):
    source = tmp_path / "shifted.csv"
    shift_day = shifted_market(source)
    data = tmp_path / "data"
    data.mkdir()
    env = {"SCHEDULER_ENABLED": "true", "PRIMARY_DATA_PROVIDER": "replay", "FALLBACK_DATA_PROVIDERS": "",
           "REPLAY_SOURCE": str(source), "REPLAY_SPEED": "2400", "REPLAY_START": f"{shift_day}T03:45:00Z",
           "WATCHLIST": "TCS.NS:5m", "HORIZONS_MINUTES": "60", "DEMO": "off",
           "DRIFT_CHECK_INTERVAL_SECONDS": "900", "DRIFT_MAPE_THRESHOLD": "0.01", "DRIFT_RETRAIN_CHECKS": "3",
           "DRIFT_RETRAIN_COOLDOWN_HOURS": "1000", "LOG_LEVEL": "info"}
    srv = Server(rc_binary, data, env)
    try:
        # The first model (trained on the calm history at start), then the drift retraining.
        deadline = time.time() + 150
        drift_jobs = []
        while time.time() < deadline:
            jobs = train_jobs(srv)
            drift_jobs = [j for j in jobs if j["params"].get("reason") == "drift"]
            if drift_jobs and drift_jobs[0]["state"] in ("succeeded", "failed"):
                break
            time.sleep(0.5)
        assert drift_jobs, f"no drift retraining; jobs: {train_jobs(srv)}\n{srv.log()[-3000:]}"
        job = drift_jobs[0]
        assert job["state"] == "succeeded", job
        first = [j for j in train_jobs(srv) if j["params"].get("reason") == "first model"]
        assert len(first) == 1 and first[0]["state"] == "succeeded"
        # The new experiment serves at once, without a restart.
        r = requests.post(srv.url("/api/prediction/trigger"),
                          json={"symbol": "TCS.NS", "timeframe": "5m", "horizon_minutes": 60}, timeout=30)
        assert r.status_code == 200, r.text
        assert r.json()["experiment_id"] == job["result"]["experiment_id"]
        # Drift goes on, but the cooldown holds: still exactly one drift retraining a while later.
        time.sleep(5)
        assert len([j for j in train_jobs(srv) if j["params"].get("reason") == "drift"]) == 1
        log = srv.log()
        assert "retraining, jobs" in log and "cooldown" in log
    finally:
        srv.stop()
