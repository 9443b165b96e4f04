"""observability/: the scrape config, alert rules and dashboard are valid and reference real metrics."""
from __future__ import annotations

import json
import re
import subprocess

import requests

from conftest import REPO

OBS = REPO / "observability"
PROMQL_FUNCTIONS = {"histogram_quantile", "sum", "rate", "increase", "max", "by", "on", "and", "clamp_min", "le",
                    "up", "time"}


def test_prometheus_config_and_rules_pass_promtool(promtool):
    for args in (["check", "config", str(OBS / "prometheus.yml")], ["check", "rules", str(OBS / "alerts.yml")]):
        proc = subprocess.run([promtool, *args], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stdout + proc.stderr


def metric_names_in(expr: str) -> set[str]:
    without_labels = re.sub(r"\{[^}]*\}", "", expr)
    without_ranges = re.sub(r"\[[^\]]*\]", "", without_labels)
    names = set(re.findall(r"[a-zA-Z_:][a-zA-Z0-9_:]*", without_ranges))
    names = {n for n in names if not re.fullmatch(r"\d.*", n)}
    return {n for n in names - PROMQL_FUNCTIONS if "_" in n}


def exposed_families(text: str) -> set[str]:
    return set(re.findall(r"^# TYPE (\S+) ", text, re.M))


def base_name(name: str, families: set[str]) -> str:
    for suffix in ("_bucket", "_sum", "_count"):
        if name.endswith(suffix) and name[: -len(suffix)] in families:
            return name[: -len(suffix)]
    return name


def test_dashboard_is_importable_and_uses_existing_metrics(server):
    dash = json.loads((OBS / "dashboard.json").read_text())
    assert dash["uid"] and dash["title"] and isinstance(dash["schemaVersion"], int)
    ids = [p["id"] for p in dash["panels"]]
    assert len(ids) == len(set(ids)), "panel ids must be unique"
    assert any(v["name"] == "DS_PROMETHEUS" and v["type"] == "datasource" for v in dash["templating"]["list"])
    families = exposed_families(requests.get(server.url("/metrics"), timeout=5).text)
    for panel in dash["panels"]:
        assert 0 <= panel["gridPos"]["x"] <= 23 and 1 <= panel["gridPos"]["w"] <= 24
        for target in panel["targets"]:
            for name in metric_names_in(target["expr"]):
                assert base_name(name, families) in families, (panel["title"], name)


def test_alert_rules_use_existing_metrics(server):
    families = exposed_families(requests.get(server.url("/metrics"), timeout=5).text)
    text = (OBS / "alerts.yml").read_text()
    for expr in re.findall(r"expr: (.+)", text):
        for name in metric_names_in(expr):
            assert base_name(name, families) in families, name
