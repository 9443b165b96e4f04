"""Serving from memory (serving/series_book.h, serving/gold_log.h) as a user sees it: the trigger answers
from the series kept in memory, follows the lake when a CLI run changes it and the registry when training
finishes (no restart), and the gold log commits in groups without losing a served prediction on shutdown."""
from __future__ import annotations

import json
import time

import deltalake
import requests

from conftest import run_cli

BODY = {"symbol": "TCS.NS", "timeframe": "5m", "horizon_minutes": 180}  # silver has the 180-minute target


def make_market(rc_binary, data, days=30, end="2024-06-01T00:00:00Z", seed=5):
    env = {"DATA_DIR": str(data)}
    run_cli(rc_binary, "sim", "--symbol", "TCS.NS", "--timeframe", "5m", "--days", str(days), "--seed", str(seed),
            "--end", end, env=env)
    run_cli(rc_binary, "pipeline", env=env)
    return env


def trigger(srv, body=BODY):
    r = requests.post(srv.url("/api/prediction/trigger"), json=body, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def wait_for(predicate, timeout=20.0, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"{what} not met within {timeout}s")


def test_the_trigger_uses_a_new_experiment_as_soon_as_training_finishes(server_factory, rc_binary, tmp_path):
    data = tmp_path / "data"
    make_market(rc_binary, data)
    srv = server_factory(data_dir=data)
    before = trigger(srv)
    assert before["degraded"] is True and before["experiment_id"] == ""
    r = requests.post(srv.url("/api/prediction/train"),
                      json={"bot_name": "orchestrator", "symbol": "TCS.NS", "timeframe": "5m", "horizon_minutes": 180,
                            "folds": 2, "min_train_rows": 300}, timeout=30)
    assert r.status_code == 202, r.text
    job_url = srv.url(r.headers["Location"])
    job = wait_for(lambda: (j := requests.get(job_url, timeout=5).json())["state"] in ("succeeded", "failed") and j,
                   timeout=120, what="training job")
    assert job["state"] == "succeeded", job
    after = trigger(srv)  # the very next request, same process
    assert after["experiment_id"] == job["result"]["experiment_id"]
    assert after["degraded"] is False
    assert "training" in srv.log() and job["result"]["experiment_id"] in srv.log()


def test_a_cli_pipeline_run_is_picked_up_without_a_restart(server_factory, rc_binary, tmp_path):
    data = tmp_path / "data"
    env = make_market(rc_binary, data, days=20, end="2024-05-01T00:00:00Z")
    srv = server_factory(data_dir=data)
    first = trigger(srv)
    # Another process appends three weeks of bars and runs the pipeline.
    run_cli(rc_binary, "sim", "--symbol", "TCS.NS", "--timeframe", "5m", "--days", "21", "--seed", "5",
            "--end", "2024-05-22T00:00:00Z", env=env)
    run_cli(rc_binary, "pipeline", env=env)
    newer = wait_for(lambda: (p := trigger(srv))["silver_version"] > first["silver_version"] and p,
                     what="the series in memory follows silver")
    regime = requests.get(srv.url("/api/regime"), params={"symbol": "TCS.NS", "timeframe": "5m", "history": 5},
                          timeout=10).json()
    assert regime["history"][-1]["ts"] > "2024-05-15"
    assert newer["last_close"] > 0
    assert "rebuilt in memory" in srv.log()


def test_regime_history_from_memory_equals_the_lake_path(server_factory, rc_binary, tmp_path):
    data = tmp_path / "data"
    make_market(rc_binary, data, days=60)
    srv = server_factory(data_dir=data)
    params = {"symbol": "TCS.NS", "timeframe": "5m"}
    memory = requests.get(srv.url("/api/regime"), params={**params, "history": 100}, timeout=10).json()
    lake = requests.get(srv.url("/api/regime"), params={**params, "history": 4000}, timeout=10).json()  # > in memory
    assert len(lake["history"]) == 4000
    assert lake["history"][-100:] == memory["history"]
    assert lake["current"] == memory["current"]


def test_gold_commits_in_groups_and_a_clean_shutdown_loses_nothing(server_factory, rc_binary, tmp_path):
    data = tmp_path / "data"
    make_market(rc_binary, data)
    srv = server_factory(data_dir=data)
    served = [trigger(srv)["expected_price"] for _ in range(400)]
    assert srv.stop() == 0  # SIGTERM right after the last answer
    table = deltalake.DeltaTable(str(data / "gold" / "predictions"))
    gold = table.to_pandas()
    assert len(gold) == len(served)
    assert sorted(gold.expected_close.tolist()) == sorted(served)
    commits = table.version() + 1
    assert commits < len(served) / 4, f"{commits} gold commits for {len(served)} predictions"
    assert "gold prediction log closed: 400 predictions" in srv.log()
