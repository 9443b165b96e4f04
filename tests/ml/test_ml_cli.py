"""Train, predict, regime and backtest through the CLI on simulated markets (issue 5)."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import run_cli

HORIZON = "60"  # minutes: 12 bars of 5m


@pytest.fixture(scope="module")
def market(rc_binary, tmp_path_factory):
    """A simulated TCS.NS 5m market of 90 sessions, through the pipeline into silver."""
    root = tmp_path_factory.mktemp("ml")
    env = {"DATA_DIR": str(root / "data"), "HORIZONS_MINUTES": f"{HORIZON},180"}
    run_cli(rc_binary, "sim", "--symbol", "TCS.NS", "--timeframe", "5m", "--days", "90", "--seed", "5",
            "--end", "2024-06-01T00:00:00Z", "--truth-out", root / "truth.csv", env=env)
    run_cli(rc_binary, "pipeline", env=env)
    return root, env


def predict_json(binary, env, *extra):
    out = run_cli(binary, "predict", "--symbol", "TCS.NS", "--timeframe", "5m", "--horizon-minutes", HORIZON,
                  "--json", *extra, env=env).stdout
    return json.loads(out)


def test_predict_without_a_model_is_degraded_not_an_error(rc_binary, market):
    _, env = market
    p = predict_json(rc_binary, env, "--as-of", "2024-05-31T10:00:00Z")
    assert p["degraded"] is True
    assert p["expected_price"] == pytest.approx(p["last_close"])  # naive: random walk
    lows = [b["lower"] for b in p["bands"]]
    highs = [b["upper"] for b in p["bands"]]
    assert lows == sorted(lows, reverse=True) and highs == sorted(highs)  # 50 inside 80 inside 95


def test_train_then_predict(rc_binary, market):
    root, env = market
    out = run_cli(rc_binary, "train", "--bot", "orchestrator", "--symbol", "TCS.NS", "--timeframe", "5m",
                  "--horizon-minutes", HORIZON, "--folds", "3", env=env).stdout
    assert "champion:" in out
    for family in ("naive", "trend", "mean_reversion", "ridge", "gbdt", "ensemble"):
        assert family in out, family
    listing = run_cli(rc_binary, "experiments", "list", env=env).stdout
    assert "orchestrator" in listing
    p = predict_json(rc_binary, env, "--as-of", "2024-05-31T10:00:00Z")
    assert p["degraded"] is False
    assert p["experiment_id"]
    assert p["regime"] in {"trending_up", "trending_down", "range_bound", "volatile", "neutral", "unknown"}
    assert 0 <= p["regime_confidence"] <= 1
    assert abs(sum(p["weights"].values()) - 1) < 1e-9
    levels = [b["level"] for b in p["bands"]]
    assert levels == [0.5, 0.8, 0.95]
    for inner, outer in zip(p["bands"], p["bands"][1:]):
        assert outer["lower"] <= inner["lower"] <= p["expected_price"] <= inner["upper"] <= outer["upper"]
    # The experiment pins the silver version it trained on.
    record = next((Path(env["DATA_DIR"]) / "experiments").rglob("record.json"))
    assert "silver" in record.read_text()


def test_single_bot_training_and_unknown_bot(rc_binary, market):
    _, env = market
    run_cli(rc_binary, "train", "--bot", "ridge", "--symbol", "TCS.NS", "--timeframe", "5m", "--horizon-minutes", "180",
            "--folds", "2", env=env)
    proc = run_cli(rc_binary, "train", "--bot", "astrology", "--symbol", "TCS.NS", "--timeframe", "5m",
                   "--horizon-minutes", "180", env=env, check=False)
    assert proc.returncode == 2 and "--bot" in proc.stderr
    proc = run_cli(rc_binary, "train", "--symbol", "TCS.NS", "--timeframe", "5m", "--horizon-minutes", "7", env=env,
                   check=False)
    assert proc.returncode == 2 and "--horizon-minutes" in proc.stderr


def test_regime_csv_and_agreement_with_the_simulators_truth(rc_binary, market):
    root, env = market
    out = run_cli(rc_binary, "regime", "--symbol", "TCS.NS", "--timeframe", "5m", "--history", "1000000",
                  "--format", "csv", env=env).stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == ["ts", "state", "confidence"]
    truth = pd.read_csv(root / "truth.csv")
    detected = pd.DataFrame(rows)
    joined = truth.merge(detected, on="ts")
    assert len(joined) == len(truth)
    known = joined[joined.state != "unknown"]
    agreement = (known.regime == known.state).mean()
    majority = truth.regime.value_counts(normalize=True).max()
    print(f"regime agreement {agreement:.3f} vs majority-class share {majority:.3f} over {len(known)} bars")
    assert agreement > majority, "the detector must beat always answering the most common regime"


def test_regime_csv_observations_are_extra_columns_beside_unchanged_states(rc_binary, market):
    """--observations adds the HMM's z and u per bar; ts,state,confidence stay byte for byte as without it."""
    _, env = market
    args = ["regime", "--symbol", "TCS.NS", "--timeframe", "5m", "--history", "1000000", "--format", "csv"]
    plain = run_cli(rc_binary, *args, env=env).stdout.splitlines()
    observed = run_cli(rc_binary, *args, "--observations", env=env).stdout.splitlines()
    assert plain[0] == "ts,state,confidence" and observed[0] == "ts,state,confidence,z,u"
    assert [",".join(line.split(",")[:3]) for line in observed] == plain

    rows = pd.read_csv(io.StringIO("\n".join(observed)))
    ts = pd.to_datetime(rows.ts, utc=True)
    day = ts.dt.date
    first_of_session = day != day.shift()
    assert rows.z[first_of_session].isna().all(), "a return across the overnight is no evidence"
    # Ordinary bars: one spacing after the previous bar of the same session, once the time-of-day
    # shape has had its 3 completed sessions (a few more here: a feed gap may skip a slot).
    sessions = sorted(day.unique())
    ordinary = ~first_of_session & (ts.diff() == pd.Timedelta(minutes=5)) & (day >= sessions[5])
    assert ordinary.sum() > 5000
    assert np.isfinite(rows.z[ordinary]).all() and np.isfinite(rows.u[ordinary]).all()
    assert rows.z[ordinary].abs().median() == pytest.approx(0.6745, rel=0.25)  # z is in units of a typical return


def test_regime_observations_need_csv(rc_binary, market):
    _, env = market
    for fmt in ("table", "json"):
        proc = run_cli(rc_binary, "regime", "--symbol", "TCS.NS", "--timeframe", "5m", "--format", fmt,
                       "--observations", env=env, check=False)
        assert proc.returncode == 2, (fmt, proc.stderr)
        assert "--observations" in proc.stderr and "csv" in proc.stderr, proc.stderr
        assert proc.stdout == ""


def test_backtest_uses_only_past_data(rc_binary, market, tmp_path):
    root, env = market
    args = ["backtest", "--symbol", "TCS.NS", "--timeframe", "5m", "--horizon-minutes", HORIZON,
            "--from", "2024-05-20T00:00:00Z", "--to", "2024-05-24T00:00:00Z", "--retrain-every", "150",
            "--folds", "2"]
    first = tmp_path / "a.csv"
    summary = run_cli(rc_binary, *args, "--out", first, env=env).stdout
    assert "(naive" in summary and "cov95" in summary and "mape" in summary.lower()
    table = pd.read_csv(first)
    assert list(table.columns) == ["ts", "last_close", "regime", "expected_close", "lower_50", "upper_50",
                                   "lower_80", "upper_80", "lower_95", "upper_95", "realized_close"]
    ts = pd.to_datetime(table.ts, utc=True)
    assert ts.min() >= pd.Timestamp("2024-05-20", tz="UTC") and ts.max() < pd.Timestamp("2024-05-24", tz="UTC")
    assert (table.lower_95 <= table.lower_80).all() and (table.upper_80 <= table.upper_95).all()

    # Rewrite history after --to: a later fetch replaces the last five sessions (2024-05-27..31) with a
    # different market (latest fetch wins in bronze). The backtest of the earlier period must not change.
    silver_before = pd.read_csv(io.StringIO(run_cli(
        rc_binary, "lake", "cat", Path(env["DATA_DIR"]) / "silver" / "features", "--columns", "ts,close",
        "--format", "csv", env=env).stdout))
    run_cli(rc_binary, "sim", "--symbol", "TCS.NS", "--timeframe", "5m", "--days", "5", "--seed", "999",
            "--end", "2024-06-01T00:00:00Z", "--start-price", "5000", env=env)
    run_cli(rc_binary, "pipeline", env=env)
    silver_after = pd.read_csv(io.StringIO(run_cli(
        rc_binary, "lake", "cat", Path(env["DATA_DIR"]) / "silver" / "features", "--columns", "ts,close",
        "--format", "csv", env=env).stdout))
    # realized_close is silver's close HORIZON minutes of bars later (every horizon here ends by 2024-05-24).
    bars = silver_before.assign(ts=pd.to_datetime(silver_before.ts, utc=True)).reset_index(drop=True)
    at = pd.Index(bars.ts).get_indexer(ts)
    assert (at >= 0).all()
    later = bars.close.to_numpy()[at + int(HORIZON) // 5]
    assert table.realized_close.notna().all()
    assert table.realized_close.to_numpy() == pytest.approx(later, abs=1e-6)
    late = pd.to_datetime(silver_after.ts, utc=True) >= pd.Timestamp("2024-05-27", tz="UTC")
    assert late.any() and (silver_after[late].close > 1000).all(), "the later sessions were really rewritten"
    assert len(silver_after) == len(silver_before)
    second = tmp_path / "b.csv"
    run_cli(rc_binary, *args, "--out", second, env=env)
    assert first.read_text() == second.read_text()
