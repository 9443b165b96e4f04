#!/usr/bin/env python3
"""Soak: a replay market at high speed for --seconds with websocket clients connecting and leaving and
predictions served over HTTP, while RSS, open file descriptors, threads, trigger latency and the lake's
size on disk are sampled every --every seconds. Fails (exit 1) when any of them grows: the mean of the last third of
the samples against the first third after warm-up, with the allowances printed in the result.

Loopback only, bounded in time; the server is stopped at the end. `make test` runs a 3-minute version
(tests/system/test_soak.py); docs/benchmarks.md records a 30-minute run.

  .venv/bin/python scripts/soak.py build/release/bin/regimecast --seconds 1800 --csv soak.csv
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import random
import statistics
import sys
import tempfile
import threading
import time

import requests
from websockets.sync.client import connect

from loopback import serve

REPO = pathlib.Path(__file__).resolve().parent.parent
SAMPLE = REPO / "backend" / "data" / "sample" / "TCS.csv"


def lake_mb(data_dir):
    """What the lake holds on disk (every table's data files and log): bounded by the session-time vacuum
    (LAKE_RETENTION_MINUTES), it grew by ~16 MB a minute at speed 300 without it."""
    total = 0
    for root, _dirs, files in os.walk(data_dir):
        for name in files:
            try:
                total += os.stat(os.path.join(root, name)).st_size
            except FileNotFoundError:  # vacuumed while we walked
                pass
    return round(total / 1e6, 1)


def proc_stats(pid):
    status = pathlib.Path(f"/proc/{pid}/status").read_text()
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    return {"rss_mb": int(fields["VmRSS"].split()[0]) / 1024, "threads": int(fields["Threads"]),
            "fds": len(os.listdir(f"/proc/{pid}/fd"))}


class Load:
    """HTTP triggers at a steady rate and websocket clients that come and go."""

    def __init__(self, base, ws_url, seed):
        self.base, self.ws_url, self.rng = base, ws_url, random.Random(seed)
        self.stop = threading.Event()
        self.latencies, self.lock = [], threading.Lock()
        self.errors = 0
        self.error_samples = []
        self.ws_sessions = 0

    def triggers(self):
        session = requests.Session()
        body = {"symbol": "TCS.NS", "timeframe": "5m", "horizon_minutes": 60}
        while not self.stop.is_set():
            t0 = time.perf_counter()
            why = None
            try:
                r = session.post(self.base + "/api/prediction/trigger", json=body, timeout=10)
                if r.status_code != 200:
                    why = f"trigger {r.status_code}: {r.text[:200]}"
            except requests.RequestException as e:
                why = f"trigger: {e!r}"[:200]
            with self.lock:
                if why is None:
                    self.latencies.append((time.perf_counter() - t0) * 1000)
                else:
                    self.error(why)
            time.sleep(0.01)

    def clients(self):
        while not self.stop.is_set():
            try:
                with connect(self.ws_url, open_timeout=10) as ws:
                    ws.send(json.dumps({"op": "subscribe",
                                        "channels": ["bars:TCS.NS:5m", "predictions:TCS.NS:5m", "regime:TCS.NS:5m"]}))
                    deadline = time.time() + self.rng.uniform(0.5, 5.0)
                    while time.time() < deadline and not self.stop.is_set():
                        try:
                            ws.recv(timeout=0.5)
                        except TimeoutError:
                            pass
                with self.lock:
                    self.ws_sessions += 1
            except Exception as e:  # noqa: BLE001 - a refused or dropped client is counted, never fatal
                with self.lock:
                    self.error(f"websocket: {e!r}"[:200])
                time.sleep(0.1)

    def error(self, why):
        """Counts a failed request (caller holds self.lock); the first few reasons go to the result."""
        self.errors += 1
        if len(self.error_samples) < 10:
            self.error_samples.append(f"{time.strftime('%H:%M:%S')} {why}")

    def take_latencies(self):
        with self.lock:
            out, self.latencies = self.latencies, []
        return out


def wait_for_first_bars(base, timeout=120.0):
    """The load starts once the backfill is in silver: a trigger before it is a 404 (no data yet),
    which is the right answer, not a failure of the soak."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        jobs = requests.get(base + "/api/scheduler/jobs", timeout=10).json()["jobs"]
        if any(j["kind"] == "bars" and "new bar" in (j["last_outcome"] or "") and not
               j["last_outcome"].startswith("0 new") for j in jobs):
            return
        time.sleep(0.2)
    raise SystemExit(f"no bars stored within {timeout} s")


def job_ms(base):
    """How long the last run of the scheduler's jobs took, by kind: the drift check ("drift_check": must not
    grow with the predictions logged, serving/drift_tracker.h; the check that also writes realized closes to
    gold, once a minute, takes longer) and the bar close ("bars": must not grow with the series' history, the
    closes append, backend/src/data/pipeline/append.h). Reported, not judged."""
    try:
        jobs = requests.get(base + "/api/scheduler/jobs", timeout=10).json()["jobs"]
    except (requests.RequestException, ValueError, KeyError):
        return {}
    return {j.get("kind"): j.get("last_duration_ms") for j in jobs}


def check_lake(data_dir):
    """After the session (vacuumed and log-cleaned all along): every table still reads with delta-rs, and every
    bar is in raw, bronze and silver exactly once. Returns the problems found (empty when none)."""
    from deltalake import DeltaTable  # tests/requirements.txt
    problems, rows = [], {}
    for layer, table in (("raw", "bars"), ("bronze", "bars"), ("silver", "features"), ("gold", "predictions")):
        try:
            got = DeltaTable(os.path.join(data_dir, layer, table)).to_pyarrow_table()
        except Exception as e:  # noqa: BLE001 - reported in the result
            problems.append(f"{layer}: {e!r}"[:300])
            continue
        rows[layer] = got.num_rows
        if layer != "gold":
            keys = list(zip(got.column("symbol").to_pylist(), got.column("timeframe").to_pylist(),
                            got.column("ts").to_pylist()))
            if len(keys) != len(set(keys)):
                problems.append(f"{layer}: {len(keys) - len(set(keys))} duplicate bar(s)")
    if rows.get("raw") != rows.get("bronze"):  # silver starts after the features' warm-up bars
        problems.append(f"raw and bronze row counts differ: {rows}")
    return {"rows": rows, "problems": problems}


def judge(samples, warmup_fraction=0.2):
    body = samples[int(len(samples) * warmup_fraction):]
    third = max(1, len(body) // 3)
    first, last = body[:third], body[-third:]

    def mean(rows, key):
        values = [r[key] for r in rows if r[key] is not None]
        return statistics.mean(values) if values else 0.0

    verdict = {}
    allowances = {"rss_mb": lambda a: a * 1.15 + 16, "fds": lambda a: a + 16, "threads": lambda a: a + 4,
                  "p99_ms": lambda a: a * 3 + 5, "lake_mb": lambda a: a * 2 + 32}
    for key, allowed in allowances.items():
        before, after = mean(first, key), mean(last, key)
        verdict[key] = {"first": round(before, 2), "last": round(after, 2), "allowed": round(allowed(before), 2),
                        "ok": after <= allowed(before)}
    return verdict


def by_third(samples, warmup_fraction=0.2):
    """Per third of the samples after warm-up: the mean of each measure, the lowest RSS sample (what the
    allocator keeps at its quietest: rising minima are memory kept, not a peak) and the load average range."""
    body = samples[int(len(samples) * warmup_fraction):]
    n = max(1, len(body) // 3)
    thirds = [body[:n], body[n:2 * n], body[2 * n:]]

    def mean(rows, key):
        values = [r[key] for r in rows if r.get(key) is not None]
        return round(statistics.mean(values), 2) if values else None

    out = {key: [mean(t, key) for t in thirds]
           for key in ("rss_mb", "fds", "threads", "p99_ms", "lake_mb", "bar_close_ms", "drift_ms")}
    out["rss_mb_lowest"] = [min((r["rss_mb"] for r in t), default=None) for t in thirds]
    out["bar_close_ms_median"] = [round(statistics.median(v), 1) if v else None for v in
                                  ([r["bar_close_ms"] for r in t if r.get("bar_close_ms") is not None]
                                   for t in thirds)]
    out["load"] = [min((r["load"] for r in samples), default=None), max((r["load"] for r in samples), default=None)]
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("binary")
    ap.add_argument("--seconds", type=int, default=180)
    ap.add_argument("--every", type=float, default=5.0)
    ap.add_argument("--clients", type=int, default=8, help="concurrent websocket clients, each coming and going")
    ap.add_argument("--speed", type=int, default=1200, help="REPLAY_SPEED")
    ap.add_argument("--retention-minutes", type=int, default=1,
                    help="LAKE_RETENTION_MINUTES: the time travel the session-time vacuum keeps")
    ap.add_argument("--csv", help="write the samples here")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(LOG_LEVEL="warn", SCHEDULER_ENABLED="true",
                   PRIMARY_DATA_PROVIDER="replay", FALLBACK_DATA_PROVIDERS="", REPLAY_SOURCE=str(SAMPLE),
                   REPLAY_SPEED=str(args.speed), REPLAY_START="2021-06-07T04:00:00Z", WATCHLIST="TCS.NS:5m",
                   HORIZONS_MINUTES="60", DEMO="off", DRIFT_CHECK_INTERVAL_SECONDS="600",
                   LAKE_MAINTENANCE_INTERVAL_SECONDS="30", LAKE_RETENTION_MINUTES=str(args.retention_minutes))
        data_dir = os.path.join(tmp, "data")
        with serve(args.binary, data_dir, env) as server:
            wait_for_first_bars(server.base)
            load = Load(server.base, server.ws_url, seed=7)
            threads = [threading.Thread(target=load.triggers, daemon=True)]
            threads += [threading.Thread(target=load.clients, daemon=True) for _ in range(args.clients)]
            for t in threads:
                t.start()
            samples, started = [], time.time()
            while time.time() - started < args.seconds:
                time.sleep(args.every)
                if server.proc.poll() is not None:
                    raise SystemExit(f"the server exited with {server.proc.returncode} during the soak")
                lat = sorted(load.take_latencies())
                jobs = job_ms(server.base)
                row = {"t": round(time.time() - started, 1), **proc_stats(server.pid),
                       "p99_ms": lat[int(0.99 * (len(lat) - 1))] if lat else None, "requests": len(lat),
                       "drift_ms": jobs.get("drift_check"), "bar_close_ms": jobs.get("bars"),
                       "lake_mb": lake_mb(data_dir), "load": round(os.getloadavg()[0], 2)}
                samples.append(row)
            load.stop.set()
            for t in threads:
                t.join(timeout=15)
        returncode = server.proc.returncode
        lake_check = check_lake(data_dir)
    if args.csv:
        with open(args.csv, "w") as out:
            out.write(",".join(samples[0]) + "\n")
            for row in samples:
                out.write(",".join("" if v is None else str(v) for v in row.values()) + "\n")
    verdict = judge(samples)
    drift = [r["drift_ms"] for r in samples if r["drift_ms"] is not None]
    result = {"seconds": args.seconds, "samples": len(samples), "requests": sum(r["requests"] for r in samples),
              "drift_check_ms": {"first": drift[:3], "last": drift[-3:], "max": max(drift, default=None)},
              "ws_sessions": load.ws_sessions, "errors": load.errors, "error_samples": load.error_samples,
              "verdict": verdict, "thirds": by_third(samples), "lake": lake_check,
              "ok": all(v["ok"] for v in verdict.values()) and returncode == 0 and not lake_check["problems"]}
    print(json.dumps(result))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
