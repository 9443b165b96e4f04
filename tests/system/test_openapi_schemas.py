"""The response schemas in /openapi.json describe what the routes really answer (and the websocket
messages that carry the same items): every answer of a trained, predicting server validates against
its route's schema, and a renamed or missing field would not."""
from __future__ import annotations

import copy
import json
import time

import pytest
import requests
from websockets.sync.client import connect

from conftest import openapi_validator, run_cli, simulated_market, ws_messages

SERIES = {"symbol": "TCS.NS", "timeframe": "5m"}
# Routes whose 2xx body is not a JSON value with fields of its own.
NOT_DESCRIBED = {("get", "/ws"), ("get", "/openapi.json")}


@pytest.fixture(scope="module")
def trained_dir(rc_binary, tmp_path_factory):
    data = simulated_market(rc_binary, tmp_path_factory.mktemp("schemas") / "data", days=40, seed=11)
    run_cli(rc_binary, "train", "--bot", "orchestrator", "--symbol", "TCS.NS", "--timeframe", "5m",
            "--horizon-minutes", "180", "--folds", "2", env={"DATA_DIR": str(data)}, timeout=600)
    return data


@pytest.fixture
def srv(server_factory, trained_dir):
    return server_factory(data_dir=trained_dir, extra_env={"WATCHLIST": "TCS.NS:5m,INFY.NS:1h"})


def response_schema(doc, method, path):
    return doc["paths"][path][method]["responses"]["200"]["content"]["application/json"]["schema"]


def component(name):
    return {"$ref": f"#/components/schemas/{name}"}


def generic_parts(doc, schema, where="", seen=frozenset()):
    """Places in a schema that say nothing about their contents: an object without properties or
    additionalProperties, an array without items. Follows $refs into the document's components
    (each once on a path) and the parts of an allOf."""
    if "$ref" in schema:
        name = schema["$ref"].removeprefix("#/components/schemas/")
        return [] if name in seen else generic_parts(doc, doc["components"]["schemas"][name], where, seen | {name})
    if "allOf" in schema:
        return [part for sub in schema["allOf"] for part in generic_parts(doc, sub, where, seen)]
    found = []
    types = schema.get("type")
    types = types if isinstance(types, list) else [types]
    if "object" in types and "properties" not in schema and "additionalProperties" not in schema:
        found.append(where or "<body>")
    if "array" in types and "items" not in schema:
        found.append(f"{where}[]")
    for name, sub in schema.get("properties", {}).items():
        found += generic_parts(doc, sub, f"{where}.{name}", seen)
    if isinstance(schema.get("items"), dict):
        found += generic_parts(doc, schema["items"], f"{where}[]", seen)
    if isinstance(schema.get("additionalProperties"), dict):
        found += generic_parts(doc, schema["additionalProperties"], f"{where}{{}}", seen)
    return found


def test_real_answers_and_stream_messages_match_their_schemas(srv):
    doc = requests.get(srv.url("/openapi.json"), timeout=5).json()
    checked = []

    def check(method, path, response, status=200):
        assert response.status_code == status, response.text
        body = response.json()
        openapi_validator(doc, response_schema(doc, method, path)).validate(body)
        checked.append(path)
        return body

    with connect(f"ws://127.0.0.1:{srv.port}/ws") as ws:
        ws.send(json.dumps({"op": "subscribe", "channels": ["predictions:TCS.NS:5m", "regime:TCS.NS:5m"]}))
        ws_messages(ws, 1, {"subscribed"})
        live = check("post", "/api/prediction/trigger",
                     requests.post(srv.url("/api/prediction/trigger"), json={**SERIES, "horizon_minutes": 180},
                                   timeout=30))
        assert live["experiment_id"] and len(live["bands"]) == 3
        streamed = {m["type"]: m for m in ws_messages(ws, 2, {"prediction", "regime"})}
    trigger_schema = response_schema(doc, "post", "/api/prediction/trigger")
    openapi_validator(doc, trigger_schema).validate(streamed["prediction"]["data"])
    regime = check("get", "/api/regime", requests.get(srv.url("/api/regime"), params={**SERIES, "history": 500},
                                                      timeout=10))
    assert len(regime["history"]) == 500
    regime_item = response_schema(doc, "get", "/api/regime")["properties"]["history"]["items"]
    assert regime_item == component("RegimeState")
    openapi_validator(doc, regime_item).validate(streamed["regime"]["data"])

    backfill = check("post", "/api/prediction/trigger",
                     requests.post(srv.url("/api/prediction/trigger"),
                                   json={**SERIES, "horizon_minutes": 60, "as_of": "2024-05-29T06:00:00Z"}, timeout=30))
    assert backfill["as_of"] == "2024-05-29T06:00:00Z"
    bars = check("get", "/api/bars", requests.get(srv.url("/api/bars"), params={**SERIES, "session": "all",
                                                                              "limit": 100000}, timeout=30))
    assert len(bars["bars"]) > 1000
    for preset in ("trend", "momentum", "volatility", "mean_reversion"):
        check("get", "/api/indicators", requests.get(srv.url("/api/indicators"),
                                                     params={**SERIES, "preset": preset, "limit": 300}, timeout=30))
    logged = check("get", "/api/predictions", requests.get(srv.url("/api/predictions"), params=SERIES, timeout=10))
    assert len(logged["predictions"]) == 2
    check("get", "/api/watchlist", requests.get(srv.url("/api/watchlist"), timeout=10))
    check("get", "/health", requests.get(srv.url("/health"), timeout=10))

    # The same answers with one field renamed, or gone, no longer validate.
    for path, body, rename in (("/api/bars", bars, ("bars", 0, "close")),
                               ("/api/regime", regime, ("history", 0, "state")),
                               ("/api/predictions", logged, ("predictions", 0, "expected_close"))):
        renamed = copy.deepcopy(body)
        item = renamed[rename[0]][rename[1]]
        item[rename[2] + "_renamed"] = item.pop(rename[2])
        assert not openapi_validator(doc, response_schema(doc, "get", path)).is_valid(renamed), path
    broken = copy.deepcopy(live)
    del broken["expected_price"]
    assert not openapi_validator(doc, trigger_schema).is_valid(broken)
    assert {"/api/bars", "/api/regime", "/api/predictions", "/api/watchlist", "/api/indicators",
            "/api/prediction/trigger"} <= set(checked)


def test_model_routes_answers_match_their_schemas(srv):
    doc = requests.get(srv.url("/openapi.json"), timeout=5).json()

    def check(method, path, response):
        assert response.ok, response.text
        body = response.json()
        openapi_validator(doc, response_schema(doc, method, path)).validate(body)
        return body

    key = {**SERIES, "horizon_minutes": 180}
    job = check("post", "/api/prediction/train", requests.post(
        srv.url("/api/prediction/train"), json={"bot_name": "orchestrator", **key, "folds": 2}, timeout=10))
    deadline = time.time() + 120
    while job["state"] in ("queued", "running") and time.time() < deadline:
        time.sleep(0.2)
        job = check("get", "/api/jobs/{id}", requests.get(srv.url(f"/api/jobs/{job['id']}"), timeout=10))
    assert job["state"] == "succeeded", job
    assert job["result"]["families"]["naive"]["ok"] is True
    failed = check("post", "/api/prediction/train", requests.post(
        srv.url("/api/prediction/train"), json={"bot_name": "ridge", **SERIES, "horizon_minutes": 60}, timeout=10))
    while failed["state"] in ("queued", "running") and time.time() < deadline:
        time.sleep(0.2)
        failed = requests.get(srv.url(f"/api/jobs/{failed['id']}"), timeout=10).json()
    jobs = check("get", "/api/jobs", requests.get(srv.url("/api/jobs"), timeout=10))["jobs"]
    assert {j["state"] for j in jobs} == {"succeeded", "failed"}

    models = check("get", "/api/models", requests.get(srv.url("/api/models"), timeout=10))["models"]
    assert models[0]["active_experiment"] == job["result"]["experiment_id"]
    experiments = check("get", "/api/experiments", requests.get(srv.url("/api/experiments"), timeout=10))
    record = check("get", "/api/experiments/{id}",
                   requests.get(srv.url(f"/api/experiments/{job['result']['experiment_id']}"), timeout=10))
    assert record["metrics"]["naive"]["folds"] and record["metrics"]["naive"]["overall"]["n"] > 0

    curated = check("post", "/api/experiments/curated", requests.post(
        srv.url("/api/experiments/curated"), json={**key, "families": {"naive": 1.0}, "who": "qa", "why": "schema"},
        timeout=10))
    assert curated["model"]["curated"]["who"] == "qa"
    check("get", "/api/experiments/{id}", requests.get(srv.url(f"/api/experiments/{curated['id']}"), timeout=10))
    removed = check("delete", "/api/experiments/curated/{id}", requests.delete(
        srv.url(f"/api/experiments/curated/{curated['id']}"), json={"who": "qa"}, timeout=10))
    assert removed["model"]["curated"] is None
    dry = check("post", "/api/models/clear", requests.post(srv.url("/api/models/clear"), json={"dry_run": True},
                                                           timeout=10))
    assert dry["dry_run"] is True and len(dry["kept"]) + len(dry["removed"]) == len(experiments["experiments"]) + 1

    renamed = copy.deepcopy(models)
    renamed[0]["champion"]["family_name"] = renamed[0]["champion"].pop("family")
    assert not openapi_validator(doc, response_schema(doc, "get", "/api/models")).is_valid({"models": renamed})


def test_no_response_schema_is_a_bare_object(srv):
    doc = requests.get(srv.url("/openapi.json"), timeout=5).json()
    vague = {}
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            if (method, path) in NOT_DESCRIBED:
                continue
            content = operation["responses"]["200"]["content"]
            for media_type, body in content.items():
                if media_type == "application/json":
                    if parts := generic_parts(doc, body["schema"]):
                        vague[f"{method.upper()} {path}"] = parts
    assert vague == {}
