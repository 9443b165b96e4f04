"""How far can ANY causal detector get on the simulator? (issue 10, regime agreement >= 0.85)

    RC_BINARY=build/ci/bin/regimecast python tests/ml/regime_exact_oracle.py [--seeds 11,12] [--days 150]
        [--training-days 30] [--without anchors,overnight,volume,returns] [--by-spell-age]

`regime_oracle.py` scores a filter of the detector's own form (two observations per bar) with
parameters read off the truth. This script goes further: an EXACT-MODEL filter, the forward
recursion of the simulator's own generative model (backend/src/data/sim/market_simulator.cc) with
its true parameters, run on the bars themselves. Per bar it uses everything that model says the
open, close, volume and time carry:

- the return over the bar given the regime AND, for the mean-reverting regimes (range_bound,
  volatile), the anchor the price reverts to: the open of the bar the spell began on, so the
  filter carries one hypothesis per possible spell start (a run-length filter, pruned below
  1e-12 of the total);
- the intraday U-shaped volatility and volume profile at the bar's place in the session, the
  4-substep mean-reversion path, the price's rounding to 0.01;
- the volume: log-normal around base_volume x profile x the regime's multiplier;
- the overnight gap: the first open of a day lies 3 x the regime's volatility away from the
  previous close (the regime held at the close; the anchor is kept across the night);
- feed gaps: a missing bar is the `unknown` regime (nothing is emitted), after which the regime
  is drawn from unknown's transition row and a new spell (anchor) begins; an observed bar rules
  out `unknown`;
- switching: a regime is left at the start of a bar with probability 1 - exp(-1/mean_duration)
  for the next regime drawn by the transition weights.

Not used: the bars' high and low. The true parameters are fixed in the script from the
simulator's defaults (SimConfig::DefaultRegimes, DefaultTransitions, base_volume 50,000) and the
script stops if the simulated bars do not match them (volume level).

The most probable regime of the filtered posterior maximises the expected number of bars
agreeing with the truth among all detectors that see the same bars up to t (the Bayes decision
rule for per-bar agreement), so up to the unused high/low and the filter's pruning, its agreement
is what no causal detector can beat on expectation. It is also scored under the detector's
switching rule (hysteresis: min_dwell, switch_margin; regime_audit.with_hysteresis), which the
product keeps. Scored as `regime_audit.py`'s sim_agreement (INFY.NS 5m, bars from the
(training_days + 1)-th session on). Prints a markdown table per seed beside the detector and the
summary; writes nothing into the repository.
"""
from __future__ import annotations

import argparse
import math
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from regime_audit import (  # noqa: E402
    STATES, add_seed_arguments, after_training, regimecast_binary, run, seed_list, sim_series,
    with_hysteresis)

GOAL = 0.85
# The simulator's defaults (market_simulator.cc), in the order of regime/regime.h:
# trending_up, trending_down, range_bound, volatile, neutral, unknown.
DRIFT = np.array([+0.00030, -0.00030, 0.0, 0.0, 0.0, 0.0])
VOL = np.array([0.0012, 0.0015, 0.0010, 0.0040, 0.0012, 0.0012])
KAPPA = np.array([0.00, 0.00, 0.08, 0.01, 0.00, 0.00])
VOLUME_MULT = np.array([1.15, 1.25, 0.80, 1.80, 1.00, 1.00])
DURATION = np.array([120, 100, 150, 60, 150, 12], dtype=float)
WEIGHTS = np.array([
    [0.00, 0.15, 0.30, 0.15, 0.36, 0.04],
    [0.15, 0.00, 0.30, 0.20, 0.31, 0.04],
    [0.25, 0.25, 0.00, 0.10, 0.36, 0.04],
    [0.20, 0.20, 0.20, 0.00, 0.36, 0.04],
    [0.25, 0.25, 0.25, 0.21, 0.00, 0.04],
    [0.20, 0.20, 0.20, 0.10, 0.30, 0.00],
])
BASE_VOLUME = 50_000.0
VOLUME_SIGMA = 0.35
SUBSTEPS = 4
UNKNOWN = 5
EMITTING = 5  # regimes 0..4 emit bars
MEAN_REVERTING = (2, 3)
SESSION_OPEN_MIN = 3 * 60 + 45    # NSE 09:15 IST in UTC minutes
SESSION_MINUTES = 375.0           # 09:15-15:30
LAST_BAR_MIN = SESSION_OPEN_MIN + 370
PRUNE = 1e-12

LEAVE = 1.0 - np.exp(-1.0 / DURATION)
NEXT = WEIGHTS / WEIGHTS.sum(axis=1, keepdims=True)  # the diagonal is 0: where a regime goes when left


def ushape(u):
    x = 2.0 * u - 1.0
    return 0.55 + 1.35 * x * x


def log_normal_pdf(x, mean, var):
    return -0.5 * (np.log(2 * np.pi * var) + (x - mean) ** 2 / var)


def return_moments(k, open_log, anchors, sigma):
    """Mean and variance of the bar's log return in regime k from `open_log` (anchors: one per spell
    hypothesis of a mean-reverting regime), after SUBSTEPS steps of the simulator's update."""
    c = 1.0 - KAPPA[k] / SUBSTEPS
    if KAPPA[k] == 0:
        return DRIFT[k], sigma * sigma
    ck = c ** SUBSTEPS
    mean = (ck - 1.0) * (open_log - anchors) + DRIFT[k] / SUBSTEPS * (1.0 - ck) / (1.0 - c)
    var = sigma * sigma / SUBSTEPS * (1.0 - c ** (2 * SUBSTEPS)) / (1.0 - c * c)
    return mean, var


def exact_filter(bars, without=frozenset()):
    """The filtered probabilities of regimes 0..4 per bar (rows) under the simulator's model,
    causally, and per bar whether a feed gap restarted the filter before it. `without` leaves parts
    of the evidence out, to see what each is worth: "anchors" (mean reversion read as no drift),
    "overnight" (the opening gap's size), "volume", "returns"."""
    ts = bars["ts"]
    minute = (ts.dt.hour * 60 + ts.dt.minute).to_numpy()
    day = ts.dt.date.to_numpy()
    opens = np.log(bars["open"].to_numpy(float))
    closes = np.log(bars["close"].to_numpy(float))
    volume = np.log(np.maximum(bars["volume"].to_numpy(float), 1.0))
    # Prices are rounded to 0.01: the open and the close each carry a uniform rounding error.
    rounding_var = (0.01 ** 2 / 12.0) * (np.exp(-2 * opens) + np.exp(-2 * closes))
    step = (ts.diff().dt.total_seconds() / 60.0).to_numpy()

    # Mass per plain regime, and for each mean-reverting one its spell hypotheses (anchor, mass).
    plain = np.full(EMITTING, 1.0 / EMITTING)
    anchors = {k: np.array([opens[0]]) for k in MEAN_REVERTING}
    mass = {k: np.array([plain[k]]) for k in MEAN_REVERTING}
    posteriors = np.empty((len(bars), EMITTING))
    restarts = np.zeros(len(bars), dtype=bool)

    def regime_totals():  # each regime's mass, its spell hypotheses summed
        return np.array([mass[k].sum() if k in MEAN_REVERTING else plain[k] for k in range(EMITTING)])

    for t in range(len(bars)):
        first_of_day = t > 0 and day[t] != day[t - 1]
        feed_gap = t > 0 and (
            (not first_of_day and step[t] > 5.0 + 1e-9)
            or (first_of_day and (minute[t - 1] != LAST_BAR_MIN or minute[t] != SESSION_OPEN_MIN)))
        totals = regime_totals()
        if t > 0 and feed_gap:
            restarts[t] = True
            # An unknown spell: the regime after it is drawn from unknown's row, a new spell begins.
            totals = NEXT[UNKNOWN, :EMITTING].copy()
            plain = totals.copy()
            for k in MEAN_REVERTING:
                anchors[k], mass[k] = np.array([opens[t]]), np.array([totals[k]])
        elif t > 0:
            if first_of_day and "overnight" not in without:
                # The overnight gap's size, in the regime held at the close.
                gap = opens[t] - closes[t - 1]
                weight = np.exp(log_normal_pdf(gap, 0.0, (3.0 * VOL[:EMITTING]) ** 2))
                plain = plain * weight
                for k in MEAN_REVERTING:
                    mass[k] = mass[k] * weight[k]
                totals = totals * weight
            # Switching at the bar's start; what moves into unknown is ruled out by the observed bar.
            inflow = (totals * LEAVE[:EMITTING]) @ NEXT[:EMITTING, :EMITTING]
            plain = totals * (1.0 - LEAVE[:EMITTING]) + inflow
            for k in MEAN_REVERTING:
                anchors[k] = np.append(anchors[k], opens[t])
                mass[k] = np.append(mass[k] * (1.0 - LEAVE[k]), inflow[k])
        # Emission: return (with the anchor for mean-reverting regimes) and volume.
        u = min(max((minute[t] - SESSION_OPEN_MIN) / SESSION_MINUTES, 0.0), 1.0)
        shape = ushape(u)
        sigma = VOL[:EMITTING] * math.sqrt(shape)
        ret = closes[t] - opens[t]
        volume_mean = np.log(BASE_VOLUME * shape * VOLUME_MULT[:EMITTING]) - VOLUME_SIGMA ** 2 / 2
        log_vol = log_normal_pdf(volume[t], volume_mean, VOLUME_SIGMA ** 2)
        log_like = {}
        for k in range(EMITTING):
            if "anchors" in without and k in MEAN_REVERTING:  # every spell hypothesis alike: a plain walk
                mean, var = np.zeros_like(anchors[k]), np.full_like(anchors[k], sigma[k] ** 2)
            else:
                mean, var = return_moments(k, opens[t], anchors.get(k), sigma[k])
            log_like[k] = ((0.0 if "returns" in without else log_normal_pdf(ret, mean, var + rounding_var[t]))
                           + (0.0 if "volume" in without else log_vol[k]))
        shift = max(float(np.max(v)) for v in log_like.values())  # one common scale: no overflow
        for k in range(EMITTING):
            if k in MEAN_REVERTING:
                mass[k] = mass[k] * np.exp(log_like[k] - shift)
            else:
                plain[k] = plain[k] * math.exp(log_like[k] - shift)
        totals = regime_totals()
        z = totals.sum()
        plain /= z
        totals /= z
        for k in MEAN_REVERTING:
            mass[k] = mass[k] / z
            keep = mass[k] > PRUNE
            anchors[k], mass[k] = anchors[k][keep], mass[k][keep]
        posteriors[t] = totals
    return posteriors, restarts


def sim_bars(binary, seed, workdir, days):
    """The seed's bars as `sim_series` simulates them (same seed, symbol and range: the same bars)."""
    out = Path(workdir) / f"bars{seed}.csv"
    run(binary, "sim", "--symbol", "INFY.NS", "--timeframe", "5m", "--days", days, "--seed", seed,
        "--end", "2026-11-25T00:00:00Z", "--out", out, env={"DATA_DIR": str(Path(workdir) / "unused")})
    bars = pd.read_csv(out)
    bars["ts"] = pd.to_datetime(bars["ts"], utc=True)
    return bars


def volume_level(bars):
    """The bars' typical volume at mid-session shape 1 (the simulator's base_volume)."""
    minute = bars["ts"].dt.hour * 60 + bars["ts"].dt.minute
    shape = ushape(((minute - SESSION_OPEN_MIN) / SESSION_MINUTES).clip(0, 1))
    return float(np.exp(np.median(np.log(bars["volume"]) - np.log(shape))))


def spell_age(regimes):
    """Bars since the true regime last changed, per bar (0 on a spell's first bar)."""
    values = np.asarray(regimes)
    age = np.zeros(len(values), dtype=int)
    for i in range(1, len(values)):
        age[i] = age[i - 1] + 1 if values[i] == values[i - 1] else 0
    return age


# Spell-age buckets of the --by-spell-age table: [0, 6) bars (the first half hour of a spell) ...
SPELL_AGE_EDGES = (0, 6, 24, 48, 96)


def by_spell_age(scored):
    """Agreement of the detector and of the bound per spell-age bucket (scored: score_seed frames,
    any number of seeds): rows of (bucket, share of bars, detector, bound, points the detector loses
    there to the bound in the overall agreement)."""
    bucket = np.searchsorted(SPELL_AGE_EDGES, scored["spell_age"].to_numpy(), side="right") - 1
    rows = []
    for i, low in enumerate(SPELL_AGE_EDGES):
        part = scored[bucket == i]
        high = SPELL_AGE_EDGES[i + 1] - 1 if i + 1 < len(SPELL_AGE_EDGES) else None
        share = len(part) / len(scored)
        detector = (part["regime"] == part["state"]).mean()
        bound = (part["regime"] == part["exact"]).mean()
        rows.append((f"{low}-{high}" if high is not None else f">= {low}", share, detector, bound,
                     100 * share * (bound - detector)))
    return rows


def score_seed(frame, bars, training_days, without=frozenset()):
    """`frame` (sim_series: truth and detector) with the exact filter's answer (`exact`: its most
    probable state; `exact_held`: under the detector's switching rule) and each bar's spell age (bars
    since the true regime changed), scored bars only."""
    frame = frame.assign(spell_age=spell_age(frame["regime"]))
    level = volume_level(bars)
    if abs(math.log(level / BASE_VOLUME)) > 0.5:
        sys.exit(f"the bars' volume level {level:.0f} is not the simulator default {BASE_VOLUME:.0f}: "
                 "the parameters in this script are not the ones simulated")
    posteriors, restarts = exact_filter(bars, without)
    bars = bars.assign(exact=np.array(STATES)[np.argmax(posteriors, axis=1)],
                       exact_held=np.array(STATES)[with_hysteresis(posteriors, restarts)])
    return after_training(frame.merge(bars[["ts", "exact", "exact_held"]], on="ts"), training_days)


# The answers scored per seed: the detector's, the exact filter's most probable state, and the exact
# filter's under the detector's switching rule (min_dwell, switch_margin: what keeping hysteresis costs).
ANSWERS = (("state", "detector"), ("exact", "exact-model filter"),
           ("exact_held", "exact-model filter with the detector's switching rule"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_seed_arguments(parser)
    parser.add_argument("--without", default="", help="evidence left out, comma-separated: anchors, overnight, "
                        "volume, returns (an ablation; the default uses all)")
    parser.add_argument("--by-spell-age", action="store_true",
                        help="also tabulate both agreements by spell age (bars since the true regime changed) "
                        "and, in spells at least 48 bars old, per true state")
    args = parser.parse_args()
    without = frozenset(filter(None, args.without.split(",")))
    seeds = seed_list(args.seeds)
    binary = regimecast_binary()
    rows, scored_seeds = [], []
    for seed in seeds:
        with tempfile.TemporaryDirectory() as tmp:
            frame = sim_series(binary, seed, tmp, args.days)
            bars = sim_bars(binary, seed, tmp, args.days)
        scored = score_seed(frame, bars, args.training_days, without)
        scored_seeds.append(scored)
        scores = {col: (scored["regime"] == scored[col]).mean() for col, _ in ANSWERS}
        rows.append((seed, scores, len(scored)))
        print(f"seed {seed}: " + ", ".join(f"{label} {scores[col]:.3f}" for col, label in ANSWERS) +
              f", n {len(scored)}", file=sys.stderr, flush=True)

    print(f"#### Detector vs the exact-model filter (INFY.NS 5m, {args.days} days, after {args.training_days} "
          "sessions)\n")
    print("| seed | " + " | ".join(label for _, label in ANSWERS) + " | n |")
    print("|---|" + "---:|" * (len(ANSWERS) + 1))
    for seed, scores, n in rows:
        print(f"| {seed} | " + " | ".join(f"{scores[col]:.3f}" for col, _ in ANSWERS) + f" | {n} |")
    for col, label in ANSWERS:
        values = [s[col] for _, s, _ in rows]
        low = min((s[col], seed) for seed, s, _ in rows)
        print(f"\n{label}: mean {np.mean(values):.3f}, min {low[0]:.3f} (seed {low[1]}), "
              f">= {GOAL} on {sum(v >= GOAL for v in values)}/{len(values)} seeds; below on "
              f"{[seed for seed, s, _ in rows if s[col] < GOAL] or 'none'}")
    if args.by_spell_age:
        print_by_spell_age(pd.concat(scored_seeds))


def print_by_spell_age(scored):
    """Where the detector loses to the bound: by the true spell's age, then per true state in old spells."""
    print("\n#### By spell age (bars since the true regime changed), all seeds\n")
    print("| spell age (bars) | share of bars | detector | exact-model filter | points lost |")
    print("|---|---:|---:|---:|---:|")
    for bucket, share, detector, bound, lost in by_spell_age(scored):
        print(f"| {bucket} | {share:.3f} | {detector:.3f} | {bound:.3f} | {lost:.2f} |")
    settled = scored[scored["spell_age"] >= 48]
    print("\n#### In spells at least 48 bars old, per true state: share answered right, and the detector's "
          "most frequent wrong answer\n")
    print("| true state | bars | detector | exact-model filter | detector's most frequent error (share) |")
    print("|---|---:|---:|---:|---|")
    for state in STATES:
        part = settled[settled["regime"] == state]
        if part.empty:
            continue
        wrong = part.loc[part["state"] != state, "state"].value_counts()
        error = f"{wrong.index[0]} ({wrong.iloc[0] / len(part):.3f})" if len(wrong) else "none"
        print(f"| {state} | {len(part)} | {(part['state'] == state).mean():.3f} | "
              f"{(part['exact'] == state).mean():.3f} | {error} |")


if __name__ == "__main__":
    main()
