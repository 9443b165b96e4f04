"""Train on the real NSE TCS bars (../shared/data/nse-5m, when present) and check the bands' coverage.

Prints the fold metrics against naive into the test log (pytest -s shows them).
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import run_cli


def tcs_files(shared_data: Path):
    folder = shared_data / "nse-5m"
    if not folder.is_dir():
        pytest.skip("../shared/data/nse-5m is not present")
    files = sorted(p for p in folder.rglob("*.csv") if re.match(r"(?i)tcs", p.name))
    if not files:
        pytest.skip("no TCS file in ../shared/data/nse-5m")
    return files


def test_train_on_real_tcs_bars(rc_binary, shared_data, tmp_path):
    env = {"DATA_DIR": str(tmp_path / "data"), "HORIZONS_MINUTES": "180"}
    for path in tcs_files(shared_data):
        run_cli(rc_binary, "import-csv", path, "--symbol", "TCS.NS", "--timeframe", "5m", "--layout", "nse", env=env)
    run_cli(rc_binary, "pipeline", env=env)
    out = run_cli(rc_binary, "train", "--bot", "orchestrator", "--symbol", "TCS.NS", "--timeframe", "5m",
                  "--horizon-minutes", "180", "--folds", "5", env=env, timeout=1800).stdout
    print(out)
    record = json.loads(next((tmp_path / "data" / "experiments").rglob("record.json")).read_text())
    text = json.dumps(record)
    assert "ensemble" in text
    # Coverage of the ensemble's bands on out-of-fold data, from the training table printed above.
    ensemble = next(line for line in out.splitlines() if line.startswith("ensemble"))
    cov50, cov80, cov95 = (float(x) for x in ensemble.split()[-3:])
    print(f"ensemble coverage 50/80/95: {cov50:.3f} {cov80:.3f} {cov95:.3f}")
    assert abs(cov80 - 0.80) <= 0.05 and abs(cov95 - 0.95) <= 0.05
    naive = next(line for line in out.splitlines() if line.startswith("naive"))
    print("naive:", naive)
