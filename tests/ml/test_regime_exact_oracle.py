"""The exact-model filter of tests/ml/regime_exact_oracle.py (issue 10): the bound on regime
agreement that docs/ml_audit.md reports is computed with the simulator's true parameters, so
they must be the ones in backend/src/data/sim/market_simulator.cc, and on a held-out seed the
filter must beat the detector it bounds."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

import regime_exact_oracle as exact
from regime_audit import REPO, sim_series, with_hysteresis

SIMULATOR = REPO / "backend" / "src" / "data" / "sim" / "market_simulator.cc"
NUMBER = r"[-+]?\d*\.?\d+"


def rows_of(function):
    """The numeric rows ({...} per regime, in order) of a SimConfig::Default* function."""
    text = SIMULATOR.read_text()
    body = text[text.index(f"SimConfig::{function}() {{"):]
    body = body[:body.index("}};")]
    return [[float(v) for v in re.findall(NUMBER, row)] for row in re.findall(r"\{+\s*([^{}]+?)\s*\}", body)]


def test_the_script_uses_the_simulators_parameters():
    regimes = np.array(rows_of("DefaultRegimes"))
    assert regimes.shape == (6, 5)
    np.testing.assert_array_equal(regimes[:, 0], exact.DRIFT)
    np.testing.assert_array_equal(regimes[:, 1], exact.VOL)
    np.testing.assert_array_equal(regimes[:, 2], exact.KAPPA)
    np.testing.assert_array_equal(regimes[:, 3], exact.VOLUME_MULT)
    np.testing.assert_array_equal(regimes[:, 4], exact.DURATION)
    np.testing.assert_array_equal(np.array(rows_of("DefaultTransitions")), exact.WEIGHTS)
    source = SIMULATOR.read_text()
    assert f"constexpr int kSubsteps = {exact.SUBSTEPS};" in source
    assert f"std::exp({exact.VOLUME_SIGMA} * Normal()" in source
    header = SIMULATOR.with_suffix(".h").read_text()
    assert re.search(r"double base_volume = 50'000;", header) and exact.BASE_VOLUME == 50_000


def test_on_a_held_out_seed_the_exact_filter_bounds_the_detector(rc_binary, tmp_path):
    frame = sim_series(rc_binary, 12, tmp_path, 150)
    bars = exact.sim_bars(rc_binary, 12, tmp_path, 150)
    assert exact.volume_level(bars) == pytest.approx(exact.BASE_VOLUME, rel=0.1)
    scored = exact.score_seed(frame, bars, 30)
    detector = (scored["regime"] == scored["state"]).mean()
    bound = (scored["regime"] == scored["exact"]).mean()
    # docs/ml_audit.md: 0.850 and 0.867 on seed 12 (0.866 under the detector's switching rule).
    assert bound >= exact.GOAL
    assert bound > detector + 0.01
    assert (scored["regime"] == scored["exact_held"]).mean() >= exact.GOAL
    # The evidence is what it reads: with neither returns nor volumes it is left with the
    # transitions and the overnight gaps, and agrees far less.
    blind = exact.score_seed(frame, bars, 30, frozenset({"returns", "volume"}))
    assert (blind["regime"] == blind["exact"]).mean() < 0.6


def test_spell_age_counts_bars_since_the_true_regime_changed_and_buckets_the_agreements():
    regimes = ["neutral"] * 3 + ["trending_up"] * 50 + ["range_bound"] * 2
    age = exact.spell_age(regimes)
    assert list(age[:5]) == [0, 1, 2, 0, 1] and age[52] == 49 and list(age[53:]) == [0, 1]
    # The detector is right from a spell's 6th bar on, the bound from its 1st.
    frame = pd.DataFrame({"regime": regimes, "spell_age": age})
    frame["state"] = np.where(frame["spell_age"] >= 6, frame["regime"], "volatile")
    frame["exact"] = frame["regime"]
    rows = {bucket: rest for bucket, *rest in exact.by_spell_age(frame)}
    assert list(rows) == ["0-5", "6-23", "24-47", "48-95", ">= 96"]
    share, detector, bound, lost = rows["0-5"]
    assert share == pytest.approx(11 / 55) and detector == 0 and bound == 1 and lost == pytest.approx(100 * 11 / 55)
    assert rows["48-95"][:3] == [pytest.approx(2 / 55), 1, 1] and rows["48-95"][3] == 0
    assert rows[">= 96"][0] == 0


def test_the_switching_rule_holds_a_state_until_a_rival_leads_long_enough_or_clearly():
    # States 0 and 4 (trending_up, neutral): a narrow lead (0.06) must last 3 bars, a lead of 0.10 or
    # more wins at once, and after a feed gap the most probable state is taken at once.
    up, narrow, clear = [0.9, 0, 0, 0, 0.1], [0.47, 0, 0, 0, 0.53], [0.3, 0, 0, 0, 0.7]
    posteriors = np.array([up, narrow, narrow, up, narrow, narrow, narrow, up, clear, up, narrow])
    restarts = np.zeros(len(posteriors), dtype=bool)
    assert list(with_hysteresis(posteriors, restarts)) == [0, 0, 0, 0, 0, 0, 4, 0, 4, 0, 0]
    restarts[-1] = True
    assert with_hysteresis(posteriors, restarts)[-1] == 4
