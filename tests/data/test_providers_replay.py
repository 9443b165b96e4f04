"""Black-box tests of the market-data providers against a local replay of their real formats.

The replay server (replay_server.py) answers as Yahoo's chart API v8 and Twelve Data's
time_series do (fixtures in tests/fixtures/providers/, written to docs/formats.md §3/§4), and
replays every real response in ../shared/data/providers/ when that folder exists.
`regimecast fetch` runs against it with YAHOO_BASE_URL / TWELVEDATA_BASE_URL pointing at it.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import pathlib
import time

import pytest

from conftest import SHARED_DATA, run_cli
from .replay_server import FIXTURES, Reply, ReplayServer, fixture

API_KEY = "td-test-key-7f3a9c"
DAILY_RANGE = ("--from", "2024-02-26T00:00:00Z", "--to", "2024-03-02T00:00:00Z")
DAILY_TS = [f"2024-{d}T03:45:00Z" for d in ("02-26", "02-27", "02-28", "02-29", "03-01")]


def env_for(replay: ReplayServer, tmp_path, **extra) -> dict:
    env = {
        "YAHOO_BASE_URL": replay.base,
        "TWELVEDATA_BASE_URL": replay.base,
        "TWELVEDATA_API_KEY": API_KEY,
        "PRIMARY_DATA_PROVIDER": "yahoo",
        "FALLBACK_DATA_PROVIDERS": "twelvedata",
        "PROVIDER_TIMEOUT_SECONDS": "1",
        "PROVIDER_MAX_RETRIES": "1",
        "DATA_DIR": str(tmp_path / "data"),
        "LOG_LEVEL": "debug",  # the key must stay out of even the most verbose logs
    }
    env.update(extra)
    return env


def fetch(rc_binary, replay, tmp_path, *args, check=True, **extra_env):
    proc = run_cli(rc_binary, "fetch", *args, env=env_for(replay, tmp_path, **extra_env), check=check, timeout=60)
    assert API_KEY not in proc.stdout and API_KEY not in proc.stderr, "the API key leaked into our output"
    return proc


def rows(proc) -> list[dict]:
    return list(csv.DictReader(io.StringIO(proc.stdout)))


def assert_key_only_in_header(replay: ReplayServer):
    for req in replay.requests_to(ReplayServer.TWELVEDATA):
        assert req.headers.get("Authorization") == f"apikey {API_KEY}"
        assert API_KEY not in json.dumps(req.query)
        assert "apikey" not in req.query


# ---------------------------------------------------------------- Yahoo, normal responses

def test_yahoo_daily_bars_live_row_merged(rc_binary, replay, tmp_path):
    replay.script(ReplayServer.YAHOO, default=Reply(200, fixture("yahoo/tcs_ns_1d.json")))
    proc = fetch(rc_binary, replay, tmp_path, "--symbol", "TCS.NS", "--timeframe", "1d", *DAILY_RANGE)
    got = rows(proc)
    assert [r["ts"] for r in got] == DAILY_TS
    assert {r["provider"] for r in got} == {"yahoo"}
    assert got[-1]["volume"] == "2197461"  # the appended live row wins its date
    (req,) = replay.requests_to(ReplayServer.YAHOO)
    assert req.path == "/v8/finance/chart/TCS.NS"
    assert req.query["interval"] == "1d" and req.query["includePrePost"] == "false"
    assert req.query["period1"] == "1708905600" and req.query["period2"] == "1709337600"
    assert "Mozilla/5.0" in req.headers.get("User-Agent", "")


def shift_yahoo_weeks(body: bytes, weeks: int) -> bytes:
    """The same response moved by whole weeks (weekday and time of day kept), so an intraday
    fixture falls inside Yahoo's 60-day window on any test date."""
    doc = json.loads(body)
    result = doc["chart"]["result"][0]
    result["timestamp"] = [t + weeks * 7 * 86400 for t in result["timestamp"]]
    return json.dumps(doc).encode()


def weeks_to_recent(first_ts: int) -> int:
    now = time.time()
    return int((now - first_ts) // (7 * 86400)) - 1  # lands 7-14 days ago


def test_yahoo_intraday_nulls_are_kept_in_raw(rc_binary, replay, tmp_path):
    weeks = weeks_to_recent(1709264700)
    replay.script(ReplayServer.YAHOO, default=Reply(200, shift_yahoo_weeks(fixture("yahoo/tcs_ns_5m.json"), weeks)))
    start = dt.datetime.fromtimestamp(1709264700 + weeks * 7 * 86400, dt.timezone.utc)
    end = start + dt.timedelta(hours=1)
    proc = fetch(rc_binary, replay, tmp_path, "--symbol", "TCS.NS", "--timeframe", "5m",
                 "--from", start.strftime("%Y-%m-%dT%H:%M:%SZ"), "--to", end.strftime("%Y-%m-%dT%H:%M:%SZ"))
    got = rows(proc)
    assert len(got) == 9
    null_row = got[3]
    assert null_row["open"] == null_row["high"] == null_row["low"] == null_row["close"] == null_row["volume"] == ""
    assert got[5]["volume"] == "" and got[5]["close"] == "4047.15"
    # jsonl writes nulls as JSON null
    proc = fetch(rc_binary, replay, tmp_path, "--symbol", "TCS.NS", "--timeframe", "5m", "--format", "jsonl",
                 "--from", start.strftime("%Y-%m-%dT%H:%M:%SZ"), "--to", end.strftime("%Y-%m-%dT%H:%M:%SZ"))
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert lines[3] == {"provider": "yahoo", "ts": null_row["ts"], "open": None, "high": None, "low": None,
                        "close": None, "volume": None}


def test_yahoo_no_data_is_an_empty_result(rc_binary, replay, tmp_path):
    replay.script(ReplayServer.YAHOO, default=Reply(200, fixture("yahoo/no_data.json")))
    proc = fetch(rc_binary, replay, tmp_path, "--symbol", "TCS.NS", "--timeframe", "1d", *DAILY_RANGE)
    assert rows(proc) == []
    assert "fetched 0 bars" in proc.stderr
    assert replay.requests_to(ReplayServer.TWELVEDATA) == []  # empty is not a failure


def test_yahoo_out_of_range_intraday_is_refused_and_twelvedata_serves(rc_binary, replay, tmp_path):
    replay.script(ReplayServer.TWELVEDATA, default=Reply(200, fixture("twelvedata/tcs_5min.json")))
    proc = fetch(rc_binary, replay, tmp_path, "--symbol", "TCS.NS", "--timeframe", "5m",
                 "--from", "2024-03-01T03:45:00Z", "--to", "2024-03-01T04:30:00Z")
    got = rows(proc)
    assert len(got) == 8 and {r["provider"] for r in got} == {"twelvedata"}
    assert replay.requests_to(ReplayServer.YAHOO) == []  # Yahoo's 60-day limit is known; no request wasted
    assert "60" in proc.stderr or "since" in proc.stderr


@pytest.mark.parametrize("first", [Reply(500, b'{"error":"internal"}'),
                                   Reply(429, b"Too Many Requests", {"Retry-After": "1"}, content_type="text/plain")])
def test_yahoo_transient_error_is_retried(rc_binary, replay, tmp_path, first):
    replay.script(ReplayServer.YAHOO, first, default=Reply(200, fixture("yahoo/tcs_ns_1d.json")))
    proc = fetch(rc_binary, replay, tmp_path, "--symbol", "TCS.NS", "--timeframe", "1d", *DAILY_RANGE)
    assert {r["provider"] for r in rows(proc)} == {"yahoo"}
    reqs = replay.requests_to(ReplayServer.YAHOO)
    assert len(reqs) == 2
    if first.status == 429:
        assert reqs[1].at - reqs[0].at >= 0.9, "Retry-After: 1 was not honoured"


# ---------------------------------------------------------------- failover end to end

YAHOO_FAILURES = {
    "http_500": Reply(500, b'{"chart":{"result":null,"error":{"code":"Internal Server Error","description":"x"}}}'),
    "http_429_retry_after": Reply(429, fixture("yahoo/too_many_requests.txt"), {"Retry-After": "1"},
                                  content_type="text/plain"),
    "timeout": Reply(200, fixture("yahoo/tcs_ns_1d.json"), delay=2.5),
    "truncated_json": Reply(200, fixture("yahoo/tcs_ns_5m_truncated.json")),
    "non_json": Reply(200, fixture("yahoo/not_json.txt"), content_type="text/html"),
    "will_be_right_back": Reply(503, fixture("yahoo/will_be_right_back.html"), content_type="text/html"),
    "connection_cut": Reply(200, fixture("yahoo/tcs_ns_1d.json"), cut_connection=True),
    "not_found": Reply(404, fixture("yahoo/not_found.json")),
    "wrong_shape": Reply(200, b'{"chart":{"result":[{"meta":{},"timestamp":[1709264700],'
                              b'"indicators":{"quote":[{"open":[1,2],"high":[1],"low":[1],"close":[1]}]}}],"error":null}}'),
}


@pytest.mark.parametrize("failure", sorted(YAHOO_FAILURES))
def test_failover_to_twelvedata_serves_every_bar_once(rc_binary, replay, tmp_path, failure):
    replay.script(ReplayServer.YAHOO, default=YAHOO_FAILURES[failure])
    replay.script(ReplayServer.TWELVEDATA, default=Reply(200, fixture("twelvedata/tcs_1day.json")))
    proc = fetch(rc_binary, replay, tmp_path, "--symbol", "TCS.NS", "--timeframe", "1d", *DAILY_RANGE)
    got = rows(proc)
    assert [r["ts"] for r in got] == DAILY_TS  # every bar exactly once, in order
    assert {r["provider"] for r in got} == {"twelvedata"}
    assert got[0]["close"] == "4095.3"
    assert "failing over to twelvedata" in proc.stderr
    assert len(replay.requests_to(ReplayServer.YAHOO)) >= 1
    (td,) = replay.requests_to(ReplayServer.TWELVEDATA)
    assert td.query == {"symbol": "TCS", "exchange": "NSE", "interval": "1day", "start_date": "2024-02-26",
                        "end_date": "2024-03-01", "outputsize": "5000", "timezone": "UTC", "order": "desc"}
    assert_key_only_in_header(replay)


def test_all_providers_failing_exits_nonzero_naming_each(rc_binary, replay, tmp_path):
    replay.script(ReplayServer.YAHOO, default=Reply(503, fixture("yahoo/will_be_right_back.html")))
    replay.script(ReplayServer.TWELVEDATA, default=Reply(429, fixture("twelvedata/error_429.json")))
    proc = fetch(rc_binary, replay, tmp_path, "--symbol", "TCS.NS", "--timeframe", "1d", *DAILY_RANGE, check=False)
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert "yahoo" in proc.stderr and "twelvedata" in proc.stderr


# ---------------------------------------------------------------- Twelve Data

def test_twelvedata_intraday_newest_first_reversed(rc_binary, replay, tmp_path):
    replay.script(ReplayServer.TWELVEDATA, default=Reply(200, fixture("twelvedata/tcs_5min.json")))
    proc = fetch(rc_binary, replay, tmp_path, "--symbol", "TCS.NS", "--timeframe", "5m", "--provider", "twelvedata",
                 "--from", "2024-03-01T03:45:00Z", "--to", "2024-03-01T04:30:00Z")
    got = rows(proc)
    assert [r["ts"] for r in got] == sorted(r["ts"] for r in got)
    assert len(got) == 8 and got[0]["ts"] == "2024-03-01T03:45:00Z" and got[0]["open"] == "4045"
    (req,) = replay.requests_to(ReplayServer.TWELVEDATA)
    assert req.query["start_date"] == "2024-03-01 03:45:00" and req.query["end_date"] == "2024-03-01 04:29:59"
    assert_key_only_in_header(replay)


@pytest.mark.parametrize("name,status,code", [
    ("error_401.json", 401, "unauthorized"),
    ("error_403.json", 403, "forbidden"),
    ("error_404.json", 404, "not_found"),
    ("error_400.json", 400, "invalid_argument"),
    ("error_401.json", 200, "unauthorized"),  # status:error with HTTP 200 is still an error
])
def test_twelvedata_error_bodies_are_typed(rc_binary, replay, tmp_path, name, status, code):
    replay.script(ReplayServer.TWELVEDATA, default=Reply(status, fixture(f"twelvedata/{name}")))
    proc = fetch(rc_binary, replay, tmp_path, "--symbol", "TCS.NS", "--timeframe", "1d", "--provider", "twelvedata",
                 *DAILY_RANGE, check=False)
    assert proc.returncode == 1
    assert code in proc.stderr


def test_twelvedata_no_data_is_empty(rc_binary, replay, tmp_path):
    replay.script(ReplayServer.TWELVEDATA, default=Reply(200, fixture("twelvedata/error_400_no_data.json")))
    proc = fetch(rc_binary, replay, tmp_path, "--symbol", "TCS.NS", "--timeframe", "1d", "--provider", "twelvedata",
                 *DAILY_RANGE)
    assert rows(proc) == []


def test_twelvedata_bad_number_is_a_provider_error(rc_binary, replay, tmp_path):
    replay.script(ReplayServer.TWELVEDATA, default=Reply(200, fixture("twelvedata/bad_number.json")))
    proc = fetch(rc_binary, replay, tmp_path, "--symbol", "TCS.NS", "--timeframe", "5m", "--provider", "twelvedata",
                 "--from", "2024-03-01T03:45:00Z", "--to", "2024-03-01T04:30:00Z", check=False)
    assert proc.returncode == 1
    assert "provider_error" in proc.stderr and "values[1].close" in proc.stderr


def test_twelvedata_timeout_is_reported(rc_binary, replay, tmp_path):
    replay.script(ReplayServer.TWELVEDATA, default=Reply(200, fixture("twelvedata/tcs_1day.json"), delay=2.5))
    proc = fetch(rc_binary, replay, tmp_path, "--symbol", "TCS.NS", "--timeframe", "1d", "--provider", "twelvedata",
                 *DAILY_RANGE, check=False, PROVIDER_MAX_RETRIES="0")
    assert proc.returncode == 1
    assert "timeout" in proc.stderr


# ---------------------------------------------------------------- real recorded responses, when present

def _real_responses(provider: str) -> list[pathlib.Path]:
    root = SHARED_DATA / "providers"
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file() and provider in str(p.relative_to(root)).lower())


@pytest.mark.parametrize("path", _real_responses("yahoo") or [None], ids=lambda p: p.name if p else "none")
def test_real_yahoo_responses_replay(rc_binary, replay, tmp_path, path):
    if path is None:
        pytest.skip("../shared/data/providers/ has no Yahoo responses on this machine")
    body = path.read_bytes()
    try:
        doc = json.loads(body)
        result = (doc.get("chart") or {}).get("result") or []
    except ValueError:
        doc, result = None, []
    if not result or "timestamp" not in result[0]:
        # An error, empty or non-JSON response: the binary must fail with a typed error or return nothing.
        replay.script(ReplayServer.YAHOO, default=Reply(200 if doc else 503, body))
        proc = fetch(rc_binary, replay, tmp_path, "--symbol", "TCS.NS", "--timeframe", "1d", "--provider", "yahoo",
                     *DAILY_RANGE, check=False)
        assert proc.returncode in (0, 1)
        if proc.returncode == 0:
            assert rows(proc) == []
        else:
            assert "regimecast:" in proc.stderr
        return
    meta = result[0].get("meta", {})
    granularity = meta.get("dataGranularity", "1d")
    tf = {"1m": "1m", "5m": "5m", "15m": "15m", "60m": "1h", "1h": "1h", "1d": "1d"}.get(granularity)
    if tf is None:
        pytest.skip(f"granularity {granularity} is not one of ours")
    ts = result[0]["timestamp"]
    weeks = 0 if tf == "1d" else weeks_to_recent(min(ts))
    if weeks:
        body = shift_yahoo_weeks(body, weeks)
    first, last = min(ts) + weeks * 604800, max(ts) + weeks * 604800
    replay.script(ReplayServer.YAHOO, default=Reply(200, body))
    symbol = meta.get("symbol", "TCS.NS")
    start = dt.datetime.fromtimestamp(first, dt.timezone.utc) - dt.timedelta(days=1 if tf == "1d" else 0)
    end = dt.datetime.fromtimestamp(last + 1, dt.timezone.utc) + dt.timedelta(days=1 if tf == "1d" else 0)
    proc = fetch(rc_binary, replay, tmp_path, "--symbol", symbol, "--timeframe", tf, "--provider", "yahoo",
                 "--from", start.strftime("%Y-%m-%dT%H:%M:%SZ"), "--to", end.strftime("%Y-%m-%dT%H:%M:%SZ"))
    got = rows(proc)
    assert got, f"{path}: no bars"
    assert len({r["ts"] for r in got}) == len(got), "duplicate bars"
    assert len(got) <= len(set(ts))


@pytest.mark.parametrize("path", _real_responses("twelvedata") or [None], ids=lambda p: p.name if p else "none")
def test_real_twelvedata_responses_replay(rc_binary, replay, tmp_path, path):
    if path is None:
        pytest.skip("../shared/data/providers/ has no Twelve Data responses on this machine")
    body = path.read_bytes()
    try:
        doc = json.loads(body)
    except ValueError:
        doc = None
    replay.script(ReplayServer.TWELVEDATA, default=Reply(200, body))
    if not isinstance(doc, dict) or doc.get("status") != "ok":
        proc = fetch(rc_binary, replay, tmp_path, "--symbol", "TCS.NS", "--timeframe", "1d",
                     "--provider", "twelvedata", *DAILY_RANGE, check=False)
        assert proc.returncode in (0, 1)
        return
    interval = doc["meta"]["interval"]
    tf = {"1min": "1m", "5min": "5m", "15min": "15m", "30min": "30m", "1h": "1h", "1day": "1d"}.get(interval)
    if tf is None:
        pytest.skip(f"interval {interval} is not one of ours")
    stamps = sorted(v["datetime"] for v in doc["values"])
    symbol = doc["meta"]["symbol"].replace("/", "-")
    if doc["meta"].get("exchange") == "NSE":
        symbol += ".NS"
    first = dt.datetime.fromisoformat(stamps[0]).replace(tzinfo=dt.timezone.utc) - dt.timedelta(days=1)
    last = dt.datetime.fromisoformat(stamps[-1]).replace(tzinfo=dt.timezone.utc) + dt.timedelta(days=2)
    proc = fetch(rc_binary, replay, tmp_path, "--symbol", symbol, "--timeframe", tf, "--provider", "twelvedata",
                 "--from", first.strftime("%Y-%m-%dT%H:%M:%SZ"), "--to", last.strftime("%Y-%m-%dT%H:%M:%SZ"))
    got = rows(proc)
    assert len(got) == len(set(stamps))
    assert [r["ts"] for r in got] == sorted(r["ts"] for r in got)
