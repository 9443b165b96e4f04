"""Black-box tests of the foundation: /health, /metrics, /openapi.json, errors, shutdown."""
from __future__ import annotations

import copy
import json
import signal
import socket
import subprocess
import threading
import time

import pytest
import requests

from conftest import free_port, run_cli

SUBSYSTEMS = {"http", "scheduler", "websocket", "lake", "providers", "models"}
STATES = {"ok", "degraded", "down", "not_started"}


def test_health_reports_every_subsystem(server):
    r = requests.get(server.url("/health"), timeout=5)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert body["status"] == "ok"
    assert body["version"]
    assert isinstance(body["uptime_s"], (int, float)) and body["uptime_s"] >= 0
    assert SUBSYSTEMS <= set(body["subsystems"])
    for name, sub in body["subsystems"].items():
        assert sub["status"] in STATES, name
    assert body["subsystems"]["http"]["status"] == "ok"
    assert body["subsystems"]["lake"]["status"] == "ok"


def test_health_version_matches_cli_and_build_info(server, rc_binary):
    version = requests.get(server.url("/health"), timeout=5).json()["version"]
    cli = run_cli(rc_binary, "version").stdout
    assert f"regimecast {version} " in cli
    metrics = requests.get(server.url("/metrics"), timeout=5).text
    assert f'regimecast_build_info{{version="{version}"' in metrics


def test_metrics_pass_promtool(server, promtool):
    requests.get(server.url("/health"), timeout=5)
    requests.get(server.url("/no/such/route"), timeout=5)
    r = requests.get(server.url("/metrics"), timeout=5)
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    check = subprocess.run([promtool, "check", "metrics"], input=r.text, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    for name in ("prediction_latency_seconds", "market_regime_state", "prediction_quality_metric",
                 "cache_misses_total", "websocket_connections_total", "http_requests_total",
                 "http_request_duration_seconds", "regimecast_build_info"):
        assert f"# TYPE {name} " in r.text, name
    assert 'http_requests_total{route="/health",method="GET",code="200"}' in r.text
    assert 'http_requests_total{route="unmatched",method="GET",code="404"}' in r.text


def test_openapi_lists_exactly_the_routes(server):
    doc = requests.get(server.url("/openapi.json"), timeout=5).json()
    assert doc["openapi"].startswith("3.")
    paths = doc["paths"]
    for path in ("/health", "/metrics", "/openapi.json"):
        assert "get" in paths[path]
    # Every documented operation answers something other than 404/405.
    for path, ops in paths.items():
        if "{" in path:
            continue
        for method in ops:
            if method != "get":
                continue
            r = requests.get(server.url(path), timeout=10)
            assert r.status_code not in (404, 405), (path, r.status_code)


def test_openapi_document_is_valid_openapi_3_1(server):
    """The whole document passes the OpenAPI 3.1 validator (openapi-spec-validator): its
    schema dialect, every $ref resolving, the security scheme the mutating routes name."""
    from openapi_spec_validator import validate
    from openapi_spec_validator.validation.exceptions import OpenAPIValidationError
    from referencing.exceptions import Unresolvable

    doc = requests.get(server.url("/openapi.json"), timeout=5).json()
    assert doc["openapi"] == "3.1.0"
    validate(doc)
    schemas = doc["components"]["schemas"]
    assert {"Error", "Job", "MetricSet", "Prediction", "BacktestSummary"} <= set(schemas)
    # The validator catches what a broken generator would write.
    dangling = copy.deepcopy(doc)
    del dangling["components"]["schemas"]["MetricSet"]
    with pytest.raises(Unresolvable):
        validate(dangling)
    as_3_0 = {**doc, "openapi": "3.0.3"}  # "type": ["number", "null"] is 3.1's dialect, not 3.0's
    with pytest.raises(OpenAPIValidationError):
        validate(as_3_0)


def error_of(response):
    body = response.json()
    assert set(body) == {"error"}
    err = body["error"]
    assert isinstance(err["code"], str) and isinstance(err["message"], str)
    return err


def test_unknown_route_is_json_404(server):
    r = requests.get(server.url("/definitely/not/here"), timeout=5)
    assert r.status_code == 404
    assert error_of(r)["code"] == "not_found"


def test_wrong_method_is_json_405_with_allow(server):
    r = requests.post(server.url("/health"), timeout=5)
    assert r.status_code == 405
    assert error_of(r)["code"] == "method_not_allowed"
    assert "GET" in r.headers["allow"]


# A body each POST route accepts but for its horizon (curated: a series with no experiment still reads the
# horizon first).
VALID_BODIES = {
    "/api/prediction/trigger": {"symbol": "TCS.NS", "timeframe": "5m"},
    "/api/prediction/train": {"bot_name": "orchestrator", "symbol": "TCS.NS", "timeframe": "5m"},
    "/api/models/backtest": {"symbol": "TCS.NS", "timeframe": "5m"},
    "/api/experiments/curated": {"symbol": "TCS.NS", "timeframe": "5m", "families": {"naive": 1.0},
                                 "who": "ops", "why": "schema bounds"},
}


def test_every_documented_horizon_minimum_is_enforced(server):
    """Every request body /openapi.json documents with a bounded horizon_minutes refuses a value below the
    bound with a 422 naming the field, as a client generated from the document would expect."""
    doc = requests.get(server.url("/openapi.json"), timeout=5).json()
    bounded = {}
    for path, operations in doc["paths"].items():
        body = operations.get("post", {}).get("requestBody")
        if not body:
            continue
        horizon = body["content"]["application/json"]["schema"].get("properties", {}).get("horizon_minutes")
        if horizon is not None:
            assert "minimum" in horizon, f"{path}: horizon_minutes has no documented minimum"
            bounded[path] = horizon["minimum"]
    assert set(bounded) == set(VALID_BODIES), "a route gained or lost a horizon: give it a body here"
    for path, minimum in bounded.items():
        r = requests.post(server.url(path), json={**VALID_BODIES[path], "horizon_minutes": minimum - 1}, timeout=10)
        assert r.status_code == 422, (path, r.status_code, r.text)
        assert error_of(r)["field"] == "horizon_minutes", (path, r.text)


def errors_total(metrics_text: str, code: str) -> float:
    prefix = f'regimecast_errors_total{{code="{code}"}} '
    return next((float(line[len(prefix):]) for line in metrics_text.splitlines() if line.startswith(prefix)), 0.0)


def test_errors_metric_counts_each_error_response_by_code(server):
    def scrape() -> str:
        return requests.get(server.url("/metrics"), timeout=5).text

    before = scrape()
    assert requests.get(server.url("/definitely/not/here"), timeout=5).status_code == 404
    assert requests.get(server.url("/nor/here"), timeout=5).status_code == 404
    assert requests.post(server.url("/health"), timeout=5).status_code == 405
    assert requests.get(server.url("/health"), timeout=5).status_code == 200
    after = scrape()
    assert errors_total(after, "not_found") - errors_total(before, "not_found") == 2
    assert errors_total(after, "method_not_allowed") - errors_total(before, "method_not_allowed") == 1


def test_body_over_limit_is_413(server_factory):
    srv = server_factory(extra_env={"MAX_BODY_BYTES": "2048"})
    r = requests.post(srv.url("/health"), data="x" * 10_000, timeout=5)
    assert r.status_code == 413
    err = error_of(r)
    assert err["code"] == "payload_too_large"
    # The server is still healthy afterwards.
    assert requests.get(srv.url("/health"), timeout=5).status_code == 200


def test_malformed_http_is_json_400(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as s:
        s.sendall(b"GARBAGE\x01 / HTTP/1.1\r\n\r\n")
        data = s.recv(65536).decode(errors="replace")
    assert data.startswith("HTTP/1.1 400"), data
    assert '"code":"malformed_request"' in data


def test_keep_alive_serves_several_requests_on_one_connection(server):
    with requests.Session() as session:
        for _ in range(5):
            assert session.get(server.url("/health"), timeout=5).status_code == 200


def test_slow_client_times_out_without_hurting_others(server_factory):
    srv = server_factory(extra_env={"REQUEST_TIMEOUT_SECONDS": "1"})
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
    s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")  # never finishes the header
    assert requests.get(srv.url("/health"), timeout=5).status_code == 200
    time.sleep(1.5)
    s.settimeout(3)
    assert s.recv(1024) == b""  # closed by the server
    s.close()


def test_sigterm_lets_inflight_request_finish_and_exits_zero(server):
    # A request whose body is still being sent when SIGTERM arrives must be
    # answered; the process then exits 0.
    result = {}
    body = b'{"x":1}'

    def slow_request():
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
            s.sendall(b"POST /health HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                      b"Content-Length: %d\r\n\r\n" % len(body))
            time.sleep(0.8)
            s.sendall(body)
            result["response"] = s.recv(65536).decode()

    t = threading.Thread(target=slow_request)
    t.start()
    time.sleep(0.3)
    server.proc.send_signal(signal.SIGTERM)
    t.join(10)
    assert result["response"].startswith("HTTP/1.1 405"), result
    assert server.proc.wait(timeout=15) == 0
    assert "shutting down" in server.log()


def test_sigint_exits_zero(server):
    server.proc.send_signal(signal.SIGINT)
    assert server.proc.wait(timeout=15) == 0


def test_two_servers_on_two_ports(server_factory):
    a = server_factory()
    b = server_factory()
    assert a.port != b.port
    assert requests.get(a.url("/health"), timeout=5).status_code == 200
    assert requests.get(b.url("/health"), timeout=5).status_code == 200


def test_port_in_use_fails_with_clear_message(rc_binary, server, tmp_path):
    proc = subprocess.run([str(rc_binary), "serve", "--host", "127.0.0.1", "--port", str(server.port),
                           "--data-dir", str(tmp_path / "other")], capture_output=True, text=True, timeout=20)
    assert proc.returncode != 0
    assert f"127.0.0.1:{server.port}" in proc.stderr and "in use" in proc.stderr


def test_unwritable_data_dir_fails_at_start(rc_binary, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    proc = subprocess.run([str(rc_binary), "serve", "--port", str(free_port()), "--data-dir", str(blocker / "x")],
                          capture_output=True, text=True, timeout=20)
    assert proc.returncode == 1
    assert "DATA_DIR" in proc.stderr


def test_json_log_format(server_factory):
    srv = server_factory(extra_env={"LOG_FORMAT": "json"})
    requests.get(srv.url("/health"), timeout=5)
    lines = [line for line in srv.log().splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]
    assert any(r["msg"].startswith("GET /health 200") for r in records)
    assert all({"ts", "level", "msg"} <= set(r) for r in records)


def test_unknown_methods_share_one_metric_label(server):
    """A client inventing methods must not grow /metrics by one label set each (a soak would see it as a leak)."""
    for idx in range(5):
        r = requests.request(f"BREW{idx}", server.url("/health"), timeout=5)
        assert r.status_code in (404, 405), r.status_code
    metrics = requests.get(server.url("/metrics"), timeout=5).text
    assert "BREW" not in metrics
    other = [line for line in metrics.splitlines()
             if line.startswith("http_requests_total{") and 'method="other"' in line]
    assert other and sum(float(line.rsplit(" ", 1)[1]) for line in other) == 5
