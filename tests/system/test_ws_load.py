"""The short version of the WebSocket/HTTP load benchmark (scripts/bench_ws_fanout.py; the full one is recorded in
docs/benchmarks.md): 500 readers get every broadcast once and in order, also while flooders are closed by the
inbound rate limit and clients that never read are evicted by the bounded send queue; with wrk on the trigger and
training jobs running, /health keeps answering and no trigger request fails. Latency goals are not asserted here
(they are benchmarks); delivery, limits and eviction are."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def test_short_load_run_delivers_everything_and_limits_abusers(rc_binary):
    if shutil.which("c++") is None:
        pytest.skip("no C++ compiler for the load client")
    args = [sys.executable, str(REPO / "scripts" / "bench_ws_fanout.py"), str(rc_binary), "--clients", "500",
            "--rounds", "5", "--interval", "0.1", "--flooders", "20", "--stalled", "5", "--abuse-rounds", "100",
            "--abuse-interval", "0.03", "--days", "20", "--send-queue-limit", "16"]
    if shutil.which("wrk"):
        args += ["--health-seconds", "2", "--wrk-connections", "8"]
    else:
        args += ["--health-seconds", "0"]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=180)
    assert proc.stdout.strip(), proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    for phase in ("fanout", "abuse"):
        got = result[phase]
        assert got["connected"] == 500 and got["connect_failed"] == 0, got
        assert got["lost"] == 0 and got["out_of_order_clients"] == 0 and got["closed_by_server"] == 0, got
        assert got["delivered"] == 500 * got["rounds"], got
        assert got["health_samples"] > 0, got
    abuse = result["abuse"]
    assert abuse["flooders_connected"] == 20 and abuse["flooders_closed"] == 20, abuse
    assert abuse["stalled_evicted"] == 5, abuse
    if "health_under_load_training" in result:
        assert result["health_under_load_training"]["training_jobs"] >= 1, result
        load = result["health_under_load_training"]
        assert load["trigger"].get("requests_per_second", 0) > 0 and load["trigger"].get("non_2xx", 0) == 0, load
        assert "p99_ms" in load["health"], load
    assert proc.returncode == 0, proc.stdout + proc.stderr
