#!/usr/bin/env python3
"""The market clock's cost: how long one bar close takes for 1, 50 and 500 watched series, and how
much CPU the scheduler uses while the market is closed.

Bar-close cycle: `serve` runs on replay time (MARKET_CLOCK=replay) with the simulator as provider, so
the fetch is an in-process call and the time measured is ours: raw commit -> bronze -> silver for the
partition -> the series in memory -> predictions for every horizon (gold queue + broadcast). For each
bar close after the backfill it sums the cycle durations the scheduler reports for every series
(`GET /api/scheduler/jobs`, `last_duration_ms`: binaries that run a series' cycle after another report
each one's time; binaries that run every series due at once as one close, with one commit per lake
table, report each series' equal share of that close: either way the sum is the close's time), and
prints the median and worst close over --closes closes. No model is trained (the series have under 600 bars),
so predictions take the naive fallback; the cost of a trained model's prediction is measured by the
serving benchmark (docs/benchmarks.md).

Closed market: `serve` on the wall clock watching a series whose exchange is closed for the next
minutes (NSE or NYSE, whichever is; the script says which), CPU time from /proc over --idle-seconds
after start-up.

Loopback only, bounded in time; every server is stopped at the end.

  .venv/bin/python scripts/bench_bar_cycle.py build/release/bin/regimecast --series 1 50 500
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import pathlib
import statistics
import sys
import tempfile
import time

import requests

from loopback import serve

TICKS = os.sysconf("SC_CLK_TCK")


def bar_jobs(base):
    jobs = requests.get(base + "/api/scheduler/jobs", timeout=30).json()["jobs"]
    return {j["name"]: j for j in jobs if j["kind"] == "bars"}


def cycle_costs(binary, series, closes, speed, workdir):
    """Per bar close after the backfill: the summed cycle time of every series, in ms."""
    watchlist = ",".join(f"S{i:03d}.NS:5m" for i in range(series))
    env = {"SCHEDULER_ENABLED": "true", "PRIMARY_DATA_PROVIDER": "sim", "FALLBACK_DATA_PROVIDERS": "",
           "MARKET_CLOCK": "replay", "REPLAY_START": "2020-03-02T04:00:00Z", "REPLAY_SPEED": str(speed),
           "WATCHLIST": watchlist, "HORIZONS_MINUTES": "15,60,180", "BACKFILL_DAYS": "2", "DEMO": "off",
           "LOG_LEVEL": "warn"}
    data = tempfile.mkdtemp(dir=workdir)
    with serve(binary, data, env, log_path=pathlib.Path(data).with_suffix(".log")) as server:
        # A close's cycles: run number -> the duration of every series' cycle of that run (run 1 is
        # the backfill).
        durations: dict[int, list[float]] = {}
        seen = {}
        deadline = time.time() + 120 + closes * 300 * 5 / speed * 3 + series * 0.5
        while time.time() < deadline:
            jobs = bar_jobs(server.base)
            for name, job in jobs.items():
                runs = job["runs"]
                if runs >= 2 and seen.get(name) != runs:
                    seen[name] = runs
                    durations.setdefault(runs, []).append(job["last_duration_ms"])
            complete = [r for r, d in durations.items() if len(d) == series]
            if len(complete) >= closes:
                break
            time.sleep(0.05)
        outcome = next(iter(bar_jobs(server.base).values()))["last_outcome"]
    totals = [sum(durations[r]) for r in sorted(durations) if len(durations[r]) == series][:closes]
    if not totals:
        raise SystemExit(f"{series} series: no complete bar close measured")
    per_series = [d for r in sorted(durations) if len(durations[r]) == series for d in durations[r]]
    return {"series": series, "closes": len(totals), "median_close_ms": round(statistics.median(totals), 2),
            "max_close_ms": round(max(totals), 2), "mean_per_series_ms": round(statistics.mean(per_series), 3),
            "bar_every_s": round(300 / speed, 2), "last_outcome": outcome}


def closed_series(now: dt.datetime):
    """A watched series whose exchange stays closed for the next 15 minutes (NSE 03:45-10:00 UTC,
    NYSE 13:30-21:00 UTC at the widest; both closed on weekends)."""
    window = [now + dt.timedelta(minutes=m) for m in range(0, 16)]

    def open_at(t, start, end):
        return t.weekday() < 5 and start <= t.hour * 60 + t.minute < end

    if not any(open_at(t, 3 * 60 + 45, 10 * 60) for t in window):
        return "TCS.NS:5m"
    if not any(open_at(t, 13 * 60 + 30, 21 * 60) for t in window):
        return "AAPL:5m"
    raise SystemExit("no exchange is closed for the next 15 minutes")


def cpu_seconds(pid):
    fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def idle_cpu(binary, seconds, workdir):
    series = closed_series(dt.datetime.now(dt.timezone.utc))
    env = {"SCHEDULER_ENABLED": "true", "PRIMARY_DATA_PROVIDER": "sim", "FALLBACK_DATA_PROVIDERS": "",
           "WATCHLIST": series, "HORIZONS_MINUTES": "15,60,180", "BACKFILL_DAYS": "2", "DEMO": "off",
           "LOG_LEVEL": "warn"}
    data = tempfile.mkdtemp(dir=workdir)
    with serve(binary, data, env, log_path=pathlib.Path(data).with_suffix(".log")) as server:
        deadline = time.time() + 120
        while time.time() < deadline and next(iter(bar_jobs(server.base).values()))["runs"] < 1:
            time.sleep(0.2)
        time.sleep(2)  # the backfill's pipeline and first predictions settle
        job = next(iter(bar_jobs(server.base).values()))
        before, t0 = cpu_seconds(server.pid), time.monotonic()
        time.sleep(seconds)
        used, elapsed = cpu_seconds(server.pid) - before, time.monotonic() - t0
        runs_during = next(iter(bar_jobs(server.base).values()))["runs"] - job["runs"]
    return {"series": series, "seconds": round(elapsed, 1), "cpu_seconds": round(used, 3),
            "cpu_percent": round(100 * used / elapsed, 3), "cycles_while_closed": runs_during,
            "next_run": job["next_run"]}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("binary")
    ap.add_argument("--series", type=int, nargs="+", default=[1, 50, 500])
    ap.add_argument("--closes", type=int, default=5, help="bar closes measured per size")
    ap.add_argument("--idle-seconds", type=float, default=60.0)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-bar-cycle-") as workdir:
        for n in args.series:
            # A bar every 5 s of wall time, slower where one close of every series takes longer.
            speed = 60 if n <= 50 else 15
            print(json.dumps(cycle_costs(args.binary, n, args.closes, speed, workdir)), flush=True)
        if args.idle_seconds > 0:
            print(json.dumps({"closed_market": idle_cpu(args.binary, args.idle_seconds, workdir)}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
