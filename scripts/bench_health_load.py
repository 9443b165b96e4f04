#!/usr/bin/env python3
"""/health latency under trigger load, alone and while training runs (issue 13 item 2), for one or more
builds side by side in one run: the phase 3 of scripts/bench_ws_fanout.py (wrk on POST
/api/prediction/trigger with --wrk-connections, a second wrk on one connection measuring GET /health, training
jobs of every series and horizon back to back in the second half), repeated --repeat times, alternating the
binaries, so every build sees the same machine load. Each binary gets a fresh server on the same lake.

Prints one JSON object: per binary and round, the /health P50/P90/P99, the trigger's requests per second,
the training jobs run, and the load average before and after. Latency is reported, not enforced (a
benchmark, recorded in docs/benchmarks.md "### Load"). Loopback only, bounded in time.

  .venv/bin/python scripts/bench_health_load.py /tmp/before/regimecast build/ci/bin/regimecast --repeat 2
  # extra server settings per binary: NAME=VALUE after the path, e.g. build/ci/bin/regimecast,TRAINING_SCHED=batch
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile

from bench_ws_fanout import health_under_load, load_average, prepare_lake
from loopback import serve


def parse_build(spec: str) -> tuple[str, dict]:
    """'path[,NAME=VALUE...]' -> (path, settings)."""
    path, *pairs = spec.split(",")
    settings = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise SystemExit(f"build '{spec}': expected path[,NAME=VALUE...], got '{pair}'")
        settings[name] = value
    if not os.path.exists(path):
        raise SystemExit(f"build '{spec}': no such binary {path}")
    return path, settings


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("builds", nargs="+", help="binary[,NAME=VALUE...]: each measured in turn")
    ap.add_argument("--repeat", type=int, default=2, help="rounds over all builds")
    ap.add_argument("--seconds", type=int, default=10, help="wrk duration of each phase")
    ap.add_argument("--wrk-connections", type=int, default=32)
    ap.add_argument("--days", type=int, default=60, help="simulated trading days (training time)")
    args = ap.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (scripts/install-deps installs it)")
    builds = [parse_build(spec) for spec in args.builds]
    result = {"load_average_before": load_average(), "cpus": os.cpu_count(), "runs": []}
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = os.path.join(tmp, "data")
        prepare_lake(builds[0][0], data_dir, args.days)
        for round_idx in range(args.repeat):
            for spec, (binary, settings) in zip(args.builds, builds):
                env = {"LOG_LEVEL": "warn", "SCHEDULER_ENABLED": "false", "WATCHLIST": "TCS.NS:5m",
                       "HORIZONS_MINUTES": "30,60,120,180", **settings}
                run = {"build": spec, "round": round_idx, "load_average": load_average()}
                with serve(binary, data_dir, env, log_path=os.path.join(tmp, "server.log")) as server:
                    run["trigger_only"] = health_under_load(server.port, args.seconds, args.wrk_connections, tmp,
                                                            train=False)
                    run["training"] = health_under_load(server.port, args.seconds, args.wrk_connections, tmp,
                                                        train=True)
                result["runs"].append(run)
                print(json.dumps(run), file=sys.stderr, flush=True)
    result["load_average_after"] = load_average()
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
