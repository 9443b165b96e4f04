"""Judging a series before trusting it (issue 10) over HTTP: POST /api/models/backtest runs a
prediction backtest as a job (progress, then a headline result), GET /api/models/backtest answers the
saved summary with the fields of `regimecast backtest --json`; every input is validated, and the
start is a mutating route (API_TOKEN)."""
from __future__ import annotations

import json
import math
import time

import pytest
import requests

from conftest import openapi_validator, run_cli

SERIES = {"symbol": "TCS.NS", "timeframe": "5m", "horizon_minutes": 180}
HORIZONS = {"HORIZONS_MINUTES": "60,180"}  # silver carries targets for these only


@pytest.fixture(scope="module")
def market_dir(rc_binary, tmp_path_factory):
    data = tmp_path_factory.mktemp("backtest") / "data"
    env = {"DATA_DIR": str(data), **HORIZONS}
    run_cli(rc_binary, "sim", "--symbol", "TCS.NS", "--timeframe", "5m", "--days", "40", "--seed", "5",
            "--end", "2024-06-01T00:00:00Z", env=env)
    run_cli(rc_binary, "pipeline", env=env)
    return data


def start(server, body, headers=None):
    r = requests.post(server.url("/api/models/backtest"), json=body, headers=headers, timeout=10)
    assert r.status_code == 202, r.text
    job = r.json()
    assert job["kind"] == "backtest" and r.headers["location"] == f"/api/jobs/{job['id']}"
    return job


def follow(server, job, timeout=120):
    """Polls the job to its end; returns it and every progress seen on the way."""
    seen = [job.get("progress")]
    deadline = time.time() + timeout
    while job["state"] in ("queued", "running"):
        assert time.time() < deadline, f"backtest job did not finish in {timeout}s: {job}"
        time.sleep(0.1)
        job = requests.get(server.url(f"/api/jobs/{job['id']}"), timeout=5).json()
        seen.append(job.get("progress"))
    return job, [p for p in seen if p is not None]


def latest(server, **params):
    return requests.get(server.url("/api/models/backtest"), params={**SERIES, **params}, timeout=10)


def test_backtest_job_then_summary_as_the_cli_prints_it(server_factory, market_dir, rc_binary):
    srv = server_factory(data_dir=market_dir, extra_env=HORIZONS)
    doc = requests.get(srv.url("/openapi.json"), timeout=5).json()
    assert latest(srv).status_code == 404  # nothing saved yet

    job, progress = follow(srv, start(srv, SERIES))
    assert job["state"] == "succeeded", job
    assert job["params"]["symbol"] == "TCS.NS" and job["params"]["reason"] == "api"
    # Progress only moves forward, and ends with both steps (run, saved) done.
    assert [p["done"] for p in progress] == sorted(p["done"] for p in progress)
    assert progress[-1] == {"done": 2, "failed": 0, "total": 2, "eta_seconds": 0}
    openapi_validator(doc, doc["paths"]["/api/jobs/{id}"]["get"]["responses"]["200"]["content"]
                      ["application/json"]["schema"]).validate(job)

    r = latest(srv)
    assert r.status_code == 200, r.text
    summary = r.json()
    openapi_validator(doc, doc["paths"]["/api/models/backtest"]["get"]["responses"]["200"]["content"]
                      ["application/json"]["schema"]).validate(summary)
    assert {k: summary[k] for k in SERIES} == SERIES
    assert summary["predictions"] == job["result"]["predictions"] > 0
    assert summary["mape_ratio"] == pytest.approx(job["result"]["mape_ratio"])
    assert summary["mape_ratio"] == pytest.approx(summary["model"]["mape"] / summary["naive"]["mape"])
    assert [b["level"] for b in summary["model"]["bands"]] == [0.5, 0.8, 0.95]
    assert {f["family"] for f in summary["families"]} >= {"naive", "ridge", "gbdt"}
    assert summary["regimes"] and summary["finished_at"]
    # The default range is the last 40 % of the series, through its last bar.
    bars = requests.get(srv.url("/api/bars"), params={"symbol": "TCS.NS", "timeframe": "5m", "session": "all",
                                                       "limit": 100000}, timeout=10).json()["bars"]
    first = math.floor(len(bars) * (1 - 0.4))  # serving::kDefaultBacktestShare
    assert summary["from"].replace(".000000", "") == bars[first]["ts"].replace(".000000", "")
    assert summary["predictions"] == len(bars) - first

    # The CLI over the same range prints the same summary, field for field (the API adds finished_at).
    cli = run_cli(rc_binary, "backtest", "--symbol", "TCS.NS", "--timeframe", "5m", "--horizon-minutes", "180",
                  "--from", summary["from"], "--to", summary["to"], "--json",
                  env={"DATA_DIR": str(market_dir), **HORIZONS}, timeout=300)
    printed = json.loads(cli.stdout)
    assert_same({k: v for k, v in summary.items() if k != "finished_at"}, printed)

    # Another horizon is another summary; the first stays.
    job, _ = follow(srv, start(srv, {**SERIES, "horizon_minutes": 60, "retrain_every": 400}))
    assert job["state"] == "succeeded", job["error"]
    assert latest(srv, horizon_minutes=60).json()["retrain_every"] == 400
    assert latest(srv).json()["finished_at"] == summary["finished_at"]
    # A server restarted on the same data answers the saved summary.
    srv.stop()
    again = server_factory(data_dir=market_dir, extra_env=HORIZONS)
    assert latest(again).json() == summary


def test_cli_backtest_save_is_what_the_server_answers(server_factory, market_dir, rc_binary):
    cli = run_cli(rc_binary, "backtest", "--symbol", "TCS.NS", "--timeframe", "5m", "--horizon-minutes", "60",
                  "--from", "2024-05-20T00:00:00Z", "--to", "2024-06-01T00:00:00Z", "--json", "--save",
                  env={"DATA_DIR": str(market_dir), **HORIZONS}, timeout=300)
    printed = json.loads(cli.stdout)
    srv = server_factory(data_dir=market_dir, extra_env=HORIZONS)
    saved = latest(srv, horizon_minutes=60).json()
    assert saved.pop("finished_at")
    assert_same(saved, printed)


@pytest.fixture(scope="module")
def two_series_dir(rc_binary, tmp_path_factory):
    """Two simulated series of one timeframe: enough for a pooled (global) model."""
    data = tmp_path_factory.mktemp("pooled-backtest") / "data"
    env = {"DATA_DIR": str(data), **HORIZONS}
    for symbol, seed in (("TCS.NS", 5), ("INFY.NS", 6)):
        run_cli(rc_binary, "sim", "--symbol", symbol, "--timeframe", "5m", "--days", "40", "--seed", str(seed),
                "--end", "2024-06-01T00:00:00Z", env=env)
    run_cli(rc_binary, "pipeline", env=env)
    return data


def test_backtest_with_the_pooled_model_is_the_cli_backtest_pooled(server_factory, two_series_dir, rc_binary):
    srv = server_factory(data_dir=two_series_dir, extra_env=HORIZONS)
    job, _ = follow(srv, start(srv, {**SERIES, "pooled": True, "pooled_learner": "ridge"}), timeout=300)
    assert job["state"] == "succeeded", job
    assert job["params"]["pooled_learner"] == "ridge"
    summary = latest(srv).json()
    pooled = summary["pooled"]
    assert pooled["enabled"] is True and pooled["learner"] == "ridge"
    assert sorted(pooled["series"]) == ["INFY.NS", "TCS.NS"]
    assert 0 < pooled["fitted_blocks"] <= pooled["blocks"] and pooled["last_train_rows"] > 1000
    # The pooled family competes beside the series' own and is judged like them.
    family = next(f for f in summary["families"] if f["family"] == "pooled")
    assert family["skill_vs_naive"]["n"] > 0
    assert "pooled" in {f["family"] for f in summary["family_forecasts"]}

    # The CLI's `backtest --pooled` over the same range prints the same summary, field for field.
    cli = run_cli(rc_binary, "backtest", "--symbol", "TCS.NS", "--timeframe", "5m", "--horizon-minutes", "180",
                  "--from", summary["from"], "--to", summary["to"], "--pooled", "--json",
                  env={"DATA_DIR": str(two_series_dir), **HORIZONS}, timeout=300)
    assert_same({k: v for k, v in summary.items() if k != "finished_at"}, json.loads(cli.stdout))

    # Without "pooled" the series is backtested alone, and the summary says so.
    job, _ = follow(srv, start(srv, {**SERIES, "horizon_minutes": 60}))
    assert job["state"] == "succeeded", job
    assert "pooled_learner" not in job["params"]
    alone = latest(srv, horizon_minutes=60).json()
    assert alone["pooled"] == {"enabled": False}
    assert "pooled" not in {f["family"] for f in alone["families"]}


def assert_same(got, want, where="summary"):
    """Equal field for field; numbers to 1e-12 (the two writers may spell a double's last digit differently)."""
    if isinstance(want, dict):
        assert isinstance(got, dict) and set(got) == set(want), (where, set(got) ^ set(want))
        for key in want:
            assert_same(got[key], want[key], f"{where}.{key}")
    elif isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), where
        for i, (g, w) in enumerate(zip(got, want)):
            assert_same(g, w, f"{where}[{i}]")
    elif isinstance(want, float) or isinstance(got, float):
        assert got == pytest.approx(want, rel=1e-12, abs=1e-15), where
    else:
        assert got == want, where


def test_a_pooled_backtest_needs_a_second_series_as_pooled_training_does(server_factory, market_dir, rc_binary):
    """One series has nothing to pool with: the job fails saying so (the request itself is fine: the
    lake may gain a series before the job runs), and `backtest --pooled` refuses it the same way."""
    srv = server_factory(data_dir=market_dir, extra_env=HORIZONS)
    before = latest(srv)
    job, _ = follow(srv, start(srv, {**SERIES, "pooled": True}))
    assert job["state"] == "failed", job
    assert job["error"]["field"] == "pooled", job
    message = job["error"]["message"]
    assert "at least 2 at timeframe 5m, got 1 (TCS.NS)" in message and "leave the pooled model out" in message
    after = latest(srv)  # the saved summary (if any) is the one from before: nothing was saved
    assert after.status_code == before.status_code and after.text == before.text
    # The same series alone is backtested as before.
    job, _ = follow(srv, start(srv, SERIES))
    assert job["state"] == "succeeded", job
    r = run_cli(rc_binary, "backtest", "--symbol", "TCS.NS", "--timeframe", "5m", "--horizon-minutes", "180",
                "--from", "2024-05-20T00:00:00Z", "--to", "2024-06-01T00:00:00Z", "--pooled", env={"DATA_DIR": str(market_dir), **HORIZONS}, check=False)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "at least 2 at timeframe 5m, got 1 (TCS.NS)" in r.stderr


def test_backtest_without_silver_fails_as_a_job(server):
    job, _ = follow(server, start(server, SERIES))
    assert job["state"] == "failed" and job["error"]["code"] == "not_found"
    assert latest(server).status_code == 404


@pytest.mark.parametrize("body,field", [
    ({"timeframe": "5m"}, "symbol"),
    ({"symbol": "TCS.NS"}, "timeframe"),
    ({"symbol": "a/b", "timeframe": "5m"}, "symbol"),
    ({"symbol": "TCS.NS", "timeframe": "7m"}, "timeframe"),
    (dict(SERIES, horizon_minutes=7), "horizon_minutes"),
    (dict(SERIES, horizon_minutes=45), "horizon_minutes"),  # not in HORIZONS_MINUTES: silver has no target
    (dict(SERIES, horizon_minutes="180"), "horizon_minutes"),
    (dict(SERIES, folds=0), "folds"),
    (dict(SERIES, retrain_every=0), "retrain_every"),
    (dict(SERIES, min_train_rows=10), "min_train_rows"),
    (dict(SERIES, **{"from": "yesterday"}), "from"),
    (dict(SERIES, **{"from": "2024-05-01T00:00:00Z", "to": "2024-04-01T00:00:00Z"}), "to"),
    (dict(SERIES, extra=1), "extra"),
    (dict(SERIES, pooled="yes"), "pooled"),
    (dict(SERIES, pooled_learner="gbdt"), "pooled_learner"),  # without "pooled": true
    (dict(SERIES, pooled=False, pooled_learner="gbdt"), "pooled_learner"),
    (dict(SERIES, pooled=True, pooled_learner="lstm"), "pooled_learner"),
    (dict(SERIES, pooled=True, pooled_learner=3), "pooled_learner"),
])
def test_backtest_start_validation(server, body, field):
    r = requests.post(server.url("/api/models/backtest"), json=body, timeout=10)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["field"] == field
    assert requests.get(server.url("/api/jobs"), timeout=5).json()["jobs"] == []  # nothing was queued


def test_backtest_start_rejects_a_body_that_is_not_an_object(server):
    r = requests.post(server.url("/api/models/backtest"), data="[1]", timeout=10)
    assert r.status_code == 400 and r.json()["error"]["field"] == "body"


@pytest.mark.parametrize("params,field", [
    ({"timeframe": "5m"}, "symbol"),
    ({"symbol": "TCS.NS"}, "timeframe"),
    ({"symbol": "../etc", "timeframe": "5m"}, "symbol"),
    ({"symbol": "TCS.NS", "timeframe": "5m", "horizon_minutes": "3h"}, "horizon_minutes"),
    ({"symbol": "TCS.NS", "timeframe": "5m", "horizon_minutes": "0"}, "horizon_minutes"),
])
def test_backtest_summary_validation(server, params, field):
    r = requests.get(server.url("/api/models/backtest"), params=params, timeout=10)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["field"] == field


def test_backtest_start_needs_the_token(server_factory):
    srv = server_factory(extra_env={"API_TOKEN": "tok"})
    assert requests.post(srv.url("/api/models/backtest"), json=SERIES, timeout=10).status_code == 401
    r = requests.post(srv.url("/api/models/backtest"), json=SERIES,
                      headers={"Authorization": "Bearer wrong"}, timeout=10)
    assert r.status_code == 403
    assert requests.get(srv.url("/api/jobs"), timeout=5).json()["jobs"] == []
    job = start(srv, SERIES, headers={"Authorization": "Bearer tok"})
    assert job["params"]["symbol"] == "TCS.NS"
    # Reading a summary is not mutating: no token needed.
    assert latest(srv).status_code in (404, 200)
