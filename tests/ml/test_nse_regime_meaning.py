"""Do the detected regimes mean what their names say on the real NSE bars? (issue 10, goal 4)

No truth exists on real bars, so the states are judged by what followed them over a fixed
forward window of 12 five-minute bars (60 minutes) inside the session: forward realized vol
per state, and the forward return's sign after a trending state. Measured with the same code
as the table in docs/ml_audit.md (tests/ml/regime_audit.py), through the CLI's `regime` command.
Skipped when ../shared/data/nse-5m is absent.

The volatility goal (forward vol after `volatile` >= 1.5x that after `range_bound`) is asserted on
each symbol, raw and against each time of day's mean. The trend goal (trending hit rate > 1/2 with
p < 0.05) does not hold and is written out as a strict expected failure: the moment it holds the
strict xfail turns red so the mark is removed. The activity threshold behind the volatility result
was chosen on these same three symbols (there is no held-out real series): docs/ml_audit.md.
"""
from __future__ import annotations

import pytest

from conftest import SHARED_DATA
from nse_data import SYMBOLS
from regime_audit import STATES, nse_meaning

FOLDER = SHARED_DATA / "nse-5m"
VOL_RATIO_GOAL = 1.5
P_GOAL = 0.05


@pytest.fixture(scope="module")
def meaning(rc_binary, tmp_path_factory):
    if not all((FOLDER / f"{name}.csv").is_file() for name in SYMBOLS):
        pytest.skip("../shared/data/nse-5m with TCS, INFY and RELIANCE is not present")
    results = nse_meaning(rc_binary, FOLDER, tmp_path_factory.mktemp("nse_regimes"))
    for symbol, (per_state, summary) in results.items():
        print(f"\n{symbol}: " + ", ".join(f"{s} {1e4 * e['fwd_vol']:.2f} ({e['n']})" for s, e in per_state.items())
              + f"; ratio {summary['vol_ratio']:.2f} (adjusted {summary['vol_ratio_rel']:.2f}); trend hit "
              f"{summary['trend_hit_rate']:.3f} n={summary['trend_n']} z={summary['trend_z']:.2f} p={summary['trend_p']:.4f}")
    return results


@pytest.mark.parametrize("symbol", list(SYMBOLS.values()))
def test_volatile_is_followed_by_one_and_a_half_times_the_forward_vol_of_range_bound(meaning, symbol):
    per_state, summary = meaning[symbol]
    assert summary["scored_bars"] > 2500
    assert per_state["volatile"]["n"] > 100 and per_state["range_bound"]["n"] > 500
    assert summary["vol_ratio"] >= VOL_RATIO_GOAL, summary
    # Not an artefact of the daily volatility shape: the same against each time of day's mean.
    assert summary["vol_ratio_rel"] >= VOL_RATIO_GOAL, summary
    others = [per_state[s]["fwd_vol"] for s in STATES if s != "volatile" and per_state[s]["n"] >= 30]
    assert per_state["volatile"]["fwd_vol"] > max(others)


@pytest.mark.xfail(strict=True, reason="issue 10 goal not met: trend sign hit rate 0.42-0.54, p >= 0.05 on every "
                                       "symbol; past returns (and five other causal trend definitions) carry no "
                                       "consistent 60-minute sign information on these bars (docs/ml_audit.md)")
@pytest.mark.parametrize("symbol", list(SYMBOLS.values()))
def test_goal_trending_states_predict_the_forward_sign(meaning, symbol):
    summary = meaning[symbol][1]
    assert summary["trend_n"] >= 100
    assert summary["trend_hit_rate"] > 0.5 and summary["trend_p"] < P_GOAL
