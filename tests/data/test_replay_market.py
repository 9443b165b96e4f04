"""Black-box tests of the replay market through the CLI: `regimecast fetch` and `regimecast data-fetcher`
with PRIMARY_DATA_PROVIDER=replay serve stored bars only as far as the replay clock has played them,
the clock keeps running between processes (its anchor lives in <DATA_DIR>/replay/clock), a night costs
no wall time, and bad sources are refused naming the line and the field."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import time

from conftest import run_cli

IST = dt.timezone(dt.timedelta(hours=5, minutes=30))
BAR = dt.timedelta(minutes=5)
DAYS = [dt.date(2024, 1, 2), dt.date(2024, 1, 3), dt.date(2024, 1, 4)]  # Tue..Thu, NSE trading days


def session_bars(day: dt.date) -> list[dt.datetime]:
    """The 75 regular 5-minute bar opens of an NSE day, 09:15..15:25 IST."""
    first = dt.datetime.combine(day, dt.time(9, 15), IST)
    return [first + i * BAR for i in range(75)]


def write_generic_csv(path) -> list[dt.datetime]:
    """A generic-layout file (`ts` without an offset: the exchange's wall clock) of three NSE days."""
    opens = [t for day in DAYS for t in session_bars(day)]
    lines = ["ts,open,high,low,close,volume"]
    for i, t in enumerate(opens):
        price = 100 + i * 0.1
        lines.append(f"{t:%Y-%m-%d %H:%M:%S},{price:.2f},{price + 0.5:.2f},{price - 0.5:.2f},{price + 0.1:.2f},{1000 + i}")
    path.write_text("\n".join(lines) + "\n")
    return opens


def replay_env(tmp_path, source, speed, **extra) -> dict:
    env = {"DATA_DIR": str(tmp_path / "data"), "PRIMARY_DATA_PROVIDER": "replay", "REPLAY_SOURCE": str(source),
           "REPLAY_SPEED": str(speed), "WATCHLIST": "TCS.NS:5m", "FALLBACK_DATA_PROVIDERS": "",
           "TWELVEDATA_API_KEY": ""}
    env.update(extra)
    return env


def fetch(rc_binary, env, *extra) -> list[dt.datetime]:
    out = run_cli(rc_binary, "fetch", "--symbol", "TCS.NS", "--timeframe", "5m", "--from", "2024-01-01", *extra,
                  env=env)
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert all(r["provider"] == "replay" for r in rows)
    return [dt.datetime.fromisoformat(r["ts"].replace("Z", "+00:00")) for r in rows]


def test_fetched_bars_advance_with_the_replay_clock_across_calls(rc_binary, tmp_path):
    opens = write_generic_csv(tmp_path / "series.csv")
    speed = 1500  # one wall second = 25 replay minutes = 5 bars
    env = replay_env(tmp_path, tmp_path / "series.csv", speed)
    started = time.monotonic()
    seen = []
    for _ in range(3):
        before = time.monotonic()
        got = fetch(rc_binary, env)
        after = time.monotonic()
        # Served bars are the source's first bars, in order: no gaps, nothing from the future.
        assert got == [t.astimezone(dt.timezone.utc) for t in opens[:len(got)]]
        # The clock started during the first call: at most (wall elapsed * speed) of the session has closed,
        # and at least what had elapsed before this call began since the first call ended.
        most = int((after - started) * speed / 300)
        assert len(got) <= most, (len(got), most)
        if seen:
            least = int((before - first_done) * speed / 300)
            assert len(got) >= least, (len(got), least)
            assert len(got) > len(seen[-1]), "the replay did not advance between calls"
        else:
            first_done = after
        seen.append(got)
        time.sleep(1.5)
    clock = (tmp_path / "data" / "replay" / "clock").read_text()
    assert "start=" in clock and "wall_anchor=" in clock


def test_a_night_costs_no_wall_time(rc_binary, tmp_path):
    opens = write_generic_csv(tmp_path / "series.csv")
    # 15:20 IST of the first day at 300x: one wall second is one bar; the close is 10 replay minutes away.
    env = replay_env(tmp_path, tmp_path / "series.csv", 300, REPLAY_START="2024-01-02T15:20:00+05:30")
    first = fetch(rc_binary, env)
    assert len(first) == 73 or len(first) == 74  # the bars before 15:20 (plus 15:20 if a second passed)
    time.sleep(3.5)
    later = fetch(rc_binary, env)
    day_one = [t for t in later if t.astimezone(IST).date() == DAYS[0]]
    day_two = [t for t in later if t.astimezone(IST).date() == DAYS[1]]
    assert len(day_one) == 75  # the whole first session, its last bar included
    # The market reopened the next morning after ~2 wall seconds, not after a night: a bar or two closed.
    assert 1 <= len(day_two) <= 4, day_two
    assert day_two[0] == opens[75].astimezone(dt.timezone.utc)


def test_data_fetcher_judges_the_feed_on_replay_time(rc_binary, tmp_path):
    write_generic_csv(tmp_path / "series.csv")
    env = replay_env(tmp_path, tmp_path / "series.csv", 60, REPLAY_START="2024-01-03T12:00:00+05:30")
    out = run_cli(rc_binary, "data-fetcher", "--json", "--sessions", "1", env=env)
    report = json.loads(out.stdout)
    primary = report["providers"][0]
    assert primary["provider"] == "replay" and primary["reachable"] and report["primary_healthy"]
    checked = dt.datetime.fromisoformat(report["checked_at"].replace("Z", "+00:00"))
    assert checked.astimezone(IST).date() == DAYS[1]  # "now" is replay time, not 2026's wall clock
    assert primary["newest_age_seconds"] <= 600
    assert primary["missing_bars"] == 0


def test_nse_layout_from_the_shared_data(rc_binary, tmp_path, shared_data):
    env = replay_env(tmp_path, shared_data / "nse-5m" / "TCS.csv", 600, REPLAY_START="2021-05-17T10:30:00+05:30")
    out = run_cli(rc_binary, "fetch", "--symbol", "TCS.NS", "--timeframe", "5m", "--from", "2021-05-01", env=env)
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    # The file's first bar opens 09:55 IST: read as IST (from the NSE header), that is 04:25Z.
    assert rows and rows[0]["ts"] == "2021-05-17T04:25:00Z"
    assert rows[0]["close"] == "3038"
    assert 7 <= len(rows) <= 12  # 09:55..10:25 had closed at the start; a second at 600x is two bars more


def test_lake_raw_is_a_replay_source(rc_binary, tmp_path):
    (tmp_path / "import").mkdir()
    write_generic_csv(tmp_path / "import" / "TCS.NS_5m.csv")
    env = {"DATA_DIR": str(tmp_path / "data"), "CSV_DIR": str(tmp_path / "import"), "TWELVEDATA_API_KEY": "",
           "FALLBACK_DATA_PROVIDERS": ""}
    run_cli(rc_binary, "ingest", "--symbol", "TCS.NS", "--timeframe", "5m", "--provider", "csv",
            "--from", "2024-01-01", "--to", "2024-01-05", env=env)
    replay = replay_env(tmp_path, "lake:raw", 60, REPLAY_START="2024-01-04T09:15:00+05:30")
    got = fetch(rc_binary, replay)
    assert len(got) == 150  # the two sessions before the start; none of the third yet
    assert got[-1] == dt.datetime(2024, 1, 3, 15, 25, tzinfo=IST).astimezone(dt.timezone.utc)


def test_bad_sources_are_refused_naming_line_and_field(rc_binary, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("datetime,symbol,open,high,low,close,volume\n"
                   "2024-01-02 09:15:00,NSE:TCS,100,101,99,100.5,10\n"
                   "2024-01-02 09:20:00,NSE:TCS,100,oops,99,100.5,10\n")
    proc = run_cli(rc_binary, "fetch", "--symbol", "TCS.NS", "--timeframe", "5m",
                   env=replay_env(tmp_path, bad, 60), check=False)
    assert proc.returncode != 0
    assert "line 3: high 'oops' is not a number" in proc.stderr
    assert "REPLAY_SOURCE" in proc.stderr

    missing = run_cli(rc_binary, "fetch", "--symbol", "TCS.NS", "--timeframe", "5m",
                      env=replay_env(tmp_path, tmp_path / "nope.csv", 60), check=False)
    assert missing.returncode != 0 and "nope.csv" in missing.stderr

    for name, value in [("REPLAY_SPEED", "0"), ("REPLAY_START", "soon"), ("REPLAY_SOURCE", "")]:
        env = replay_env(tmp_path, bad, 60)
        env[name] = value
        proc = run_cli(rc_binary, "fetch", "--symbol", "TCS.NS", "--timeframe", "5m", env=env, check=False)
        assert proc.returncode != 0 and name in proc.stderr, (name, proc.stderr)


def test_help_explains_the_replay(rc_binary):
    for command in ("fetch", "data-fetcher"):
        text = run_cli(rc_binary, command, "--help").stdout
        assert "PRIMARY_DATA_PROVIDER=replay" in text and "REPLAY_SPEED" in text, command
    assert "replay" in run_cli(rc_binary, "fetch", "--help").stdout.split("--provider", 1)[1].splitlines()[0]
