"""WebSocket /ws: subscriptions, validation, heartbeats, broadcast of predictions, limits, shutdown."""
from __future__ import annotations

import json
import os
import re
import signal
import socket
import time

import pytest
import requests
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from conftest import run_cli


def ws_url(server):
    return f"ws://127.0.0.1:{server.port}/ws"


def recv_type(ws, wanted, timeout=5.0):
    """Next message of type `wanted` (skipping heartbeats and others), as a dict."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        msg = json.loads(ws.recv(timeout=max(0.05, deadline - time.time())))
        if msg["type"] == wanted:
            return msg
    raise AssertionError(f"no {wanted} message within {timeout}s")


def test_subscribe_canonicalises_channels(server):
    with connect(ws_url(server)) as ws:
        ws.send(json.dumps({"op": "subscribe", "channels": ["regime:tcs.ns:5m", "predictions:TCS.NS:5m"]}))
        msg = recv_type(ws, "subscribed")
        assert msg["channels"] == ["regime:TCS.NS:5m", "predictions:TCS.NS:5m"]
        assert msg["heartbeat_seconds"] == 20  # WS_HEARTBEAT_INTERVAL's default
        ws.send(json.dumps({"op": "ping"}))
        assert recv_type(ws, "pong")["ts"].endswith("Z")
        ws.send(json.dumps({"op": "unsubscribe", "channels": ["regime:TCS.NS:5m"]}))
        assert recv_type(ws, "unsubscribed")["channels"] == ["regime:TCS.NS:5m"]


@pytest.mark.parametrize("message,code,field", [
    ("not json", "malformed_request", "message"),
    (json.dumps([1, 2]), "malformed_request", "message"),
    (json.dumps({"op": "dance"}), "invalid_argument", "op"),
    (json.dumps({"op": "subscribe"}), "invalid_argument", "channels"),
    (json.dumps({"op": "subscribe", "channels": ["weather:TCS.NS:5m"]}), "invalid_argument", "channels[0]"),
    (json.dumps({"op": "subscribe", "channels": ["regime:TCS.NS:5m", "regime:../x:5m"]}), "invalid_argument", "channels[1]"),
    (json.dumps({"op": "subscribe", "channels": ["regime:TCS.NS:7m"]}), "invalid_argument", "channels[0]"),
    (json.dumps({"op": "subscribe", "channels": [42]}), "invalid_argument", "channels[0]"),
])
def test_invalid_messages_get_errors_and_the_connection_survives(server, message, code, field):
    with connect(ws_url(server)) as ws:
        ws.send(message)
        err = recv_type(ws, "error")["error"]
        assert err["code"] == code and err["field"] == field, err
        ws.send(json.dumps({"op": "ping"}))
        recv_type(ws, "pong")


def test_binary_messages_are_refused(server):
    with connect(ws_url(server)) as ws:
        ws.send(b"\x00\x01")
        assert recv_type(ws, "error")["error"]["code"] == "unsupported"


def test_heartbeats_follow_the_setting(server_factory):
    srv = server_factory(extra_env={"WS_HEARTBEAT_INTERVAL": "1"})
    with connect(ws_url(srv)) as ws:
        # The subscribe reply says the interval, so a client's watchdog follows the server.
        ws.send(json.dumps({"op": "subscribe", "channels": ["regime:TCS.NS:5m"]}))
        assert recv_type(ws, "subscribed")["heartbeat_seconds"] == 1
        ws.send(json.dumps({"op": "unsubscribe", "channels": ["regime:TCS.NS:5m"]}))
        assert "heartbeat_seconds" not in recv_type(ws, "unsubscribed")
        start = time.time()
        recv_type(ws, "heartbeat", timeout=3)
        recv_type(ws, "heartbeat", timeout=3)
        assert time.time() - start < 3.5


def test_connections_are_counted_and_plain_get_is_refused(server):
    with connect(ws_url(server)):
        metrics = requests.get(server.url("/metrics"), timeout=5).text
        assert re.search(r"^websocket_connections_active 1$", metrics, re.M)
    metrics = requests.get(server.url("/metrics"), timeout=5).text
    assert re.search(r"^websocket_connections_total [1-9]", metrics, re.M)
    assert requests.get(server.url("/ws"), timeout=5).status_code == 400
    health = requests.get(server.url("/health"), timeout=5).json()
    assert health["subsystems"]["websocket"]["status"] == "ok"


def test_inbound_rate_limit_then_disconnect(server_factory):
    srv = server_factory(extra_env={"WS_RATE_LIMIT_PER_SECOND": "2"})
    with connect(ws_url(srv)) as ws:
        for _ in range(5):
            ws.send(json.dumps({"op": "ping"}))
        assert recv_type(ws, "error")["error"]["code"] == "rate_limited"
        with pytest.raises(ConnectionClosed) as closed:
            for _ in range(200):
                ws.send(json.dumps({"op": "ping"}))
                time.sleep(0.001)
            while True:
                ws.recv(timeout=5)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008


def test_connection_limit_answers_503(server_factory):
    srv = server_factory(extra_env={"WS_MAX_CONNECTIONS": "1"})
    with connect(ws_url(srv)):
        with pytest.raises(InvalidStatus) as refused:
            connect(ws_url(srv), open_timeout=5)
        assert refused.value.response.status_code == 503
    # The slot is free again once the first client left.
    time.sleep(0.2)
    with connect(ws_url(srv)) as ws:
        ws.send(json.dumps({"op": "ping"}))
        recv_type(ws, "pong")


def test_predictions_are_broadcast_to_subscribers(server_factory, rc_binary, tmp_path):
    data = tmp_path / "data"
    env = {"DATA_DIR": str(data)}
    run_cli(rc_binary, "sim", "--symbol", "TCS.NS", "--timeframe", "5m", "--days", "30", "--seed", "8",
            "--end", "2024-06-01T00:00:00Z", env=env)
    run_cli(rc_binary, "pipeline", env=env)
    srv = server_factory(data_dir=data)
    with connect(ws_url(srv)) as subscriber, connect(ws_url(srv)) as other:
        subscriber.send(json.dumps({"op": "subscribe", "channels": ["predictions:TCS.NS:5m", "regime:TCS.NS:5m"]}))
        recv_type(subscriber, "subscribed")
        other.send(json.dumps({"op": "subscribe", "channels": ["predictions:INFY.NS:5m"]}))
        recv_type(other, "subscribed")
        r = requests.post(srv.url("/api/prediction/trigger"),
                          json={"symbol": "TCS.NS", "timeframe": "5m", "horizon_minutes": 180}, timeout=30)
        assert r.status_code == 200
        pushed = recv_type(subscriber, "prediction")
        assert pushed["channel"] == "predictions:TCS.NS:5m"
        assert pushed["data"]["expected_price"] == r.json()["expected_price"]
        regime = recv_type(subscriber, "regime")
        assert regime["data"]["state"] == r.json()["regime"]
        with pytest.raises(TimeoutError):
            recv_type(other, "prediction", timeout=0.5)  # other series: nothing


def test_shutdown_closes_websockets_with_going_away(server):
    with connect(ws_url(server)) as ws:
        ws.send(json.dumps({"op": "ping"}))
        recv_type(ws, "pong")
        server.proc.send_signal(signal.SIGTERM)
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                ws.recv(timeout=10)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1001
    assert server.proc.wait(timeout=20) == 0


def _open_fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def _never_reading_client(port, frames):
    """A raw websocket client with a 4 KiB receive window that upgrades, sends `frames` (text, masked) and then
    reads nothing: the server's answers pile up in the kernel and then in its bounded send queue."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", port))
    sock.sendall(b"GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                 b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
    response = b""
    while b"\r\n\r\n" not in response:
        chunk = sock.recv(1024)
        assert chunk, "the server closed the upgrade"
        response += chunk
    assert response.startswith(b"HTTP/1.1 101"), response[:80]
    mask = b"\x01\x02\x03\x04"
    out = bytearray()
    for payload in frames:
        out += bytes([0x81, 0x80 | len(payload)]) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    sock.sendall(out)
    return sock


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="counts descriptors in /proc")
def test_an_evicted_client_that_never_reads_gives_its_descriptor_back_at_once(server_factory):
    srv = server_factory(extra_env={"WS_SEND_QUEUE_LIMIT": "4", "WS_RATE_LIMIT_PER_SECOND": "10000"})
    with connect(ws_url(srv)) as reader:
        reader.send(json.dumps({"op": "ping"}))
        recv_type(reader, "pong")
        baseline = _open_fds(srv.proc.pid)
        # 4,000 pings: ~250 KB of pongs, far more than the kernel buffers (32 KiB send, 4 KiB receive) and the
        # queue of 4 hold, so the server evicts the client while its last write is still stuck.
        stalled = _never_reading_client(srv.port, [b'{"op":"ping"}'] * 4000)
        try:
            deadline = time.time() + 20
            while "websocket client too slow" not in srv.log() and time.time() < deadline:
                time.sleep(0.05)
            assert "websocket client too slow" in srv.log(), "the never-reading client was not evicted"
            evicted_at = time.time()
            # The close frame cannot reach a client that does not read: the socket is closed after the close
            # grace (1 s), not after the 60 s idle timeout.
            while _open_fds(srv.proc.pid) > baseline and time.time() - evicted_at < 10:
                time.sleep(0.05)
            assert _open_fds(srv.proc.pid) <= baseline, "the evicted client's descriptor is still open"
            assert time.time() - evicted_at < 5
            connections = re.search(r"^websocket_connections_active (\S+)$",
                                    requests.get(srv.url("/metrics"), timeout=5).text, re.M)
            assert float(connections.group(1)) == 1  # the reader only
        finally:
            stalled.close()
        # The reader was not disturbed: it is still served.
        reader.send(json.dumps({"op": "ping"}))
        recv_type(reader, "pong")
