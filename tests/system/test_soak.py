"""The 3-minute soak of `make test` (scripts/soak.py; docs/benchmarks.md records a 30-minute run): a replay
market at high speed with websocket clients coming and going and predictions served over HTTP; RSS, open
file descriptors, threads, trigger latency and the lake's size on disk (vacuumed by the server every 30 s,
keeping 1 minute of time travel) must stay flat, every table must still read with delta-rs with each bar
once, and the server must stop cleanly (a client leaving while a message was being published once
deadlocked the hub: this found it)."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from conftest import REPO


def test_resources_and_latency_stay_flat(rc_binary):
    seconds = os.environ.get("SOAK_SECONDS", "180")
    result = subprocess.run([sys.executable, str(REPO / "scripts" / "soak.py"), str(rc_binary), "--seconds", seconds,
                             "--every", "5"], capture_output=True, text=True, timeout=int(seconds) + 240)
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    assert lines, f"soak printed no result (exit {result.returncode}):\n{result.stderr[-3000:]}"
    summary = json.loads(lines[-1])
    print(json.dumps({key: summary[key] for key in ("requests", "ws_sessions", "verdict", "thirds", "lake")}))
    assert summary["ok"], json.dumps(summary, indent=1)
    assert summary["requests"] > 100 and summary["ws_sessions"] > 10
    assert summary["errors"] == 0, summary
