"""Regime detection against the product simulator's truth, end to end (issue 10).

`sim --truth-out` -> `pipeline` -> `regime --format csv` on two fixed seeds that
were never used while choosing the hidden-Markov detector's prior and settings
(those were looked at on seeds 1, 2 and 3 only; docs/ml_audit.md). The detector
fits its model per series on the series' own past (Baum-Welch) and filters
forward; the first 30 trading days are its training period and are not scored.
"""
from __future__ import annotations

import csv
import io

import pandas as pd
import pytest

from conftest import run_cli

TEST_SEEDS = (11, 12)  # held out: never tuned on
DAYS = 150
TRAINING_DAYS = 30
# The issue's goal is 0.85. Measured: seed 11 0.891, seed 12 0.847 (docs/ml_audit.md, "The switch margin re-tuned
# with the recent volume window"; 0.890 / 0.846 before it, 0.885 / 0.843 before the fit-time volume reference,
# 0.877 / 0.838 before the within-session intraday profile and the free volume level, 0.867 / 0.829 before the
# probability-margin hysteresis and the cold-started refits; unchanged by the three EM starts per fit). Over 48
# held-out and fresh seeds the mean is 0.865 and the lowest 0.833; 38 of 48 reach 0.85 (on 48 further fresh seeds,
# 137-184, first run 2026-12-07: mean 0.872, lowest 0.818, 42 of 48). On those 48 seeds an oracle filter with
# parameters read off each seed's truth reaches 0.85 on 44 (tests/ml/regime_oracle.py), the simulator's own model as
# a filter, the bound for any causal detector, on all 48, lowest 0.859 (tests/ml/regime_exact_oracle.py). The test
# guards the level reached (the threshold detector scored 0.470 / 0.426 here) with a margin below seed 12's score;
# the 0.85 goal is recorded in the docs, not asserted, as it fails on 10 of those 48 seeds.
MIN_AGREEMENT = 0.83


def agreement_after_training(rc_binary, tmp_path, seed):
    env = {"DATA_DIR": str(tmp_path / "data")}
    truth_csv = tmp_path / "truth.csv"
    run_cli(rc_binary, "sim", "--symbol", "INFY.NS", "--timeframe", "5m", "--days", str(DAYS), "--seed", str(seed),
            "--end", "2026-11-25T00:00:00Z", "--truth-out", truth_csv, env=env)
    run_cli(rc_binary, "pipeline", env=env)
    out = run_cli(rc_binary, "regime", "--symbol", "INFY.NS", "--timeframe", "5m", "--history", "1000000",
                  "--format", "csv", env=env).stdout
    detected = pd.DataFrame(list(csv.DictReader(io.StringIO(out))))
    truth = pd.read_csv(truth_csv)
    joined = truth.merge(detected, on="ts")
    assert len(joined) == len(truth), "every simulated bar must have a detected state"
    day = pd.to_datetime(joined.ts).dt.date
    scored = joined[day >= sorted(day.unique())[TRAINING_DAYS]]
    return (scored.regime == scored.state).mean(), len(scored), pd.crosstab(scored.regime, scored.state)


# A seed whose first weeks hold no trend and no volatile spell: from the prior alone, the fits of those weeks
# settled a whole volume level low (neutral bars read as trending_down, range_bound as neutral) and the detector
# scored 0.742; with three EM starts per fit (hmm_filter.h, volume_start_shift) 0.838 (docs/ml_audit.md, "Three EM
# starts per fit"). Found on the fresh seeds 137-184 after the detector's settings were chosen.
LEVEL_TRAP_SEED = 184
MIN_LEVEL_TRAP_AGREEMENT = 0.80


def test_a_calm_start_does_not_set_the_volume_levels_one_state_off(rc_binary, tmp_path):
    agreement, n, confusion = agreement_after_training(rc_binary, tmp_path, LEVEL_TRAP_SEED)
    print(f"seed {LEVEL_TRAP_SEED}: agreement {agreement:.3f} over {n} bars\n{confusion}")
    assert n > 8000
    assert agreement >= MIN_LEVEL_TRAP_AGREEMENT
    # The trap's signature: neutral bars read as a trend, range_bound bars read as neutral.
    assert confusion.loc["neutral", "trending_down"] / confusion.loc["neutral"].sum() < 0.1
    assert confusion.loc["range_bound", "neutral"] / confusion.loc["range_bound"].sum() < 0.2


@pytest.mark.parametrize("seed", TEST_SEEDS)
def test_hmm_regimes_agree_with_the_simulators_truth_on_held_out_seeds(rc_binary, tmp_path, seed):
    agreement, n, confusion = agreement_after_training(rc_binary, tmp_path, seed)
    print(f"seed {seed}: agreement {agreement:.3f} over {n} bars after {TRAINING_DAYS} training days\n{confusion}")
    assert n > 8000
    assert agreement >= MIN_AGREEMENT
    # Every named state is recognised, not just the common ones.
    for name in ("trending_up", "trending_down", "range_bound", "volatile", "neutral"):
        recall = confusion.loc[name, name] / confusion.loc[name].sum()
        assert recall > 0.6, f"{name} recall {recall:.2f}"
