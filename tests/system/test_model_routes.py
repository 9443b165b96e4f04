"""Runbook §4 Prediction Drift over HTTP: POST /api/prediction/train (bot_name="orchestrator") as a job,
then /api/models, /api/experiments and /api/models/clear (backs up first, never removes the champion)."""
from __future__ import annotations

import time
from pathlib import Path

import pytest
import requests

from conftest import run_cli

TRAIN = {"bot_name": "orchestrator", "symbol": "TCS.NS", "timeframe": "5m", "horizon_minutes": 180, "folds": 3}


@pytest.fixture
def market_dir(rc_binary, tmp_path):
    data = tmp_path / "data"
    env = {"DATA_DIR": str(data)}
    run_cli(rc_binary, "sim", "--symbol", "TCS.NS", "--timeframe", "5m", "--days", "60", "--seed", "4",
            "--end", "2024-06-01T00:00:00Z", env=env)
    run_cli(rc_binary, "pipeline", env=env)
    return data


def wait_job(server, location, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        job = requests.get(server.url(location), timeout=5).json()
        if job["state"] in ("succeeded", "failed"):
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {location} did not finish in {timeout}s")


def train(server, body=TRAIN, headers=None):
    r = requests.post(server.url("/api/prediction/train"), json=body, headers=headers, timeout=10)
    assert r.status_code == 202, r.text
    # Any state: a job that fails fast (no silver) may have finished before the response is written.
    assert r.json()["state"] in ("queued", "running", "succeeded", "failed")
    assert r.headers["location"] == f"/api/jobs/{r.json()['id']}"
    return wait_job(server, r.headers["location"])


def test_retrain_then_prune_keeps_the_champion(server_factory, market_dir):
    srv = server_factory(data_dir=market_dir)
    first = train(srv)
    assert first["state"] == "succeeded", first
    assert first["result"]["champion"] and "ensemble" in first["result"]["families"]
    second = train(srv)
    assert second["state"] == "succeeded", second

    models = requests.get(srv.url("/api/models"), timeout=5).json()["models"]
    assert len(models) == 1
    entry = models[0]
    assert entry["active_experiment"] == second["result"]["experiment_id"]

    experiments = requests.get(srv.url("/api/experiments"), timeout=5).json()["experiments"]
    assert [e["id"] for e in experiments] == [first["result"]["experiment_id"], second["result"]["experiment_id"]]
    full = requests.get(srv.url(f"/api/experiments/{first['result']['experiment_id']}"), timeout=5).json()
    assert full["id"] == first["result"]["experiment_id"] and "metrics" in full
    assert requests.get(srv.url("/api/experiments/..%2F..%2Fetc"), timeout=5).status_code in (404, 422)
    assert requests.get(srv.url("/api/experiments/nope"), timeout=5).status_code == 404

    dry = requests.post(srv.url("/api/models/clear"), json={"dry_run": True}, timeout=30).json()
    assert dry["dry_run"] is True and dry["removed"] == [first["result"]["experiment_id"]]
    assert second["result"]["experiment_id"] in dry["kept"]
    assert len(requests.get(srv.url("/api/experiments"), timeout=5).json()["experiments"]) == 2

    done = requests.post(srv.url("/api/models/clear"), json={"who": "oncall"}, timeout=30).json()
    assert done["removed"] == [first["result"]["experiment_id"]]
    assert done["backup"] and Path(done["backup"]).exists()  # backed up first
    remaining = requests.get(srv.url("/api/experiments"), timeout=5).json()["experiments"]
    assert [e["id"] for e in remaining] == [second["result"]["experiment_id"]]
    # The champion still predicts.
    p = requests.post(srv.url("/api/prediction/trigger"), json={"symbol": "TCS.NS", "timeframe": "5m",
                                                                 "horizon_minutes": 180}, timeout=30).json()
    assert p["degraded"] is False and p["experiment_id"] == second["result"]["experiment_id"]
    jobs = requests.get(srv.url("/api/jobs"), timeout=5).json()["jobs"]
    assert [j["id"] for j in jobs][:2] == [second["id"], first["id"]]


def test_training_without_silver_fails_as_a_job(server):
    job = train(server)
    assert job["state"] == "failed"
    assert job["error"]["code"] == "not_found"


@pytest.mark.parametrize("body,field", [
    ({"symbol": "TCS.NS", "timeframe": "5m"}, "bot_name"),
    (dict(TRAIN, bot_name="astrology"), "bot_name"),
    (dict(TRAIN, folds=0), "folds"),
    (dict(TRAIN, horizon_minutes=7), "horizon_minutes"),
    (dict(TRAIN, symbol="a/b"), "symbol"),
    (dict(TRAIN, extra=1), "extra"),
])
def test_train_validation(server, body, field):
    r = requests.post(server.url("/api/prediction/train"), json=body, timeout=10)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["field"] == field


def test_clear_validation_and_auth(server_factory):
    srv = server_factory(extra_env={"API_TOKEN": "tok"})
    auth = {"Authorization": "Bearer tok"}
    assert requests.post(srv.url("/api/models/clear"), json={}, timeout=10).status_code == 401
    assert requests.post(srv.url("/api/prediction/train"), json=TRAIN, timeout=10).status_code == 401
    r = requests.post(srv.url("/api/models/clear"), data="{oops", headers=auth, timeout=10)
    assert r.status_code == 400 and r.json()["error"]["field"] == "body"
    r = requests.post(srv.url("/api/models/clear"), json={"older_than_days": -1}, headers=auth, timeout=10)
    assert r.status_code == 422 and r.json()["error"]["field"] == "older_than_days"
    r = requests.post(srv.url("/api/models/clear"), json={"dry_run": "yes"}, headers=auth, timeout=10)
    assert r.status_code == 422 and r.json()["error"]["field"] == "dry_run"
    r = requests.post(srv.url("/api/models/clear"), json={}, headers=auth, timeout=10)
    assert r.status_code == 200 and r.json()["removed"] == []
    assert requests.get(srv.url("/api/jobs/nope"), timeout=5).status_code == 404
