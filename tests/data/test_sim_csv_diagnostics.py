"""Black-box tests of `regimecast sim`, the csv and sim providers through `regimecast fetch`, and
the `regimecast data-fetcher` diagnostic (exit status and report) against local providers."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json

from conftest import run_cli
from .replay_server import Reply, ReplayServer, fixture

REGIMES = {"trending_up", "trending_down", "range_bound", "volatile", "neutral"}


def read_csv(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def base_env(tmp_path, **extra) -> dict:
    env = {"DATA_DIR": str(tmp_path / "data"), "TWELVEDATA_API_KEY": "", "FALLBACK_DATA_PROVIDERS": "",
           "PROVIDER_TIMEOUT_SECONDS": "1", "PROVIDER_MAX_RETRIES": "0"}
    env.update(extra)
    return env


# ---------------------------------------------------------------- sim

def test_sim_is_deterministic_and_writes_truth(rc_binary, tmp_path):
    args = ["sim", "--symbol", "TCS.NS", "--timeframe", "5m", "--days", "5", "--end", "2024-03-02"]
    a, b, c = tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "c.csv"
    truth = tmp_path / "truth.csv"
    run_cli(rc_binary, *args, "--seed", "7", "--out", a, "--truth-out", truth, env=base_env(tmp_path))
    run_cli(rc_binary, *args, "--seed", "7", "--out", b, env=base_env(tmp_path))
    run_cli(rc_binary, *args, "--seed", "8", "--out", c, env=base_env(tmp_path))
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes() != c.read_bytes()
    bars = read_csv(a.read_text())
    regimes = read_csv(truth.read_text())
    assert [r["ts"] for r in regimes] == [r["ts"] for r in bars]
    assert {r["regime"] for r in regimes} <= REGIMES
    assert 300 <= len(bars) <= 375  # 5 NSE sessions of 75 bars, minus any simulated feed gap
    for row in bars:
        t = dt.datetime.fromisoformat(row["ts"].replace("Z", "+00:00"))
        assert t.weekday() < 5
        assert dt.time(3, 45) <= t.time() <= dt.time(9, 55)  # 09:15-15:25 IST bar opens
        o, h, l, c_ = (float(row[k]) for k in ("open", "high", "low", "close"))
        assert l <= min(o, c_) <= max(o, c_) <= h and float(row["volume"]) >= 0


def test_sim_provider_serves_the_same_history_as_sim(rc_binary, tmp_path):
    out = run_cli(rc_binary, "sim", "--symbol", "AAPL", "--timeframe", "1h", "--days", "3", "--end", "2024-03-02",
                  "--seed", "99", "--out", "-", env=base_env(tmp_path)).stdout
    sim_rows = read_csv(out)
    first = sim_rows[0]["ts"]
    fetched = run_cli(rc_binary, "fetch", "--symbol", "AAPL", "--timeframe", "1h", "--from", first, "--to",
                      "2024-03-02T00:00:00Z", env=base_env(tmp_path, PRIMARY_DATA_PROVIDER="sim", SIM_SEED="99"))
    rows = read_csv(fetched.stdout)
    assert {r["provider"] for r in rows} == {"sim"}
    assert [{k: r[k] for k in ("ts", "open", "high", "low", "close", "volume")} for r in rows] == sim_rows


def test_sim_rejects_bad_arguments(rc_binary, tmp_path):
    proc = run_cli(rc_binary, "sim", "--symbol", "TCS/NS", "--timeframe", "5m", "--days", "1", check=False,
                   env=base_env(tmp_path))
    assert proc.returncode != 0 and "symbol" in proc.stderr
    proc = run_cli(rc_binary, "sim", "--symbol", "TCS.NS", "--timeframe", "7m", "--days", "1", check=False,
                   env=base_env(tmp_path))
    assert proc.returncode != 0 and "timeframe" in proc.stderr


# ---------------------------------------------------------------- csv provider

def test_csv_provider_reads_exchange_time_and_reports_bad_rows(rc_binary, tmp_path):
    csv_dir = tmp_path / "import"
    csv_dir.mkdir()
    (csv_dir / "TCS.NS_5m.csv").write_text(
        "Datetime,Open,High,Low,Close,Volume\n"
        "2024-03-01 09:15:00,4045,4055.9,4040.05,4051.2,152340\n"
        "2024-03-01 09:20:00,4051.25,4053,4047.1,4049.55,61822\n"
        "2024-03-01 09:25:00,abc,4050,4041,4042.1,48210\n"
        "2024-03-01 09:30:00,4042.1,4044.8,4038.2,4043.3,\n")
    proc = run_cli(rc_binary, "fetch", "--symbol", "TCS.NS", "--timeframe", "5m", "--from", "2024-03-01T00:00:00Z",
                   "--to", "2024-03-02T00:00:00Z",
                   env=base_env(tmp_path, PRIMARY_DATA_PROVIDER="csv", CSV_DIR=str(csv_dir)))
    rows = read_csv(proc.stdout)
    assert [r["ts"] for r in rows] == ["2024-03-01T03:45:00Z", "2024-03-01T03:50:00Z", "2024-03-01T04:00:00Z"]
    assert {r["provider"] for r in rows} == {"csv"}
    assert rows[2]["volume"] == ""
    assert "line 4" in proc.stderr and "1 skipped" in proc.stderr


def test_csv_provider_missing_file_is_not_found(rc_binary, tmp_path):
    proc = run_cli(rc_binary, "fetch", "--symbol", "INFY.NS", "--timeframe", "5m", check=False,
                   env=base_env(tmp_path, PRIMARY_DATA_PROVIDER="csv", CSV_DIR=str(tmp_path)))
    assert proc.returncode == 1 and "not_found" in proc.stderr


# ---------------------------------------------------------------- data-fetcher

def hourly_csv(path, hours_back: int, skip: set[int] = frozenset()):
    """BTC-USD 1h bars for the complete hours of the last `hours_back` hours (24x7 calendar)."""
    now = dt.datetime.now(dt.timezone.utc).replace(minute=0, second=0, microsecond=0)
    lines = ["ts,open,high,low,close,volume"]
    for k in range(hours_back, 0, -1):
        if k in skip:
            continue
        t = now - dt.timedelta(hours=k)
        lines.append(f"{t.strftime('%Y-%m-%dT%H:%M:%SZ')},100,101,99,100.5,10")
    path.write_text("\n".join(lines) + "\n")


def test_data_fetcher_healthy_primary_exits_zero(rc_binary, tmp_path):
    hourly_csv(tmp_path / "BTC-USD_1h.csv", 30)
    proc = run_cli(rc_binary, "data-fetcher", "--symbol", "BTC-USD", "--timeframe", "1h", "--sessions", "1",
                   env=base_env(tmp_path, PRIMARY_DATA_PROVIDER="csv", CSV_DIR=str(tmp_path)))
    assert "csv" in proc.stdout and "primary provider healthy" in proc.stdout


def test_data_fetcher_unhealthy_primary_exits_nonzero_and_reports_json(rc_binary, tmp_path, replay):
    hourly_csv(tmp_path / "BTC-USD_1h.csv", 60, skip={30})
    replay.script(ReplayServer.YAHOO, default=Reply(503, fixture("yahoo/will_be_right_back.html"),
                                                    content_type="text/html"))
    proc = run_cli(rc_binary, "data-fetcher", "--symbol", "BTC-USD", "--timeframe", "1h", "--sessions", "2", "--json",
                   check=False, env=base_env(tmp_path, PRIMARY_DATA_PROVIDER="yahoo", FALLBACK_DATA_PROVIDERS="csv",
                                             CSV_DIR=str(tmp_path), YAHOO_BASE_URL=replay.base))
    assert proc.returncode == 1
    report = json.loads(proc.stdout)
    assert report["primary_healthy"] is False
    yahoo, csv_p = report["providers"]
    assert (yahoo["provider"], yahoo["primary"], yahoo["reachable"]) == ("yahoo", True, False)
    assert "unavailable" in yahoo["last_error"] and "Will be right back" in yahoo["last_error"]
    assert yahoo["circuit_state"] in {"closed", "open"}
    assert (csv_p["provider"], csv_p["reachable"]) == ("csv", True)
    assert csv_p["missing_bars"] == (1 if csv_p["expected_bars"] >= 30 else 0)
    assert csv_p["newest_bar"] is not None and csv_p["newest_age_seconds"] <= 2 * 3600
    assert len(replay.requests_to(ReplayServer.YAHOO)) == 1


def test_data_fetcher_table_for_a_reachable_yahoo(rc_binary, tmp_path, replay):
    now = dt.datetime.now(dt.timezone.utc).replace(minute=0, second=0, microsecond=0)
    stamps = [int((now - dt.timedelta(hours=k)).timestamp()) for k in range(30, 0, -1)]
    body = {"chart": {"result": [{
        "meta": {"currency": "USD", "symbol": "BTC-USD", "exchangeName": "CCC", "instrumentType": "CRYPTOCURRENCY",
                 "gmtoffset": 0, "timezone": "UTC", "exchangeTimezoneName": "UTC", "dataGranularity": "60m",
                 "validRanges": ["1d", "5d", "1mo", "3mo", "6mo", "1y", "2y", "5y", "10y", "ytd", "max"]},
        "timestamp": stamps,
        "indicators": {"quote": [{"open": [100.0] * 30, "high": [101.0] * 30, "low": [99.0] * 30,
                                  "close": [100.5] * 30, "volume": [0] * 30}]}}], "error": None}}
    replay.script(ReplayServer.YAHOO, default=Reply(200, json.dumps(body).encode()))
    proc = run_cli(rc_binary, "data-fetcher", "--symbol", "BTC-USD", "--timeframe", "1h", "--sessions", "1",
                   env=base_env(tmp_path, PRIMARY_DATA_PROVIDER="yahoo", YAHOO_BASE_URL=replay.base))
    header = proc.stdout.splitlines()[1]
    for column in ("PROVIDER", "REACHABLE", "LATENCY", "NEWEST BAR", "AGE", "MISSING", "CIRCUIT", "LAST ERROR"):
        assert column in header
    assert "yahoo" in proc.stdout and "primary provider healthy" in proc.stdout
    (req,) = replay.requests_to(ReplayServer.YAHOO)
    assert req.path == "/v8/finance/chart/BTC-USD" and req.query["interval"] == "60m"
