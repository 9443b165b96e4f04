"""The market clock (scheduler/scheduler.h) with the replay market, as a user runs it: `serve` ingests,
predicts and broadcasts on its own at each bar close; every bar, regime and prediction reaches the
websocket clients in order; a SIGKILL mid-session and a restart leave every bar in raw/bronze/silver
exactly once; the offline demo starts by itself on an empty lake."""
from __future__ import annotations

import json
import re
import signal

import pandas as pd
import pytest
import requests
from websockets.sync.client import connect

from conftest import REPO, Server, duckdb_delta_connection, ws_messages

SAMPLE = REPO / "backend" / "data" / "sample" / "TCS.csv"
CHANNELS = ["bars:TCS.NS:5m", "predictions:TCS.NS:5m", "regime:TCS.NS:5m"]


def replay_env(start, speed=1200, **extra):
    env = {"SCHEDULER_ENABLED": "true", "PRIMARY_DATA_PROVIDER": "replay", "FALLBACK_DATA_PROVIDERS": "",
           "REPLAY_SOURCE": str(SAMPLE), "REPLAY_SPEED": str(speed), "REPLAY_START": start,
           "WATCHLIST": "TCS.NS:5m", "HORIZONS_MINUTES": "60", "DEMO": "off", "LOG_LEVEL": "info"}
    env.update({k.upper(): str(v) for k, v in extra.items()})
    return env


def receive(ws, count, types=("bar", "prediction", "regime", "reset"), timeout=60.0):
    return ws_messages(ws, count, set(types), timeout)


def counts_per_bar(data_dir, layer):
    table = {"raw": "raw/bars", "bronze": "bronze/bars", "silver": "silver/features"}[layer]
    rows = duckdb_delta_connection().execute(
        f"SELECT epoch_us(ts), count(*) FROM delta_scan('{(data_dir / table).as_uri()}') "
        "WHERE symbol = 'TCS.NS' AND timeframe = '5m' GROUP BY ts").fetchall()
    counts = pd.DataFrame(rows, columns=["ts", "n"])
    counts["ts"] = pd.to_datetime(counts.ts, unit="us", utc=True)
    return counts


def test_a_replayed_session_streams_every_bar_regime_and_prediction_in_order(rc_binary, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    srv = Server(rc_binary, data, replay_env("2021-06-21T04:00:00Z"))
    try:
        with connect(f"ws://127.0.0.1:{srv.port}/ws") as ws:
            ws.send(json.dumps({"op": "subscribe", "channels": CHANNELS}))
            messages = receive(ws, 90)
        jobs = requests.get(srv.url("/api/scheduler/jobs"), timeout=5).json()
        providers = requests.get(srv.url("/api/data/providers"), timeout=5).json()["providers"]
        health = requests.get(srv.url("/health"), timeout=5).json()
    finally:
        srv.stop()
    by_channel = {c: [m for m in messages if m["channel"] == c] for c in CHANNELS}
    for channel, items in by_channel.items():
        seqs = [m["seq"] for m in items]
        assert seqs == list(range(seqs[0], seqs[0] + len(seqs))), (channel, seqs)
    bars = [m["data"] for m in by_channel["bars:TCS.NS:5m"] if not m["data"].get("forming")]
    assert len(bars) >= 10
    ts = [b["ts"] for b in bars]
    assert ts == sorted(ts) and len(set(ts)) == len(ts)
    # After the backfill (its newest bars are published once, then predicted from), each bar close's
    # predictions come from the newest bar published before them. (A cycle that fell behind on a busy
    # machine stores several bars and predicts from the newest: bars may go unpredicted, never stale.)
    predicted_from = {m["data"]["data_last_ts"] for m in by_channel["predictions:TCS.NS:5m"]}
    newest_bar = None
    for m in messages:
        if m["type"] == "bar" and not m["data"].get("forming"):
            newest_bar = m["data"]["ts"]
        elif m["type"] == "prediction" and newest_bar is not None:  # none before the first bar seen
            assert m["data"]["data_last_ts"] == newest_bar, (m["data"]["data_last_ts"], newest_bar)
    live = [b["ts"] for b in bars if b["session"] == "regular" and b["ts"] >= min(predicted_from)]
    assert len(live) >= 5 and len(predicted_from) >= 5, (live, predicted_from)
    assert by_channel["regime:TCS.NS:5m"], "regime messages"
    # The operator's view: jobs, providers, freshness.
    names = {j["name"]: j for j in jobs["jobs"]}
    assert jobs["clock"] == "replay"
    assert names["bars:TCS.NS:5m"]["runs"] >= 10 and names["bars:TCS.NS:5m"]["failures"] == 0
    assert {"retrain:TCS.NS:5m", "drift-check"} <= set(names)
    assert providers[0]["name"] == "replay" and providers[0]["circuit"] == "closed"
    assert "TCS.NS:5m" in providers[0]["serving"]
    assert health["series"]["TCS.NS:5m"]["state"] in ("fresh", "stale")
    log = srv.log()
    assert "scheduler job bars:TCS.NS:5m active" in log and "websocket hub active" in log


def test_a_killed_server_backfills_on_restart_with_every_bar_once(rc_binary, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    srv = Server(rc_binary, data, replay_env("2021-06-21T04:00:00Z"))
    with connect(f"ws://127.0.0.1:{srv.port}/ws") as ws:
        ws.send(json.dumps({"op": "subscribe", "channels": ["bars:TCS.NS:5m"]}))
        seen = receive(ws, 15, types=("bar",))
    reached = requests.get(srv.url("/api/scheduler/jobs"), timeout=5).json()["now"]
    srv.proc.send_signal(signal.SIGKILL)
    srv.proc.wait(timeout=10)
    # Restart later in the replay: the gap since the last stored bar is backfilled.
    restart_at = (pd.Timestamp(reached) + pd.Timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    srv2 = Server(rc_binary, data, replay_env(restart_at))
    try:
        with connect(f"ws://127.0.0.1:{srv2.port}/ws") as ws:
            last_seq = seen[-1]["seq"]
            ws.send(json.dumps({"op": "subscribe", "channels": ["bars:TCS.NS:5m"],
                                "since": {"bars:TCS.NS:5m": last_seq}}))
            first = receive(ws, 1, types=("bar", "reset"))[0]
            # A new process numbers from 1 again: a client ahead of it is told to re-fetch.
            assert first["type"] == "reset" or first["seq"] == last_seq + 1
            receive(ws, 5, types=("bar",))
    finally:
        srv2.stop()
    for layer in ("raw", "bronze", "silver"):
        counts = counts_per_bar(data, layer)
        assert len(counts) > 100 and (counts.n == 1).all(), (layer, counts[counts.n > 1].head())
    bronze = counts_per_bar(data, "bronze").ts.sort_values()
    restart = pd.Timestamp(restart_at)
    assert (bronze > pd.Timestamp(reached)).any() and (bronze < restart).any()


def test_the_offline_demo_starts_by_itself_on_an_empty_lake(rc_binary, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    env = {"SCHEDULER_ENABLED": "true", "DEMO": "auto", "REPLAY_SPEED": "1200", "HORIZONS_MINUTES": "60",
           "YAHOO_BASE_URL": "http://127.0.0.1:9", "FALLBACK_DATA_PROVIDERS": "", "PROVIDER_MAX_RETRIES": "0",
           "PROVIDER_TIMEOUT_SECONDS": "2"}
    srv = Server(rc_binary, data, env)
    try:
        health = requests.get(srv.url("/health"), timeout=5).json()
        assert health["demo"].startswith("demo: replay of sample data")
        with connect(f"ws://127.0.0.1:{srv.port}/ws") as ws:
            ws.send(json.dumps({"op": "subscribe", "channels": ["bars:TCS.NS:5m"]}))
            assert receive(ws, 3, types=("bar",))
        r = requests.post(srv.url("/api/prediction/trigger"),
                          json={"symbol": "TCS.NS", "timeframe": "5m", "horizon_minutes": 60}, timeout=30)
        assert r.status_code == 200, r.text
        # REST answers as of replay time, like the streams: the replayed data is fresh, not years old.
        prediction = r.json()
        assert prediction["stale"] is False and prediction["data_age_seconds"] < 3600, prediction
        assert prediction["regime"] != "unknown", prediction
        regime = requests.get(srv.url("/api/regime"), params={"symbol": "TCS.NS", "timeframe": "5m"},
                              timeout=5).json()
        assert regime["current"].get("reason") != "stale", regime["current"]
        log = srv.log()
        assert "demo: replay of sample data" in log
        # The banner and the replay clock name one start: the open of the first replayed day, not its
        # pre-open 09:05 bar (the clock moves a start in closed hours to the next open).
        banner = re.search(r"demo: replay of sample data: TCS\.NS 5m from (\S+) at", log)
        clock = re.search(r"replay: \S+ from (\S+) at", log)
        assert banner and clock, log[-3000:]
        assert banner.group(1) == clock.group(1) == "2021-06-14T03:45:00Z"
    finally:
        srv.stop()
    # The sample lives in its own lake: the user's DATA_DIR has no market data of its own.
    assert not (data / "raw").exists()
    assert (data / "demo" / "raw").exists()
