"""Forecast quality on the real NSE bars (../shared/data/nse-5m; skipped when absent), issue 10.

A walk-forward `backtest` over the last 40 % of each shared symbol at 180 minutes, through the
CLI as a user would run it: the ensemble must not lose to the random walk (MAPE ratio <= 1.000)
and its bands must cover 50/80/95 % within 3 points overall and within 5 points in every regime
with enough predictions to judge that level (nse_data.min_judged_count), and the 80 % bands of the
forecasts made within the session and of those whose horizon crosses the close (the overnight gap)
must each cover within 8 points (before the session profile of the bands' scale: 0.84-0.92 within
and 0.67-0.76 across, off by up to 13 points on INFY and RELIANCE). The reference bands (the
method before the per-regime work) are reported beside the served ones in the same run. The
measured numbers (printed with pytest -s) are recorded in docs/ml_audit.md.
"""
from __future__ import annotations

import json

import pandas as pd
import pytest

from conftest import run_cli
from nse_data import BACKTEST_END, REGIME_TOLERANCE, SYMBOLS, band_outcomes_by_time_of_day, min_judged_count, prepare_nse_lake

HORIZON = "180"
LEVELS = (0.5, 0.8, 0.95)
TIME_OF_DAY_TOLERANCE = 0.08


@pytest.fixture(scope="module")
def nse_lake(rc_binary, tmp_path_factory):
    return prepare_nse_lake(rc_binary, tmp_path_factory, HORIZON, "nse")


@pytest.mark.parametrize("symbol", list(SYMBOLS.values()))
def test_backtest_never_loses_to_the_random_walk_and_bands_cover(rc_binary, nse_lake, symbol, tmp_path):
    env, starts = nse_lake
    per_prediction = tmp_path / "predictions.csv"
    out = run_cli(rc_binary, "backtest", "--symbol", symbol, "--timeframe", "5m", "--horizon-minutes", HORIZON,
                  "--from", starts[symbol], "--to", BACKTEST_END, "--json", "--out", str(per_prediction),
                  env=env, timeout=1800).stdout
    s = json.loads(out)
    model, naive = s["model"], s["naive"]
    cov = [b["coverage"] for b in model["bands"]]
    old = [b["coverage"] for b in s["model_unscaled_bands"]["bands"]]
    print(f"\n{symbol}: n={model['n']} MAPE {100 * model['mape']:.4f}% naive {100 * naive['mape']:.4f}% "
          f"ratio {s['mape_ratio']:.4f}; dir.acc {s['directional_accuracy']['value']:.3f} "
          f"[{s['directional_accuracy']['ci95_low']:.3f}, {s['directional_accuracy']['ci95_high']:.3f}]")
    print(f"  coverage 50/80/95 {cov}  (old unscaled bands {old})")
    print("  width", [round(100 * b["mean_width"], 4) for b in model["bands"]],
          "old", [round(100 * b["mean_width"], 4) for b in s["model_unscaled_bands"]["bands"]])
    print("  interval score", [round(b["interval_score"], 6) for b in model["bands"]],
          "old", [round(b["interval_score"], 6) for b in s["model_unscaled_bands"]["bands"]])
    print("  reference bands: coverage", [round(b["coverage"], 3) for b in s["model_reference_bands"]["bands"]],
          "width", [round(100 * b["mean_width"], 4) for b in s["model_reference_bands"]["bands"]],
          "interval score", [round(b["interval_score"], 6) for b in s["model_reference_bands"]["bands"]])
    for reg, entry in s["regimes"].items():
        print(f"  {reg:14s} n={entry['model']['n']:5d} ratio {entry.get('mape_ratio')} coverage",
              [round(b["coverage"], 3) for b in entry["model"]["bands"]],
              "reference", [round(b["coverage"], 3) for b in entry["reference"]["bands"]])
    for fam in s["families"]:
        print(f"  family {fam['family']:15s} weight {fam['pooled_weight']:.3f} DM t={fam['skill_vs_naive']['dm_stat']} "
              f"no_signal={fam['no_signal']}")
    assert model["n"] > 1000
    assert s["mape_ratio"] <= 1.000 + 1e-12, f"{symbol}: ensemble MAPE {s['mape_ratio']:.5f} x the random walk's"
    for level, c in zip(LEVELS, cov):
        assert abs(c - level) <= 0.03, f"{symbol}: coverage {c:.3f} at {level}"
    # Per regime: every level with enough predictions to judge is within 5 points.
    judged = 0
    for reg, entry in s["regimes"].items():
        n = entry["model"]["n"]
        assert entry["reference"]["n"] == n
        for level, band in zip(LEVELS, entry["model"]["bands"]):
            if n >= min_judged_count(level):
                judged += 1
                assert abs(band["coverage"] - level) <= REGIME_TOLERANCE, \
                    f"{symbol} {reg} (n={n}): coverage {band['coverage']:.3f} at {level}"
    assert judged >= 6, f"{symbol}: only {judged} judged regime levels; the check would say little"
    # By time of day: a forecast across the close carries the overnight gap; its band must know.
    # The backtest reports the two groups itself (model_by_break: the realized bar lies more than
    # horizon + 0.5 bars ahead, so a feed gap inside a session counts as a break: 29 forecasts on
    # RELIANCE); here they are also classified by NSE's session clock, from --out.
    o = band_outcomes_by_time_of_day(pd.read_csv(per_prediction), int(HORIZON))
    by_break = s["model_by_break"]
    assert by_break["within_session"]["n"] + by_break["across_break"]["n"] == model["n"]
    for crosses, key, name in ((False, "within_session", "within the session"), (True, "across_break", "across the close")):
        group = o[o.crosses_close == crosses]
        print(f"  80 % coverage {name}: {group.inside80.mean():.3f} (n={len(group)})")
        assert len(group) > 500
        assert abs(by_break[key]["n"] - len(group)) <= 0.05 * len(group), (key, by_break[key]["n"], len(group))
        assert abs(by_break[key]["bands"][1]["coverage"] - 0.8) <= TIME_OF_DAY_TOLERANCE, \
            f"{symbol}: backtest's {key} 80 % coverage {by_break[key]['bands'][1]['coverage']:.3f}"
        assert abs(group.inside80.mean() - 0.8) <= TIME_OF_DAY_TOLERANCE, \
            f"{symbol}: 80 % bands {name} cover {group.inside80.mean():.3f}"
    # The reference bands, same points, same run: reported with width and interval score.
    ref = s["model_reference_bands"]
    assert ref["n"] == model["n"] and len(ref["bands"]) == len(LEVELS)
    assert s["reference_gamma"] > 0
    for b in ref["bands"]:
        assert b["mean_width"] > 0 and b["interval_score"] > 0
    # The report a user judges a series by.
    da = s["directional_accuracy"]
    assert da["ci95_low"] <= da["value"] <= da["ci95_high"]
    assert {"dm_stat", "p_value", "n"} <= set(s["model_vs_naive"])
    assert isinstance(s["no_signal"], list)
    for fam in s["families"]:
        if fam["no_signal"]:
            assert fam["family"] in s["no_signal"] and fam["pooled_weight"] == 0
