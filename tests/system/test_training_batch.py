"""Training a whole watchlist as one job (issue 11 "Many symbols", issue 13 item 2): POST /api/prediction/train
with `series` runs every series in parallel on the training pool (TRAINING_WORKERS threads at TRAINING_NICE),
shows progress (done/total, ETA) in /api/jobs, keeps per-series results when some fail; `regimecast train --all`
does the same on the CLI with progress lines. The runbook's one-series request is covered in test_model_routes.py."""
from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
import requests

from conftest import run_cli

SYMBOLS = ("TCS.NS", "INFY.NS")
WATCHLIST = ",".join(f"{s}:5m" for s in SYMBOLS)
ENV = {"WATCHLIST": WATCHLIST, "HORIZONS_MINUTES": "60,180", "TRAINING_WORKERS": "2", "TRAINING_NICE": "12"}


@pytest.fixture(scope="module")
def watchlist_lake(rc_binary, tmp_path_factory):
    data = tmp_path_factory.mktemp("watchlist") / "data"
    env = {"DATA_DIR": str(data), "HORIZONS_MINUTES": ENV["HORIZONS_MINUTES"]}  # silver's targets for both
    for seed, symbol in enumerate(SYMBOLS, start=3):
        run_cli(rc_binary, "sim", "--symbol", symbol, "--timeframe", "5m", "--days", "40", "--seed", seed,
                "--end", "2024-06-01T00:00:00Z", env=env)
    run_cli(rc_binary, "pipeline", env=env)
    return data


def thread_nices(pid: int) -> dict[str, list[int]]:
    """Thread name -> nice values of the server's threads (from /proc)."""
    out: dict[str, list[int]] = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            stat = (task / "stat").read_text()
        except OSError:
            continue  # the thread ended
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        out.setdefault(name, []).append(int(fields[16]))  # field 19 of stat: nice
    return out


def test_watchlist_trains_as_one_job_with_progress_on_low_priority_threads(server_factory, watchlist_lake):
    srv = server_factory(data_dir=watchlist_lake, extra_env=ENV)
    nices = thread_nices(srv.proc.pid)
    assert sorted(nices.get("rc-train-0", []) + nices.get("rc-train-1", [])) == [12, 12], nices
    assert not any(name.startswith("rc-train-") for name in nices if name not in ("rc-train-0", "rc-train-1"))
    # Serving threads keep the default priority.
    assert all(n == 0 for name, values in nices.items() if not name.startswith("rc-train") for n in values), nices

    r = requests.post(srv.url("/api/prediction/train"), json={"bot_name": "orchestrator", "series": "all", "folds": 2},
                      timeout=10)
    assert r.status_code == 202, r.text
    job = r.json()
    assert job["kind"] == "train_batch"
    assert job["params"]["series"] == [f"{s}:5m+{h}" for s in SYMBOLS for h in (60, 180)]
    assert job["params"]["workers"] == 2

    seen_done = []
    deadline = time.time() + 180
    while time.time() < deadline:
        job = requests.get(srv.url(r.headers["location"]), timeout=5).json()
        if "progress" in job:
            assert job["progress"]["total"] == 4
            seen_done.append(job["progress"]["done"])
        if job["state"] in ("succeeded", "failed"):
            break
        time.sleep(0.1)
    assert job["state"] == "succeeded", job
    assert seen_done == sorted(seen_done), "progress never goes back"
    assert job["progress"] == {"done": 4, "failed": 0, "total": 4, "eta_seconds": None}
    items = job["result"]["items"]
    assert [(i["symbol"], i["horizon_minutes"]) for i in items] == [(s, h) for s in SYMBOLS for h in (60, 180)]
    assert job["result"]["trained"] == 4 and all(i["experiment_id"] for i in items)

    # Every series serves from its new experiment, and the job is listed.
    models = requests.get(srv.url("/api/models"), timeout=5).json()["models"]
    assert {(m["symbol"], m["horizon_minutes"]): m["active_experiment"] for m in models} == {
        (i["symbol"], i["horizon_minutes"]): i["experiment_id"] for i in items}
    listed = requests.get(srv.url("/api/jobs"), timeout=5).json()["jobs"]
    assert listed[0]["id"] == job["id"] and listed[0]["progress"]["done"] == 4
    assert "training job" in srv.log() and "4/4" in srv.log()


def test_a_failing_series_fails_the_job_but_keeps_what_trained(server_factory, watchlist_lake):
    srv = server_factory(data_dir=watchlist_lake, extra_env=ENV)
    body = {"bot_name": "naive", "series": ["TCS.NS:5m", "NOPE.NS:5m"], "horizon_minutes": 60, "folds": 2}
    r = requests.post(srv.url("/api/prediction/train"), json=body, timeout=10)
    assert r.status_code == 202, r.text
    deadline = time.time() + 120
    while time.time() < deadline:
        job = requests.get(srv.url(r.headers["location"]), timeout=5).json()
        if job["state"] in ("succeeded", "failed"):
            break
        time.sleep(0.1)
    assert job["state"] == "failed", job
    assert job["progress"]["done"] == 2 and job["progress"]["failed"] == 1
    assert "1 of 2 series failed" in job["error"]["message"] and "NOPE.NS" in job["error"]["message"]
    assert job["result"]["trained"] == 1 and job["result"]["items"][0]["experiment_id"]
    assert job["result"]["items"][1]["error"]["code"] == "not_found"


@pytest.mark.parametrize("body, field", [
    ({"bot_name": "orchestrator", "series": ["TCS.NS"]}, "series[0]"),
    ({"bot_name": "orchestrator", "series": "everything"}, "series"),
    ({"bot_name": "orchestrator", "series": []}, "series"),
    ({"bot_name": "orchestrator", "series": [5]}, "series[0]"),
    ({"bot_name": "orchestrator", "series": "all", "symbol": "TCS.NS", "timeframe": "5m"}, "series"),
    ({"bot_name": "nobody", "series": "all"}, "bot_name"),
    ({"bot_name": "orchestrator", "symbol": "TCS.NS"}, "timeframe"),
])
def test_bad_training_bodies_are_refused_naming_the_field(server_factory, tmp_path, body, field):
    srv = server_factory(extra_env=ENV)
    r = requests.post(srv.url("/api/prediction/train"), json=body, timeout=10)
    assert r.status_code == 422, r.text  # well-formed JSON, invalid value
    assert r.json()["error"]["field"] == field, r.text
    assert requests.get(srv.url("/api/jobs"), timeout=5).json()["jobs"] == []


def test_cli_trains_the_watchlist_in_parallel_with_progress(rc_binary, watchlist_lake):
    env = {**ENV, "DATA_DIR": str(watchlist_lake)}
    proc = run_cli(rc_binary, "train", "--all", "--bot", "ridge", "--folds", "2", "--workers", "2", env=env,
                   timeout=180)
    lines = [line for line in proc.stderr.splitlines() if line.startswith("[")]
    assert [line.split("]")[0] for line in lines] == ["[1/4", "[2/4", "[3/4", "[4/4"], proc.stderr
    assert all("experiment " in line for line in lines), proc.stderr
    assert all("ETA" in line for line in lines[:-1]) and "ETA" not in lines[-1], proc.stderr
    assert "on 2 worker(s) at nice 12" in proc.stderr
    assert "trained 4 of 4 series" in proc.stdout


@pytest.mark.parametrize("args, env, needle", [
    (["train", "--all", "--symbol", "TCS.NS"], {}, "--symbol"),
    (["train", "--symbol", "TCS.NS", "--timeframe", "5m"], {}, "--horizon-minutes"),
    (["train", "--all", "--workers", "99"], {}, "--workers"),
    (["train", "--all"], {"TRAINING_WORKERS": "0"}, "TRAINING_WORKERS"),
    (["train", "--all"], {"TRAINING_NICE": "-5"}, "TRAINING_NICE"),
    (["train", "--all"], {"WATCHLIST": ""}, "WATCHLIST"),
])
def test_cli_training_usage_errors_name_the_flag_or_setting(rc_binary, tmp_path, args, env, needle):
    proc = run_cli(rc_binary, *args, env={"DATA_DIR": str(tmp_path / "data"), **env}, check=False)
    assert proc.returncode != 0
    assert needle in proc.stderr, proc.stderr
