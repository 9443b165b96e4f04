"""A real full disk under a live replay session: DATA_DIR is a small tmpfs that the test fills to the last
byte while the market clock ingests bars and clients ask for predictions. The server keeps answering reads
and predictions from memory, /health shows the storage subsystem degraded (the failing write paths, the
OS error, since when) and /metrics storage_degraded; once the filler is removed the server resumes writing
by itself, /health is ok again, and after a clean stop every Delta table reads with each bar once and every
acknowledged prediction in gold exactly once.

Needs root and a kernel that lets us mount tmpfs (skipped otherwise). The in-process counterpart, with
ENOSPC and EIO injected at each write path, is backend/tests/scheduler/storage_fault_test.cc."""
from __future__ import annotations

import errno
import os
import subprocess

import deltalake
import pytest
import requests

from conftest import Server
from test_crash_recovery import API_HORIZON, Triggerer, env, gold_rows
from test_serving_memory import wait_for

DISK_MB = 64


@pytest.fixture
def small_disk(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={DISK_MB}m", "tmpfs", str(mount_point)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def fill(disk, name="filler"):
    """Writes zeros to `disk`/name until the file system says it is full."""
    chunk = b"\0" * (1 << 20)
    with open(disk / name, "wb", buffering=0) as out:
        while True:
            try:
                out.write(chunk)
            except OSError as err:
                assert err.errno == errno.ENOSPC, err
                break
        # The last bytes: smaller writes until not even one byte fits.
        for size in (65536, 4096, 512, 1):
            while True:
                try:
                    out.write(b"\0" * size)
                except OSError as err:
                    assert err.errno == errno.ENOSPC, err
                    break


def storage(srv):
    return requests.get(srv.url("/health"), timeout=5).json()["subsystems"]["storage"]


def test_a_full_disk_degrades_health_keeps_serving_and_recovers_with_nothing_lost(rc_binary, small_disk):
    # The first model is trained before the disk fills; the next scheduled retraining is a year of
    # market time away (a training that fails on the full disk turns "training" ok only when it runs again).
    srv = Server(rc_binary, small_disk, {**env(), "RETRAIN_INTERVAL_HOURS": "8760"})
    triggers = Triggerer(srv)
    try:
        wait_for(lambda: requests.get(srv.url("/health"), timeout=5).json()["subsystems"]["models"]["detail"]
                 .startswith("last trained"), 90, "no model trained")
        triggers.start()
        wait_for(lambda: len(triggers.acked) > 20, 60, "no predictions served")
        assert storage(srv)["status"] == "ok"

        fill(small_disk)
        degraded = wait_for(lambda: "gold_log" in (s := storage(srv)).get("failing", {}) and s, 30,
                            "/health did not report the gold log's failing commits")
        assert degraded["status"] == "degraded"
        assert "No space left on device" in degraded["last_error"], degraded
        assert "No space left on device" in degraded["failing"]["gold_log"]["last_error"], degraded
        assert degraded["since"].endswith("Z")
        print("degraded:", {path: state["failures"] for path, state in degraded["failing"].items()})
        served_while_full = len(triggers.acked)
        # Reads and predictions are still answered while nothing can be written.
        wait_for(lambda: len(triggers.acked) > served_while_full + 20, 30, "predictions stopped while the disk is full")
        bars = requests.get(srv.url("/api/bars"), params={"symbol": "TCS.NS", "timeframe": "5m", "limit": 10},
                            timeout=10)
        assert bars.status_code == 200, bars.text
        metrics = requests.get(srv.url("/metrics"), timeout=10).text
        assert 'storage_degraded{path="gold_log"} 1' in metrics
        assert 'storage_write_failures_total{path="gold_log"}' in metrics
        assert "storage: gold_log writes failing" in srv.log()

        os.remove(small_disk / "filler")
        wait_for(lambda: storage(srv)["status"] == "ok", 30, "/health ok again after space was freed")
        assert "succeed again" in storage(srv)["detail"]
        assert 'storage_degraded{path="gold_log"} 0' in requests.get(srv.url("/metrics"), timeout=10).text
    finally:
        triggers.stop.set()
        triggers.join(timeout=10)
        assert srv.stop() == 0, srv.log()[-3000:]

    # Nothing half-written is visible, nothing acknowledged is lost or doubled.
    for table in ("raw/bars", "bronze/bars", "silver/features"):
        frame = deltalake.DeltaTable(str(small_disk / table)).to_pandas()
        per_bar = frame[(frame.symbol == "TCS.NS") & (frame.timeframe == "5m")].groupby("ts").size()
        assert len(per_bar) > 0 and (per_bar == 1).all(), (table, per_bar[per_bar > 1].head())
    assert gold_rows(small_disk, API_HORIZON) == len(triggers.acked)
    print(f"acknowledged predictions: {len(triggers.acked)}, all in gold once")
