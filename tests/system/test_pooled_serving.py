"""The pooled (global) model outside the backtest (issue 10, goal 2): `train --pooled` fits it once per
(timeframe, horizon) over every series of the lake, stores it once in the registry (experiments/pooled/) and
trains each series with the pooled family competing through the skill test; `serve` then builds the newest
bar's pooled input from every series' bars in memory and reports it in the prediction (`pooled`: model id,
forecast, weight, and why it was not used). POST /api/prediction/train {"pooled": true} does the same as a
job. A missing pooled model is served around, said so; bad input is refused naming the field."""
from __future__ import annotations

import json
import math
import shutil
import time

import pytest
import requests

from conftest import run_cli

SYMBOLS = ("INFY.NS", "RELIANCE.NS", "TCS.NS")
HORIZON = 180


def simulate(rc_binary, data, symbols):
    env = {"DATA_DIR": str(data)}
    for seed, symbol in enumerate(symbols, start=41):
        run_cli(rc_binary, "sim", "--symbol", symbol, "--timeframe", "5m", "--days", "30", "--seed", seed,
                "--end", "2024-06-01T00:00:00Z", env=env)
    run_cli(rc_binary, "pipeline", env=env)
    return env


@pytest.fixture(scope="module")
def pooled_lake(rc_binary, tmp_path_factory):
    data = tmp_path_factory.mktemp("pooled") / "data"
    env = simulate(rc_binary, data, SYMBOLS)
    out = run_cli(rc_binary, "train", "--pooled", "--timeframe", "5m", "--horizon-minutes", HORIZON, "--folds", "2",
                  env=env, timeout=300)
    return data, out


def trigger(srv, symbol):
    r = requests.post(srv.url("/api/prediction/trigger"),
                      json={"symbol": symbol, "timeframe": "5m", "horizon_minutes": HORIZON}, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def assert_pooled_family_judged(p, model_id):
    """The prediction carries the pooled input, and the family is either weighted or says why not."""
    pooled = p["pooled"]
    assert pooled["model_id"] == model_id
    assert isinstance(pooled["forecast"], float) and math.isfinite(pooled["forecast"]), pooled
    assert abs(pooled["forecast"]) < 0.2  # a 3-hour log return
    if pooled["used"]:
        assert pooled["weight"] > 0 and p["weights"]["pooled"] == pooled["weight"]
        assert p["family_returns"]["pooled"] is not None
    else:
        assert pooled["weight"] == 0 and "pooled" not in p["weights"]
        assert pooled["reason"] and pooled["reason"] == p["gated_out"]["pooled"]
        assert "no signal" in pooled["reason"] or "no evidence of skill" in pooled["reason"], pooled


def test_pooled_model_is_stored_once_and_served_from_every_series_bars(rc_binary, pooled_lake, server_factory):
    data, out = pooled_lake
    key_dir = data / "experiments" / "pooled" / f"5m-{HORIZON}m"
    model_id = json.loads((key_dir / "current.json").read_text())["id"]
    assert f"pooled model {model_id}: ridge, 3 series" in out.stdout
    # Stored once: one model folder for the key, its record naming every series and its evidence.
    assert [d.name for d in key_dir.iterdir() if d.is_dir()] == [model_id]
    record = json.loads((key_dir / model_id / "record.json").read_text())
    assert record["series"] == list(SYMBOLS) and record["learner"] == "ridge"
    assert record["timeframe"] == "5m" and record["horizon_minutes"] == HORIZON and record["horizon_bars"] == 36
    assert record["train_rows"] > 3 * 1000 and record["first_ts"] < record["last_ts"]
    for symbol in SYMBOLS:
        evidence = record["per_series"][symbol]
        assert evidence["oof_n"] > 500 and 0.8 < evidence["oof_mape_ratio"] < 1.3, evidence
    # Each series' experiment has the pooled family and names the shared model.
    experiments = {}
    for rec_path in (data / "experiments").glob("*/record.json"):
        rec = json.loads(rec_path.read_text())
        experiments[rec["symbol"]] = rec
    assert sorted(experiments) == sorted(SYMBOLS)
    for symbol, rec in experiments.items():
        assert "pooled" in rec["families"] and "pooled_forecast" in rec["feature_names"]
        assert rec["parameters"]["pooled"] == {"model_id": model_id, "learner": "ridge"}
        assert symbol in out.stdout

    srv = server_factory(data_dir=data)
    forecasts = {}
    for symbol in SYMBOLS:
        p = trigger(srv, symbol)
        assert p["degraded"] is False and p["experiment_id"] == experiments[symbol]["id"]
        assert_pooled_family_judged(p, model_id)
        forecasts[symbol] = p["pooled"]["forecast"]
    # One model, three inputs: the series get their own forecasts.
    assert len(set(forecasts.values())) == 3, forecasts
    # Asked again, the same bar gives the same pooled forecast (built from memory, nothing moved).
    assert trigger(srv, "TCS.NS")["pooled"]["forecast"] == forecasts["TCS.NS"]
    # The models API lists the series, each on its own experiment; the pooled folder is no experiment.
    models = requests.get(srv.url("/api/models"), timeout=10).json()["models"]
    assert sorted(m["active_experiment"] for m in models) == sorted(e["id"] for e in experiments.values())


def test_as_of_predictions_build_the_pooled_column_from_the_lake_as_of_that_time(rc_binary, pooled_lake,
                                                                               server_factory):
    """A backfill (as_of) reads every pooled series' silver with only the bars closed by then: at the newest bar it
    equals the live prediction built from memory; earlier, it is that time's own forecast; the CLI `predict` (the
    same lake path) carries it too."""
    data, _ = pooled_lake
    key_dir = data / "experiments" / "pooled" / f"5m-{HORIZON}m"
    model_id = json.loads((key_dir / "current.json").read_text())["id"]
    srv = server_factory(data_dir=data)
    live = trigger(srv, "TCS.NS")
    newest = live["data_last_ts"]  # the newest bar's open time
    def as_of(text):
        r = requests.post(srv.url("/api/prediction/trigger"), timeout=30,
                          json={"symbol": "TCS.NS", "timeframe": "5m", "horizon_minutes": HORIZON, "as_of": text})
        assert r.status_code == 200, r.text
        return r.json()

    # As of a day after the last bar: the same bars as memory holds, so the same pooled input.
    later = as_of("2024-06-02T00:00:00Z")
    assert later["data_last_ts"] == newest and later["pooled"]["model_id"] == model_id
    assert later["pooled"]["forecast"] == pytest.approx(live["pooled"]["forecast"], rel=1e-12, abs=1e-15)
    # Earlier: that time's bar and its own cross-section; asked twice, the same.
    earlier = as_of("2024-05-28T08:00:00Z")
    assert earlier["data_last_ts"] < newest and earlier["as_of"] == "2024-05-28T08:00:00Z"
    assert earlier["pooled"]["model_id"] == model_id and math.isfinite(earlier["pooled"]["forecast"])
    assert earlier["pooled"]["forecast"] != live["pooled"]["forecast"]
    assert as_of("2024-05-28T08:00:00Z")["pooled"]["forecast"] == earlier["pooled"]["forecast"]
    # The CLI's predict reads the lake the same way.
    out = run_cli(rc_binary, "predict", "--symbol", "TCS.NS", "--timeframe", "5m", "--horizon-minutes", HORIZON,
                  "--json", env={"DATA_DIR": str(data)})
    cli = json.loads(out.stdout)
    assert cli["pooled"]["model_id"] == model_id
    assert cli["pooled"]["forecast"] == pytest.approx(live["pooled"]["forecast"], rel=1e-12, abs=1e-15)


def test_pooled_training_as_a_job_replaces_the_model_predictions_use(pooled_lake, server_factory):
    data, _ = pooled_lake
    key_dir = data / "experiments" / "pooled" / f"5m-{HORIZON}m"
    before = json.loads((key_dir / "current.json").read_text())["id"]
    srv = server_factory(data_dir=data)
    assert trigger(srv, "INFY.NS")["pooled"]["model_id"] == before

    r = requests.post(srv.url("/api/prediction/train"),
                      json={"bot_name": "orchestrator", "pooled": True, "timeframe": "5m", "horizon_minutes": HORIZON,
                            "folds": 2, "pooled_learner": "gbdt"}, timeout=10)
    assert r.status_code == 202, r.text
    job = r.json()
    assert job["kind"] == "train_pooled" and job["params"]["pooled_learner"] == "gbdt"
    deadline = time.time() + 240
    while job["state"] not in ("succeeded", "failed") and time.time() < deadline:
        time.sleep(0.5)
        job = requests.get(srv.url(f"/api/jobs/{job['id']}"), timeout=10).json()
    assert job["state"] == "succeeded", job
    (result,) = job["result"]["pooled"]
    after = result["pooled_model_id"]
    assert after != before and result["learner"] == "gbdt"
    assert sorted(result["series"]) == list(SYMBOLS)
    assert json.loads((key_dir / "current.json").read_text())["id"] == after
    # The old model stays for experiments trained with it; predictions now use the new one.
    assert (key_dir / before / "record.json").exists()
    p = trigger(srv, "INFY.NS")
    assert p["experiment_id"] == result["series"]["INFY.NS"]["experiment_id"]
    assert_pooled_family_judged(p, after)


def test_a_plain_retrain_of_a_covered_series_keeps_the_pooled_family(rc_binary, pooled_lake):
    data, _ = pooled_lake
    env = {"DATA_DIR": str(data)}
    current = json.loads((data / "experiments" / "pooled" / f"5m-{HORIZON}m" / "current.json").read_text())["id"]

    def newest_record(symbol):
        records = [json.loads(p.read_text()) for p in (data / "experiments").glob(f"*-{symbol}-5m-{HORIZON}m-*/record.json")]
        return max(records, key=lambda r: r["created_at_us"])

    # The scheduled / drift retrain path (orchestrator): the family stays, on the current pooled model.
    out = run_cli(rc_binary, "train", "--symbol", "RELIANCE.NS", "--timeframe", "5m", "--horizon-minutes", HORIZON,
                  "--folds", "2", env=env, timeout=300)
    assert "\npooled " in out.stdout  # its row in the family table
    rec = newest_record("RELIANCE.NS")
    assert "pooled" in rec["families"] and rec["parameters"]["pooled"]["model_id"] == current
    # One family with naive: no pooled column, no pooled family.
    run_cli(rc_binary, "train", "--bot", "ridge", "--symbol", "RELIANCE.NS", "--timeframe", "5m",
            "--horizon-minutes", HORIZON, "--folds", "2", env=env, timeout=300)
    rec = newest_record("RELIANCE.NS")
    assert rec["kind"] == "single" and "pooled" not in rec["families"] and "pooled" not in rec["parameters"]


def test_a_pooled_series_without_silver_is_retried_once_per_interval_not_per_prediction(pooled_lake, tmp_path,
                                                                                         server_factory):
    """A series the pooled model names but the lake has no silver for (never imported, or removed) is left out of
    the cross-section, as in training. Its failed build is remembered: the other series' predictions do not read
    the lake for it again until the back-off (5 s) has passed, and then it is tried again."""
    data = tmp_path / "data"
    shutil.copytree(pooled_lake[0], data)
    key_dir = data / "experiments" / "pooled" / f"5m-{HORIZON}m"
    model_id = json.loads((key_dir / "current.json").read_text())["id"]
    record_path = key_dir / model_id / "record.json"
    record = json.loads(record_path.read_text())
    record["series"].append("GHOST.NS")
    record_path.write_text(json.dumps(record))

    srv = server_factory(data_dir=data, extra_env={"LOG_LEVEL": "debug"})
    attempt = "series GHOST.NS 5m: build failed, not retried for 5 s"
    for symbol in SYMBOLS * 3:
        p = trigger(srv, symbol)
        assert p["pooled"]["model_id"] == model_id and math.isfinite(p["pooled"]["forecast"]), p["pooled"]
    assert srv.log().count(attempt) == 1
    time.sleep(5.5)
    trigger(srv, SYMBOLS[0])
    assert srv.log().count(attempt) == 2


def test_missing_pooled_model_is_served_around_and_said(rc_binary, tmp_path, server_factory):
    data = tmp_path / "data"
    env = simulate(rc_binary, data, SYMBOLS[:2])
    run_cli(rc_binary, "train", "--pooled", "--timeframe", "5m", "--horizon-minutes", HORIZON, "--folds", "2",
            env=env, timeout=300)
    key_dir = data / "experiments" / "pooled" / f"5m-{HORIZON}m"
    model_id = json.loads((key_dir / "current.json").read_text())["id"]
    shutil.rmtree(key_dir / model_id)

    srv = server_factory(data_dir=data)
    p = trigger(srv, SYMBOLS[0])
    assert p["degraded"] is False and p["experiment_id"]
    assert p["pooled"]["model_id"] == model_id and p["pooled"]["forecast"] is None
    assert p["pooled"]["used"] is False and p["pooled"]["weight"] == 0
    assert p["pooled"]["reason"].startswith("pooled forecast unavailable: ") and model_id in p["pooled"]["reason"]
    # Gated out either way: for the missing input, or already by the gate (its reason kept there).
    assert "pooled" in p["gated_out"]
    assert abs(sum(p["weights"].values()) - 1) < 1e-9 and "pooled" not in p["weights"]
    # Every request says so in its answer; the log says it once per reason, not per request.
    for _ in range(5):
        again = trigger(srv, SYMBOLS[0])
        assert again["pooled"]["reason"] == p["pooled"]["reason"]
    assert srv.log().count("pooled forecast unavailable") == 1


def test_pooled_training_refuses_one_series_and_bad_fields(rc_binary, tmp_path, server_factory):
    data = tmp_path / "data"
    env = simulate(rc_binary, data, SYMBOLS[:1])
    r = run_cli(rc_binary, "train", "--pooled", "--timeframe", "5m", "--horizon-minutes", HORIZON, env=env,
                check=False)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "series" in r.stderr and "at least 2" in r.stderr and SYMBOLS[0] in r.stderr and "without --pooled" in r.stderr
    assert not (data / "experiments" / "pooled").exists()
    r = run_cli(rc_binary, "train", "--pooled", "--horizon-minutes", HORIZON, env=env, check=False)
    assert r.returncode == 2 and "--timeframe" in r.stderr, r.stderr
    r = run_cli(rc_binary, "train", "--pooled", "--symbol", "TCS.NS", "--timeframe", "5m", env=env, check=False)
    assert r.returncode != 0 and "--symbol" in r.stderr and "--pooled" in r.stderr, r.stderr
    r = run_cli(rc_binary, "train", "--pooled", "--timeframe", "5m", "--horizon-minutes", "7", env=env, check=False)
    assert r.returncode == 2 and "--horizon-minutes" in r.stderr, r.stderr

    srv = server_factory(data_dir=data)
    base = {"bot_name": "orchestrator", "pooled": True, "horizon_minutes": HORIZON}
    for body, field in [
        (dict(base, series=["TCS.NS:5m"]), "series"),
        (dict(base, series=["TCS.NS:5m", "INFY.NS:15m"]), "series"),
        (dict(base, symbol="TCS.NS", timeframe="5m"), "symbol"),
        (dict(base, bot_name="ridge", timeframe="5m"), "bot_name"),
        (dict(base, timeframe="5m", pooled_learner="lstm"), "pooled_learner"),
        # The pooled pair is read before the rest, as the backtest route reads it (server/pooled_fields.h).
        (dict(base, bot_name="ridge", timeframe="5m", pooled_learner="lstm"), "pooled_learner"),
        ({"bot_name": "orchestrator", "symbol": "TCS.NS", "timeframe": "5m", "pooled_learner": "ridge"}, "pooled_learner"),
        (dict(base, pooled="yes", timeframe="5m"), "pooled"),
        (dict(base), "timeframe"),
    ]:
        r = requests.post(srv.url("/api/prediction/train"), json=body, timeout=10)
        assert r.status_code in (400, 422), (body, r.text)
        assert r.json()["error"]["field"] == field, (body, r.text)
    # The lake's only series: accepted as a request, the job fails saying why.
    r = requests.post(srv.url("/api/prediction/train"), json=dict(base, timeframe="5m"), timeout=10)
    assert r.status_code == 202, r.text
    job = r.json()
    deadline = time.time() + 60
    while job["state"] not in ("succeeded", "failed") and time.time() < deadline:
        time.sleep(0.2)
        job = requests.get(srv.url(f"/api/jobs/{job['id']}"), timeout=10).json()
    assert job["state"] == "failed" and "at least 2" in json.dumps(job), job
