"""A real Prometheus server scrapes /metrics and the runbook's metrics arrive in its TSDB."""
from __future__ import annotations

import shutil
import subprocess
import time

import pytest
import requests

from conftest import free_port


@pytest.fixture
def prometheus_binary():
    path = shutil.which("prometheus")
    if path is None:
        pytest.fail("prometheus not found: scripts/install-deps installs the prometheus package")
    return path


def query(base, expr):
    r = requests.get(f"{base}/api/v1/query", params={"query": expr}, timeout=5)
    r.raise_for_status()
    return r.json()["data"]["result"]


def test_prometheus_scrapes_regimecast(server, prometheus_binary, tmp_path):
    port = free_port()
    config = tmp_path / "prometheus.yml"
    config.write_text(f"""
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: regimecast
    static_configs:
      - targets: ['127.0.0.1:{server.port}']
""")
    proc = subprocess.Popen(
        [prometheus_binary, f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'tsdb'}",
         f"--web.listen-address=127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        up = []
        while time.time() < deadline:
            try:
                up = query(base, 'up{job="regimecast"}')
                if up and up[0]["value"][1] == "1":
                    break
            except requests.RequestException:
                pass
            time.sleep(0.5)
        assert up and up[0]["value"][1] == "1", f"target never came up: {up}"
        targets = requests.get(f"{base}/api/v1/targets", timeout=5).json()["data"]["activeTargets"]
        assert targets[0]["health"] == "up", targets[0].get("lastError")
        build = query(base, "regimecast_build_info")
        assert build and build[0]["metric"]["version"]
        # The runbook's operator query: counters scraped with their labels.
        requests.get(server.url("/health"), timeout=5)
        deadline = time.time() + 20
        health_hits = []
        while time.time() < deadline and not health_hits:
            health_hits = query(base, 'http_requests_total{route="/health",code="200"}')
            time.sleep(0.5)
        assert health_hits, "http_requests_total for /health never reached Prometheus"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
