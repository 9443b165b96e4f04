"""A provider outage during a live session, replayed: `serve` runs its market clock on replay time
(MARKET_CLOCK=replay) against local servers that answer as Yahoo's chart API and Twelve Data's
time_series do (tests/data/replay_server.py), both serving the shipped TCS sample as a market that
moves with the requested time. The primary goes down and the chain fails over to Twelve Data with no
bar lost; then both go down and the feed gap shows as the runbook's Data Feed Gap playbook says
(`market_regime_state` on `unknown`, `cache_misses_total{cache="bars"}` rising); then both come back
and the scheduler backfills the gap: every bar once in raw/bronze/silver and the regime known again."""
from __future__ import annotations

import json
import time

import pandas as pd
import pytest
import requests
from websockets.sync.client import connect

from conftest import REPO, Server, duckdb_delta_connection
from data.replay_server import FIXTURES, Reply, ReplayServer

SAMPLE = REPO / "backend" / "data" / "sample" / "TCS.csv"
SERIES = "TCS.NS:5m"
CHANNELS = [f"bars:{SERIES}", f"regime:{SERIES}"]
START = "2021-06-22T03:50:00Z"  # 09:20 IST: a whole session ahead at the test's pace


class Market:
    """The sample's bars as both providers would serve them, with an on/off switch per provider."""

    def __init__(self):
        frame = pd.read_csv(SAMPLE)
        local = pd.to_datetime(frame["datetime"]).dt.tz_localize("Asia/Kolkata")
        self.bars = frame.assign(ts=local.dt.tz_convert("UTC"))[["ts", "open", "high", "low", "close", "volume"]]
        self.epoch = self.bars.ts.map(lambda t: int(t.timestamp())).to_numpy()
        self.up = {"yahoo": True, "twelvedata": True}
        self.yahoo_meta = json.loads((FIXTURES / "yahoo" / "tcs_ns_5m.json").read_text())["chart"]["result"][0]["meta"]

    def between(self, first_s: int, end_s: int):
        return self.bars[(self.epoch >= first_s) & (self.epoch < end_s)]

    def yahoo(self, path, query):
        if not self.up["yahoo"]:
            return Reply(503, (FIXTURES / "yahoo" / "will_be_right_back.html").read_bytes(), content_type="text/html")
        rows = self.between(int(query["period1"]), int(query["period2"]))
        quote = {k: rows[k].tolist() for k in ("open", "high", "low", "close", "volume")}
        result = {"meta": self.yahoo_meta, "timestamp": [int(t.timestamp()) for t in rows.ts],
                  "indicators": {"quote": [quote]}}
        return Reply(200, json.dumps({"chart": {"result": [result], "error": None}}).encode())

    def twelvedata(self, path, query):
        if not self.up["twelvedata"]:
            return Reply(503, b'{"code":503,"message":"service unavailable","status":"error"}')
        start = int(pd.Timestamp(query["start_date"], tz="UTC").timestamp())
        end = int(pd.Timestamp(query["end_date"], tz="UTC").timestamp())  # inclusive
        rows = self.between(start, end + 1).iloc[::-1]  # order=desc
        if rows.empty:
            return Reply(200, (FIXTURES / "twelvedata" / "error_400_no_data.json").read_bytes())
        values = [{"datetime": r.ts.strftime("%Y-%m-%d %H:%M:%S"), "open": f"{r.open:.5f}", "high": f"{r.high:.5f}",
                   "low": f"{r.low:.5f}", "close": f"{r.close:.5f}", "volume": str(int(r.volume))}
                  for r in rows.itertuples()]
        meta = {"symbol": "TCS", "interval": "5min", "currency": "INR", "exchange_timezone": "Asia/Kolkata",
                "exchange": "NSE", "mic_code": "XNSE", "type": "Common Stock"}
        return Reply(200, json.dumps({"meta": meta, "values": values, "status": "ok"}).encode())


@pytest.fixture
def market():
    market, server = Market(), ReplayServer()
    server.respond(ReplayServer.YAHOO, market.yahoo)
    server.respond(ReplayServer.TWELVEDATA, market.twelvedata)
    market.server = server
    yield market
    server.close()


def metric(base, name, **labels):
    """The value of one sample of /metrics, or None."""
    wanted = {f'{k}="{v}"' for k, v in labels.items()}
    for line in requests.get(base + "/metrics", timeout=5).text.splitlines():
        if line.startswith(name + "{") and wanted <= set(line[line.index("{") + 1:line.index("}")].split(",")):
            return float(line.rsplit(" ", 1)[1])
    return None


def until(ws, predicate, timeout, what):
    """Messages up to and including the first one `predicate` accepts."""
    seen, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            message = json.loads(ws.recv(timeout=max(0.1, deadline - time.monotonic())))
        except TimeoutError:
            break
        if message.get("type") in ("bar", "regime"):
            seen.append(message)
            if predicate(message):
                return seen
    raise AssertionError(f"no {what} within {timeout}s; last messages: {seen[-5:]}")


def closed_bar(message):
    return message["type"] == "bar" and not message["data"].get("forming")


def serving(base):
    providers = requests.get(base + "/api/data/providers", timeout=5).json()["providers"]
    return {p["name"]: p for p in providers}


def stored(data_dir, layer):
    table = {"raw": "raw/bars", "bronze": "bronze/bars", "silver": "silver/features"}[layer]
    con = duckdb_delta_connection()
    extra = {"raw": "provider", "bronze": "session", "silver": "NULL"}[layer]
    rows = con.execute(f"SELECT epoch_us(ts), {extra} FROM delta_scan('{(data_dir / table).as_uri()}') "
                       "WHERE symbol = 'TCS.NS' AND timeframe = '5m'").fetchall()
    return pd.DataFrame(rows, columns=["ts", "extra"]).assign(ts=lambda f: pd.to_datetime(f.ts, unit="us", utc=True))


def test_failover_gap_and_recovery_during_a_live_session(rc_binary, tmp_path, market):
    data = tmp_path / "data"
    data.mkdir()
    env = {"SCHEDULER_ENABLED": "true", "MARKET_CLOCK": "replay", "REPLAY_START": START, "REPLAY_SPEED": "600",
           "PRIMARY_DATA_PROVIDER": "yahoo", "FALLBACK_DATA_PROVIDERS": "twelvedata",
           "YAHOO_BASE_URL": market.server.base, "TWELVEDATA_BASE_URL": market.server.base,
           "TWELVEDATA_API_KEY": "td-test-key", "PROVIDER_MAX_RETRIES": "0", "PROVIDER_TIMEOUT_SECONDS": "2",
           "PROVIDER_CIRCUIT_COOLDOWN_SECONDS": "2", "WATCHLIST": SERIES, "HORIZONS_MINUTES": "60",
           "BACKFILL_DAYS": "7", "DEMO": "off"}
    srv = Server(rc_binary, data, env)
    try:
        with connect(f"ws://127.0.0.1:{srv.port}/ws") as ws:
            ws.send(json.dumps({"op": "subscribe", "channels": CHANNELS}))
            # 1. A healthy session on the primary.
            live = [m for m in until(ws, lambda m: closed_bar(m) and m["seq"] > 40, 60, "backfill and live bars")]
            assert SERIES in serving(srv.base)["yahoo"]["serving"]

            # 2. The primary goes down: Twelve Data serves the next bars, none is lost.
            market.up["yahoo"] = False
            before = max(m["data"]["ts"] for m in live if closed_bar(m))
            failover = until(ws, lambda m: closed_bar(m) and m["data"]["ts"] > before and
                             SERIES in serving(srv.base)["twelvedata"]["serving"], 30, "a bar served by twelvedata")
            for _ in range(4):
                failover += until(ws, closed_bar, 10, "more bars from the fallback")
            providers = serving(srv.base)
            assert providers["yahoo"]["circuit"] in ("open", "half_open"), providers["yahoo"]
            assert providers["yahoo"]["last_error"], providers["yahoo"]

            # 3. Both down: a feed gap. The regime reads unknown and the bars cache misses climb.
            misses_before = metric(srv.base, "cache_misses_total", cache="bars") or 0.0
            market.up["twelvedata"] = False
            gap = until(ws, lambda m: m["type"] == "regime" and m["data"]["state"] == "unknown", 20,
                        "the unknown regime of a feed gap")
            assert gap[-1]["data"].get("reason") == "stale", gap[-1]
            assert metric(srv.base, "market_regime_state", symbol="TCS.NS", timeframe="5m", state="unknown") == 1.0
            current = requests.get(srv.url("/api/regime"), params={"symbol": "TCS.NS", "timeframe": "5m"},
                                   timeout=5).json()["current"]
            assert current["state"] == "unknown", current
            time.sleep(1.5)  # a few more bar closes without bars
            assert (metric(srv.base, "cache_misses_total", cache="bars") or 0.0) > misses_before
            gap_started = max(m["data"]["ts"] for m in live + failover if closed_bar(m))

            # 4. Both back: the gap is backfilled and the regime is known again.
            market.up["yahoo"] = market.up["twelvedata"] = True
            recovery = until(ws, lambda m: m["type"] == "regime" and m["data"]["state"] != "unknown", 30,
                             "a known regime after the outage")
            recovery += until(ws, closed_bar, 10, "bars after the outage")
        jobs = {j["name"]: j for j in requests.get(srv.url("/api/scheduler/jobs"), timeout=5).json()["jobs"]}
    finally:
        srv.stop()
    assert jobs[f"bars:{SERIES}"]["runs"] > 20

    raw, bronze = stored(data, "raw"), stored(data, "bronze")
    assert {"yahoo", "twelvedata"} <= set(raw.extra), raw.extra.value_counts()
    first, last = raw.ts.min(), raw.ts.max()
    assert last > pd.Timestamp(gap_started), "bars after the gap"
    # Every bar the market had from the first stored one on, the gap included, once in each layer
    # (silver holds the regular session's bars).
    expected = set(market.bars.ts[(market.bars.ts >= first) & (market.bars.ts <= last)])
    regular = set(bronze.ts[bronze.extra == "regular"])
    assert len(regular) > 300
    for layer, want in (("raw", expected), ("bronze", expected), ("silver", regular)):
        ts = stored(data, layer).ts
        assert ts.is_unique, (layer, ts[ts.duplicated()].head())
        assert set(ts) == want, (layer, sorted(want - set(ts))[:5], sorted(set(ts) - want)[:5])
