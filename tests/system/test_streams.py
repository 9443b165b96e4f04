"""WebSocket streams as conversations: many clients, many messages, several channels. Every client gets
every message of its channels, in order, exactly once, numbered 1, 2, 3 ... per channel; a client that
reconnects with the last numbers it saw gets what it missed, or a reset when it is too far behind."""
from __future__ import annotations

import contextlib
import json
import threading

import pytest
import requests
from websockets.sync.client import connect

from conftest import run_cli, ws_messages

SERIES = ("TCS.NS", "INFY.NS")


@pytest.fixture(scope="module")
def two_series(rc_binary, tmp_path_factory):
    data = tmp_path_factory.mktemp("streams") / "data"
    env = {"DATA_DIR": str(data)}
    for seed, symbol in enumerate(SERIES, start=21):
        run_cli(rc_binary, "sim", "--symbol", symbol, "--timeframe", "5m", "--days", "20", "--seed", str(seed),
                "--end", "2024-06-01T00:00:00Z", env=env)
    run_cli(rc_binary, "pipeline", env=env)
    return data


def ws_url(server):
    return f"ws://127.0.0.1:{server.port}/ws"


def trigger(server, symbol, horizon=60):
    r = requests.post(server.url("/api/prediction/trigger"),
                      json={"symbol": symbol, "timeframe": "5m", "horizon_minutes": horizon}, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def collect(ws, wanted_types, count, timeout=20.0):
    return ws_messages(ws, count, wanted_types, timeout)


def subscribe(ws, channels, since=None):
    body = {"op": "subscribe", "channels": channels}
    if since is not None:
        body["since"] = since
    ws.send(json.dumps(body))
    reply = collect(ws, {"subscribed"}, 1)[0]
    assert reply["channels"] == channels
    return reply


def test_every_client_gets_every_message_of_its_channels_in_order_exactly_once(server_factory, two_series):
    srv = server_factory(data_dir=two_series)
    with contextlib.ExitStack() as stack:
        # 24 clients: a third on TCS, a third on INFY, a third on both.
        clients, plans = [], []
        for idx in range(24):
            symbols = [SERIES[0]] if idx % 3 == 0 else [SERIES[1]] if idx % 3 == 1 else list(SERIES)
            ws = stack.enter_context(connect(ws_url(srv)))
            subscribe(ws, [f"predictions:{s}:5m" for s in symbols])
            clients.append(ws)
            plans.append(symbols)
        rounds = 15
        served = {s: [] for s in SERIES}
        for _ in range(rounds):
            for symbol in SERIES:
                served[symbol].append(trigger(srv, symbol)["expected_price"])
        for ws, symbols in zip(clients, plans):
            messages = collect(ws, {"prediction"}, rounds * len(symbols))
            for symbol in symbols:
                mine = [m for m in messages if m["channel"] == f"predictions:{symbol}:5m"]
                assert [m["seq"] for m in mine] == list(range(1, rounds + 1)), [m["seq"] for m in mine]
                assert [m["data"]["expected_price"] for m in mine] == served[symbol]
                assert all(m["data"]["symbol"] == symbol for m in mine)
            # Nothing more (no duplicate, no message of another series) arrives.
            with pytest.raises(TimeoutError):
                collect(ws, {"prediction"}, 1, timeout=0.3)


def test_concurrent_publishers_keep_each_channel_in_order_for_every_client(server_factory, two_series):
    srv = server_factory(data_dir=two_series)
    with contextlib.ExitStack() as stack:
        clients = [stack.enter_context(connect(ws_url(srv))) for _ in range(8)]
        for ws in clients:
            subscribe(ws, ["predictions:TCS.NS:5m"])
        per_thread, threads = 20, []
        for _ in range(4):
            t = threading.Thread(target=lambda: [trigger(srv, "TCS.NS") for _ in range(per_thread)])
            t.start()
            threads.append(t)
        for t in threads:
            t.join()
        for ws in clients:
            seqs = [m["seq"] for m in collect(ws, {"prediction"}, 4 * per_thread)]
            assert seqs == list(range(1, 4 * per_thread + 1))


def test_a_reconnecting_client_resumes_where_it_left_off(server_factory, two_series):
    srv = server_factory(data_dir=two_series)
    channel = "predictions:TCS.NS:5m"
    with connect(ws_url(srv)) as ws:
        subscribe(ws, [channel])
        for _ in range(3):
            trigger(srv, "TCS.NS")
        seen = collect(ws, {"prediction"}, 3)
        assert [m["seq"] for m in seen] == [1, 2, 3]
    # Offline while four more are served.
    missed = [trigger(srv, "TCS.NS")["expected_price"] for _ in range(4)]
    with connect(ws_url(srv)) as ws:
        subscribe(ws, [channel], since={channel: 3})
        caught_up = collect(ws, {"prediction"}, 4)
        assert [m["seq"] for m in caught_up] == [4, 5, 6, 7]
        assert [m["data"]["expected_price"] for m in caught_up] == missed
        trigger(srv, "TCS.NS")
        assert collect(ws, {"prediction"}, 1)[0]["seq"] == 8  # then live, without a gap or a repeat
        with pytest.raises(TimeoutError):
            collect(ws, {"prediction", "reset"}, 1, timeout=0.3)


def test_a_client_too_far_behind_is_told_to_reset(server_factory, two_series):
    srv = server_factory(data_dir=two_series)
    channel = "predictions:INFY.NS:5m"
    for _ in range(300):  # more than the replay buffer (256 per channel)
        trigger(srv, "INFY.NS", horizon=15)
    with connect(ws_url(srv)) as ws:
        subscribe(ws, [channel], since={channel: 5})
        reset = collect(ws, {"reset", "prediction"}, 1)[0]
        assert reset == {"type": "reset", "channel": channel, "seq": 300}
        trigger(srv, "INFY.NS", horizon=15)
        assert collect(ws, {"prediction"}, 1)[0]["seq"] == 301


@pytest.mark.parametrize("since,field", [
    ({"predictions:TCS.NS:5m": -1}, "since.predictions:TCS.NS:5m"),
    ({"predictions:TCS.NS:5m": "3"}, "since.predictions:TCS.NS:5m"),
    ({"weather:TCS.NS:5m": 3}, "since.weather:TCS.NS:5m"),
    ([3], "since"),
])
def test_invalid_resume_points_are_refused_naming_the_field(server, since, field):
    with connect(ws_url(server)) as ws:
        ws.send(json.dumps({"op": "subscribe", "channels": ["predictions:TCS.NS:5m"], "since": since}))
        err = collect(ws, {"error"}, 1)[0]["error"]
        assert err["code"] == "invalid_argument" and err["field"] == field, err
        ws.send(json.dumps({"op": "ping"}))
        collect(ws, {"pong"}, 1)
