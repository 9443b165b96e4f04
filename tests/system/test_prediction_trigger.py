"""POST /api/prediction/trigger: the runbook's manual prediction trigger (§3.3), strict JSON validation."""
from __future__ import annotations

import re

import pytest
import requests

from conftest import assert_plain_json_numbers, run_cli

RUNBOOK_BODY = {"symbol": "TCS.NS", "timeframe": "5m", "horizon_minutes": 180}


@pytest.fixture(scope="module")
def market_dir(rc_binary, tmp_path_factory):
    """A data dir with 60 simulated sessions of TCS.NS 5m through the pipeline."""
    data = tmp_path_factory.mktemp("trigger") / "data"
    env = {"DATA_DIR": str(data)}
    run_cli(rc_binary, "sim", "--symbol", "TCS.NS", "--timeframe", "5m", "--days", "60", "--seed", "3",
            "--end", "2024-06-01T00:00:00Z", env=env)
    run_cli(rc_binary, "pipeline", env=env)
    return data


def post(server, body=None, data=None, headers=None):
    return requests.post(server.url("/api/prediction/trigger"), json=body, data=data, headers=headers, timeout=30)


def error(response):
    return response.json()["error"]


@pytest.mark.parametrize("data,field", [("{not json", "body"), ("[1,2]", "body"), ("", "body")])
def test_malformed_body_is_400(server, data, field):
    r = post(server, data=data, headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    assert error(r)["code"] == "malformed_request" and error(r)["field"] == field


@pytest.mark.parametrize("body,field", [
    ({"timeframe": "5m"}, "symbol"),
    ({"symbol": "../etc", "timeframe": "5m"}, "symbol"),
    ({"symbol": 42, "timeframe": "5m"}, "symbol"),
    ({"symbol": "TCS.NS", "timeframe": "7m"}, "timeframe"),
    ({"symbol": "TCS.NS", "timeframe": "5m", "horizon_minutes": 7}, "horizon_minutes"),
    ({"symbol": "TCS.NS", "timeframe": "5m", "horizon_minutes": "soon"}, "horizon_minutes"),
    ({"symbol": "TCS.NS", "timeframe": "5m", "horizon_minutes": -5}, "horizon_minutes"),
    ({"symbol": "TCS.NS", "timeframe": "5m", "as_of": "yesterday"}, "as_of"),
    ({"symbol": "TCS.NS", "timeframe": "5m", "horizon": 180}, "horizon"),
])
def test_invalid_values_are_422_naming_the_field(server, body, field):
    r = post(server, body)
    assert r.status_code == 422, r.text
    assert error(r)["code"] == "invalid_argument" and error(r)["field"] == field


def test_no_data_is_404(server):
    r = post(server, RUNBOOK_BODY)
    assert r.status_code == 404
    assert "pipeline" in error(r)["message"]


def test_runbook_trigger_degraded_then_trained(server_factory, market_dir, rc_binary):
    srv = server_factory(data_dir=market_dir)
    r = post(srv, RUNBOOK_BODY)
    assert r.status_code == 200, r.text
    p = r.json()
    assert p["symbol"] == "TCS.NS" and p["timeframe"] == "5m" and p["horizon_minutes"] == 180
    assert p["degraded"] is True
    assert [b["level"] for b in p["bands"]] == [0.5, 0.8, 0.95]
    health = requests.get(srv.url("/health"), timeout=5).json()
    assert health["subsystems"]["models"]["status"] == "degraded"

    run_cli(rc_binary, "train", "--bot", "orchestrator", "--symbol", "TCS.NS", "--timeframe", "5m",
            "--horizon-minutes", "180", "--folds", "3", env={"DATA_DIR": str(market_dir)})
    r = post(srv, dict(RUNBOOK_BODY, as_of="2024-05-31T09:00:00Z"))
    assert r.status_code == 200, r.text
    p = assert_plain_json_numbers(r.text)  # issue 13: `1`, `3456.05`, never `1E0`/`3.45605E3`
    assert p["degraded"] is False and p["experiment_id"] and p["champion"]
    # Issue 13: the model was trained now, after the 2024 as-of: age 0, never negative.
    assert p["model_age_seconds"] == 0, p["model_age_seconds"]
    assert abs(sum(p["weights"].values()) - 1) < 1e-9

    # Runbook §3.3: the log shows the gating decision and the bands.
    assert re.search(r"prediction TCS\.NS 5m \+180m: regime \w+ .* weights \(\w+\):.* bands: 50%\[", srv.log())
    # Runbook §2: the regime gauge (one state at 1) and the latency histogram.
    metrics = requests.get(srv.url("/metrics"), timeout=5).text
    states = re.findall(r'market_regime_state\{symbol="TCS.NS",timeframe="5m",state="(\w+)"\} (\S+)', metrics)
    assert len(states) == 6 and sum(float(v) for _, v in states) == 1.0
    count = re.search(r'prediction_latency_seconds_count\{symbol="TCS.NS",timeframe="5m"\} (\d+)', metrics)
    assert count and int(count.group(1)) == 2


def test_api_token_guards_the_trigger(server_factory, market_dir):
    srv = server_factory(data_dir=market_dir, extra_env={"API_TOKEN": "s3cret"})
    r = post(srv, RUNBOOK_BODY)
    assert r.status_code == 401 and error(r)["code"] == "unauthorized"
    r = post(srv, RUNBOOK_BODY, headers={"Authorization": "Bearer wrong"})
    assert r.status_code == 403 and error(r)["code"] == "forbidden"
    r = post(srv, RUNBOOK_BODY, headers={"Authorization": "Bearer s3cret"})
    assert r.status_code == 200
    # Reads stay open.
    assert requests.get(srv.url("/health"), timeout=5).status_code == 200


def test_openapi_documents_the_trigger(server):
    doc = requests.get(server.url("/openapi.json"), timeout=5).json()
    op = doc["paths"]["/api/prediction/trigger"]["post"]
    schema = op["requestBody"]["content"]["application/json"]["schema"]
    assert schema["required"] == ["symbol", "timeframe"]
    assert "security" in op
