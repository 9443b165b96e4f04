"""Issue 13, safe defaults and output polish, against the running binary:
a generated API token on non-loopback binds, the CORS allow-list, request ids in
logs/headers/errors, plain shortest numbers in JSON and in /metrics."""
from __future__ import annotations

import json
import re
import stat
import subprocess
from decimal import Decimal

import pytest
import requests

from conftest import assert_plain_json_numbers, run_cli

CLEAR = "/api/models/clear"


def clear(server, headers=None):
    return requests.post(server.url(CLEAR), json={"dry_run": True}, headers=headers, timeout=10)


def test_non_loopback_bind_generates_a_token_and_requires_it(server_factory, tmp_path):
    data = tmp_path / "wide"
    srv = server_factory(data_dir=data, host="0.0.0.0")
    token_file = data / ".api_token"
    assert token_file.is_file()
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    token = token_file.read_text().strip()
    assert re.fullmatch(r"[0-9a-f]{64}", token)
    log = srv.log()
    assert str(token_file) in log and "cat " in log   # how to read it is logged ...
    assert token not in log                            # ... the token never is

    r = clear(srv)
    assert r.status_code == 401 and r.json()["error"]["field"] == "authorization"
    assert clear(srv, {"Authorization": "Bearer " + "0" * 64}).status_code == 403
    assert clear(srv, {"Authorization": f"Bearer {token}"}).status_code == 200
    assert requests.get(srv.url("/health"), timeout=5).status_code == 200   # reads stay open
    srv.stop()

    # A restart reuses the token; an explicit API_TOKEN wins over the file.
    again = server_factory(data_dir=data, host="0.0.0.0")
    assert clear(again, {"Authorization": f"Bearer {token}"}).status_code == 200
    again.stop()
    chosen = server_factory(data_dir=data, host="0.0.0.0", extra_env={"API_TOKEN": "operator-chosen"})
    assert clear(chosen, {"Authorization": f"Bearer {token}"}).status_code == 403
    assert clear(chosen, {"Authorization": "Bearer operator-chosen"}).status_code == 200


def test_loopback_bind_keeps_mutating_endpoints_open_and_writes_no_token(server):
    assert clear(server).status_code == 200
    assert not (server.data_dir / ".api_token").exists()


def test_request_id_in_header_error_envelope_and_every_log_line(server):
    r = requests.get(server.url("/api/experiments/nope"), headers={"X-Request-Id": "trace-abc.1"}, timeout=5)
    assert r.status_code == 404
    assert r.headers["X-Request-Id"] == "trace-abc.1"
    assert r.json()["error"]["request_id"] == "trace-abc.1"
    # A forged id (log injection) is replaced by a generated one.
    forged = requests.get(server.url("/health"), headers={"X-Request-Id": "x] fake line"}, timeout=5)
    generated = forged.headers["X-Request-Id"]
    assert re.fullmatch(r"[0-9a-f]{32}", generated)
    # Validation errors (422) carry it too, and the access log line names it.
    bad = requests.post(server.url("/api/prediction/trigger"), json={"symbol": "TCS.NS", "timeframe": "7m"},
                        headers={"X-Request-Id": "trace-422"}, timeout=5)
    assert bad.status_code == 422 and bad.json()["error"]["request_id"] == "trace-422"
    log = server.log()
    assert re.search(r"\[req trace-abc\.1\] GET /api/experiments/nope 404", log), log
    assert re.search(rf"\[req {generated}\] GET /health 200", log), log
    assert re.search(r"\[req trace-422\] POST /api/prediction/trigger 422", log), log


def test_cors_allow_list(server_factory):
    srv = server_factory(extra_env={"CORS_ALLOWED_ORIGINS": "https://dash.example.com,http://localhost:3000"})
    dash = {"Origin": "https://dash.example.com"}
    pre = requests.options(srv.url(CLEAR), headers=dict(dash, **{"Access-Control-Request-Method": "POST",
                                                                  "Access-Control-Request-Headers": "authorization"}),
                           timeout=5)
    assert pre.status_code == 204
    assert pre.headers["Access-Control-Allow-Origin"] == "https://dash.example.com"
    assert "POST" in pre.headers["Access-Control-Allow-Methods"]
    assert "Authorization" in pre.headers["Access-Control-Allow-Headers"]
    assert "Origin" in pre.headers["Vary"]
    r = requests.get(srv.url("/api/models"), headers=dash, timeout=5)
    assert r.status_code == 200 and r.headers["Access-Control-Allow-Origin"] == "https://dash.example.com"
    assert clear(srv, dash).status_code == 200

    evil = {"Origin": "https://evil.example"}
    r = requests.get(srv.url("/api/models"), headers=evil, timeout=5)
    assert r.status_code == 200 and "Access-Control-Allow-Origin" not in r.headers
    r = clear(srv, evil)
    assert r.status_code == 403 and r.json()["error"]["field"] == "origin"
    pre = requests.options(srv.url(CLEAR), headers=dict(evil, **{"Access-Control-Request-Method": "POST"}), timeout=5)
    assert pre.status_code == 403 and "Access-Control-Allow-Origin" not in pre.headers


def test_invalid_cors_setting_stops_the_start(rc_binary, tmp_path):
    proc = subprocess.run([str(rc_binary), "serve", "--port", "0", "--data-dir", str(tmp_path)],
                          env={"CORS_ALLOWED_ORIGINS": "dash.example.com", "PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode != 0
    assert "CORS_ALLOWED_ORIGINS" in proc.stderr + proc.stdout


def test_json_numbers_are_plain_and_shortest(server):
    for path in ("/health", "/openapi.json", "/api/models", "/api/jobs"):
        r = requests.get(server.url(path), timeout=5)
        assert_plain_json_numbers(r.text)
    health = assert_plain_json_numbers(requests.get(server.url("/health"), timeout=5).text)
    assert health["uptime_s"] >= 0


def test_prometheus_bounds_and_values_as_official_clients_print_them(server):
    requests.get(server.url("/health"), timeout=5)
    text = requests.get(server.url("/metrics"), timeout=5).text
    bounds = re.findall(r'le="([^"]+)"', text)
    assert "0.0005" in bounds and "0.0025" in bounds and "+Inf" in bounds
    for bound in bounds:
        if bound != "+Inf":
            assert Decimal(bound) == Decimal(repr(float(bound))), bound
    for line in text.splitlines():
        if line and not line.startswith("#"):
            value = line.rsplit(" ", 1)[1]
            assert value in ("+Inf", "-Inf", "NaN") or Decimal(value) == Decimal(repr(float(value))), line


def test_cli_json_output_is_plain(rc_binary, tmp_path):
    env = {"DATA_DIR": str(tmp_path / "data")}
    run_cli(rc_binary, "sim", "--symbol", "TCS.NS", "--timeframe", "5m", "--days", "30", "--seed", "5",
            "--end", "2024-06-01T00:00:00Z", env=env)
    run_cli(rc_binary, "pipeline", env=env)
    out = run_cli(rc_binary, "regime", "--symbol", "TCS.NS", "--timeframe", "5m", "--history", "5",
                  "--format", "json", env=env).stdout
    rows = assert_plain_json_numbers(out)
    assert rows


def test_error_envelope_stays_valid_json_for_bytes_that_are_not_utf8(server):
    # Found by rc_http_request_fuzz: client bytes echoed in an error made the body invalid JSON.
    r = requests.get(server.url("/api/%91%ff"), timeout=5)
    assert r.status_code == 404
    assert "\ufffd" in r.json()["error"]["message"]
    r = requests.post(server.url(CLEAR), json={}, headers={"Origin": "https://dash.\x91example.com"}, timeout=5)
    assert r.status_code == 403 and r.json()["error"]["field"] == "origin"


def test_websocket_from_other_origins_needs_the_allow_list(server_factory):
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    srv = server_factory(extra_env={"CORS_ALLOWED_ORIGINS": "https://dash.example.com"})
    url = f"ws://127.0.0.1:{srv.port}/ws"
    with pytest.raises(InvalidStatus) as refused:
        connect(url, origin="https://evil.example", open_timeout=5)
    assert refused.value.response.status_code == 403
    for origin in (None, "https://dash.example.com", f"http://127.0.0.1:{srv.port}"):
        with connect(url, origin=origin, open_timeout=5) as ws:
            ws.send(json.dumps({"op": "ping"}))
            assert json.loads(ws.recv(timeout=5))["type"] == "pong"
