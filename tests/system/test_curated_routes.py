"""Runbook §4 "Regime Misclassification" over HTTP: POST /api/experiments/curated logs a curated
experiment whose `families` weights override the gating (who/why required, token-protected),
predictions use it, DELETE /api/experiments/curated/{id} removes it; the CLI sees the same registry."""
from __future__ import annotations

import pytest
import requests

from conftest import run_cli, simulated_market

KEY = {"symbol": "TCS.NS", "timeframe": "5m", "horizon_minutes": 180}
TOKEN = "curate-secret"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def trained_dir(rc_binary, tmp_path_factory):
    data = simulated_market(rc_binary, tmp_path_factory.mktemp("curated") / "data", days=40, seed=11)
    env = {"DATA_DIR": str(data)}
    run_cli(rc_binary, "train", "--bot", "orchestrator", "--symbol", "TCS.NS", "--timeframe", "5m",
            "--horizon-minutes", "180", "--folds", "2", env=env, timeout=600)
    return data


def entry(srv):
    models = requests.get(srv.url("/api/models"), timeout=5).json()["models"]
    return next(m for m in models if (m["symbol"], m["timeframe"], m["horizon_minutes"]) == ("TCS.NS", "5m", 180))


def post(srv, body, headers=AUTH):
    return requests.post(srv.url("/api/experiments/curated"), json=body, headers=headers, timeout=10)


def test_curate_predict_and_uncurate(server_factory, trained_dir, rc_binary):
    srv = server_factory(extra_env={"API_TOKEN": TOKEN}, data_dir=trained_dir)
    # The families the active experiment trained (the gating may give all weight to naive when no family
    # shows skill against it; a curated override can still name any trained family).
    active = entry(srv)["active_experiment"]
    families = sorted(requests.get(srv.url(f"/api/experiments/{active}"), timeout=5).json()["families"])
    assert "naive" in families and len(families) >= 2, families
    other = next(f for f in families if f != "naive")
    body = {**KEY, "families": {"naive": 0.25, other: 0.75}, "who": "analyst-a", "why": "regime looks mislabelled"}

    created = post(srv, body)
    assert created.status_code == 201, created.text
    curated_id = created.json()["id"]
    assert created.headers["location"] == f"/api/experiments/{curated_id}"
    assert created.json()["key"] == "TCS.NS|5m|180"
    override = entry(srv)["curated"]
    assert override["experiment_id"] == curated_id
    assert override["families"] == {"naive": 0.25, other: 0.75}
    assert (override["who"], override["why"]) == ("analyst-a", "regime looks mislabelled")
    record = requests.get(srv.url(f"/api/experiments/{curated_id}"), timeout=5).json()
    assert record["kind"] == "curated" and record["curated"]["families"] == {"naive": 0.25, other: 0.75}

    # Predictions now use the curated weights.
    prediction = requests.post(srv.url("/api/prediction/trigger"), json=KEY, headers=AUTH, timeout=30).json()
    assert prediction["weights_source"] == "curated", prediction
    assert prediction["weights"] == pytest.approx({"naive": 0.25, other: 0.75})
    # The CLI reads the same registry.
    listing = run_cli(rc_binary, "experiments", "list", env={"DATA_DIR": str(trained_dir)}).stdout
    assert f"CURATED {curated_id} by analyst-a" in listing

    # Removing it: who is required, a wrong id is 404, then the computed weights apply again.
    missing_who = requests.delete(srv.url(f"/api/experiments/curated/{curated_id}"), json={"why": "x"}, headers=AUTH,
                                  timeout=5)
    assert missing_who.status_code == 422 and missing_who.json()["error"]["field"] == "who"
    unknown = requests.delete(srv.url("/api/experiments/curated/nope"), json={"who": "b"}, headers=AUTH, timeout=5)
    assert unknown.status_code == 404 and unknown.json()["error"]["field"] == "id"
    removed = requests.delete(srv.url(f"/api/experiments/curated/{curated_id}"),
                              json={"who": "analyst-b", "why": "fixed upstream"}, headers=AUTH, timeout=5)
    assert removed.status_code == 200, removed.text
    assert removed.json()["model"]["curated"] is None
    assert entry(srv)["curated"] is None
    again = requests.delete(srv.url(f"/api/experiments/curated/{curated_id}"), json={"who": "b"}, headers=AUTH,
                            timeout=5)
    assert again.status_code == 404
    audit = (trained_dir / "experiments" / "audit.jsonl").read_text()
    assert "analyst-a" in audit and "analyst-b" in audit


@pytest.mark.parametrize("change, field", [
    ({"who": ""}, "who"),
    ({"who": "   "}, "who"),
    ({"why": None}, "why"),
    ({"families": {"naive": 0.5, "ridge": 0.2}}, "families"),
    ({"families": {"naive": "half"}}, "families.naive"),
    ({"families": {"naive": -1}}, "families.naive"),
    ({"families": {"no_such_family": 1.0}}, "families.no_such_family"),
    ({"families": []}, "families"),
    ({"families": {}}, "families"),
    ({"symbol": "not a symbol!"}, "symbol"),
    ({"timeframe": "7m"}, "timeframe"),
    ({"horizon_minutes": 7}, "horizon_minutes"),
    ({"horizon_minutes": "180"}, "horizon_minutes"),
    ({"colour": "red"}, "colour"),
])
def test_invalid_bodies_name_the_field(server_factory, trained_dir, change, field):
    srv = server_factory(data_dir=trained_dir)
    body = {**KEY, "families": {"naive": 1.0}, "who": "a", "why": "b", **change}
    body = {k: v for k, v in body.items() if v is not None}
    r = post(srv, body, headers={})
    assert r.status_code == 422, r.text
    assert r.json()["error"]["field"] == field, r.text
    assert entry(srv)["curated"] is None


def test_malformed_body_and_unknown_series(server_factory, trained_dir):
    srv = server_factory(data_dir=trained_dir)
    r = requests.post(srv.url("/api/experiments/curated"), data="{not json", timeout=5)
    assert r.status_code == 400 and r.json()["error"]["field"] == "body"
    r = post(srv, {**KEY, "symbol": "INFY.NS", "families": {"naive": 1.0}, "who": "a", "why": "b"}, headers={})
    assert r.status_code == 404, r.text


def test_token_protected_and_documented(server_factory, trained_dir):
    srv = server_factory(extra_env={"API_TOKEN": TOKEN}, data_dir=trained_dir)
    body = {**KEY, "families": {"naive": 1.0}, "who": "a", "why": "b"}
    assert post(srv, body, headers={}).status_code == 401
    assert post(srv, body, headers={"Authorization": "Bearer wrong"}).status_code == 403
    assert requests.delete(srv.url("/api/experiments/curated/x"), json={"who": "a"}, timeout=5).status_code == 401
    doc = requests.get(srv.url("/openapi.json"), timeout=5).json()
    create = doc["paths"]["/api/experiments/curated"]["post"]
    remove = doc["paths"]["/api/experiments/curated/{id}"]["delete"]
    for op in (create, remove):
        assert op["security"] == [{"bearerAuth": []}]
    schema = create["requestBody"]["content"]["application/json"]["schema"]
    assert set(schema["required"]) == {"symbol", "timeframe", "horizon_minutes", "families", "who", "why"}
    assert remove["requestBody"]["content"]["application/json"]["schema"]["required"] == ["who"]
