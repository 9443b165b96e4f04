"""Regime detection against the product simulator's truth, end to end (issue 10).

`sim --truth-out` -> `pipeline` -> `regime --format csv` on two fixed seeds that
were never used to choose the hidden-Markov detector's prior and settings (those
were chosen on the tuning seeds 1-8, 21-28 and 41-56; docs/ml_audit.md), though
scored beside every change kept (MIN_AGREEMENT says what that means). The detector
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
# The goal, asserted: 0.85. Measured: seed 11 0.891, seed 12 0.850 (0.8504: 3 of 8,928 bars above the goal)
# since the prior's volume spacing is the simulator's (docs/ml_audit.md, "The prior's volume spacing read exactly";
# 0.891 / 0.847 before it, 0.890 / 0.846 before the switch margin 0.10, 0.885 / 0.843 before the fit-time volume
# reference, 0.877 / 0.838 before the within-session intraday profile and the free volume level, 0.867 / 0.829
# before the probability-margin hysteresis and the cold-started refits). The detector is deterministic, so the thin
# margin on seed 12 is not flaky: a change that loses it fails here. Seeds 11 and 12 were never used to choose a
# setting, but they were scored beside every change kept since, so they are not the estimate of what an unseen seed
# scores: over the 48 held-out seeds (these two among them) the mean is 0.867 and 41 of 48 reach 0.85 (lowest
# 0.839); on 96 fresh seeds (137-232) 0.869 and 79 of 96 (lowest 0.813). The simulator's own model as a filter, the
# bound for any causal detector, reaches 0.85 on all of the 48 (tests/ml/regime_exact_oracle.py).
MIN_AGREEMENT = 0.85


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
# scored 0.742; with three EM starts per fit (hmm_filter.h, volume_start_shift) 0.838, 0.845 with the prior's volume
# spacing read exactly (docs/ml_audit.md, "Three EM starts per fit"). Found on the fresh seeds 137-184 after the
# detector's settings were chosen.
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
