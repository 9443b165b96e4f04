"""How far could a causal filter on the detector's own observations get? (issue 10)

    RC_BINARY=build/ci/bin/regimecast python tests/ml/regime_oracle.py [--seeds 11,12] [--days 150]
        [--training-days 30]

For each simulator seed, generates the series `regime_audit.py`'s sim_agreement scores (its
`sim_series`: `sim --symbol INFY.NS --timeframe 5m --days 150 --seed S --end 2026-11-25T00:00:00Z --truth-out`,
`pipeline`) and reads the detector's states together with its hidden-Markov observations
(`regime --format csv --observations`: z, the de-seasonalised 1-bar return over its typical size,
and u, the de-seasonalised log volume against its reference, each empty where the bar carried no
evidence). Beside the detector it scores an ORACLE filter of the same form, whose parameters are
read off that seed's true labels (whole series, in-sample: what this form of filter gets with the
right fixed parameters, not a detector). It is not a strict upper bound: the observations are read
against expanding references whose level drifts with the regime mix, which the detector's refits
follow and fixed parameters cannot, so the detector beats it on some seeds. The strict bound is
`regime_exact_oracle.py`: the simulator's own model as a filter, on the bars.

- emissions: per true state a diagonal Gaussian of (z, u), each dimension's mean and variance from
  the state's bars where that dimension is present;
- transitions: counted from the true label sequence bar by bar (overnight included), each entry
  floored at TRANSITION_FLOOR before the rows are normalised; initial: the states' label shares;
- a forward filter in log space: a bar with only z or only u uses that dimension, a bar with
  neither only propagates the transitions;
- "argmax": the most probable filtered state; "hysteresis": the detector's rule on top
  (detector.cc, kHmm): a new argmax is adopted at once when its filtered probability leads the
  held state's by >= SWITCH_MARGIN, otherwise once it has been the argmax MIN_DWELL bars in a row
  (regime_audit.with_hysteresis, shared with regime_exact_oracle.py).
  The detector's other rules (warm-up, unknown on a flagged gap, the activity test) are not applied.

Scoring is sim_agreement's: truth merged with the detected states on ts, bars from the
(training_days + 1)-th trading day on; a true `unknown` bar counts as a bar (no oracle state
matches it; the detector matches it only by answering unknown). Prints a markdown table per seed,
the summary lines and the row-normalised confusions (true state -> answered state) summed over
seeds; writes nothing into the repository.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from regime_audit import (  # noqa: E402
    STATES, add_seed_arguments, after_training, regimecast_binary, seed_list, sim_series,
    with_hysteresis)

GOAL = 0.85
TRANSITION_FLOOR = 1e-4  # per-bar probability floor of every transition: no move is impossible


def fit_oracle(frame):
    """Per-state diagonal Gaussians of z and u and the transition matrix, from the true labels."""
    labels = frame["regime"].to_numpy()
    k = len(STATES)
    mean = np.zeros((k, 2))
    var = np.ones((k, 2))
    for s, name in enumerate(STATES):
        for d, col in enumerate(("z", "u")):
            x = frame.loc[labels == name, col].dropna().to_numpy(float)
            if len(x) >= 2:
                mean[s, d], var[s, d] = x.mean(), max(x.var(), 1e-6)
    index = {name: s for s, name in enumerate(STATES)}
    codes = np.array([index.get(name, -1) for name in labels])
    counts = np.zeros((k, k))
    pairs = (codes[:-1] >= 0) & (codes[1:] >= 0)
    np.add.at(counts, (codes[:-1][pairs], codes[1:][pairs]), 1)
    transition = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    transition = np.maximum(transition, TRANSITION_FLOOR)
    transition /= transition.sum(axis=1, keepdims=True)
    initial = np.bincount(codes[codes >= 0], minlength=k) + 1.0
    return mean, var, transition, initial / initial.sum()


def forward_filter(obs, mean, var, transition, initial):
    """Filtered state probabilities per bar (log-space forward recursion, normalised every bar)."""
    n, k = len(obs), len(initial)
    present = np.isfinite(obs)
    # Per-bar, per-state log density over the present dimensions only (0 where none is).
    safe = np.where(present, obs, 0.0)
    dens = -0.5 * (np.log(2 * np.pi * var)[None, :, :] + (safe[:, None, :] - mean[None, :, :]) ** 2 / var[None, :, :])
    log_emission = (dens * present[:, None, :]).sum(axis=2)
    out = np.empty((n, k))
    log_alpha = np.log(initial) + log_emission[0]
    for t in range(n):
        if t > 0:
            m = log_alpha.max()
            log_alpha = np.log(np.exp(log_alpha - m) @ transition) + m + log_emission[t]
        log_alpha -= np.logaddexp.reduce(log_alpha)
        out[t] = np.exp(log_alpha)
    return out


def score_seed(frame, training_days):
    mean, var, transition, initial = fit_oracle(frame)
    probabilities = forward_filter(frame[["z", "u"]].to_numpy(float), mean, var, transition, initial)
    names = np.array(STATES)
    frame = frame.assign(oracle=names[probabilities.argmax(axis=1)], oracle_hyst=names[with_hysteresis(probabilities)])
    scored = after_training(frame, training_days)
    return {col: (scored["regime"] == scored[col]).mean() for col in ("state", "oracle", "oracle_hyst")}, scored


def confusion(scored, col):
    """Bar counts, true state (rows; a true `unknown` has no row) by answered state (columns)."""
    answers = list(STATES) + ["unknown"]
    return pd.crosstab(scored["regime"], scored[col]).reindex(index=STATES, columns=answers, fill_value=0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_seed_arguments(parser)
    args = parser.parse_args()
    seeds = seed_list(args.seeds)
    binary = regimecast_binary()
    columns = {"state": "detector", "oracle": "oracle (argmax)", "oracle_hyst": "oracle (hysteresis)"}
    rows, confusions, unknown_truth = [], {col: 0 for col in columns}, 0
    for seed in seeds:
        with tempfile.TemporaryDirectory() as tmp:
            frame = sim_series(binary, seed, tmp, args.days, observations=True)
        scores, scored = score_seed(frame, args.training_days)
        unknown_truth += int((scored["regime"] == "unknown").sum())
        for col in columns:
            confusions[col] = confusions[col] + confusion(scored, col)
        rows.append((seed, scores, len(scored)))
        print(f"seed {seed}: " + ", ".join(f"{columns[c]} {v:.3f}" for c, v in scores.items()) + f", n {len(scored)}",
              file=sys.stderr, flush=True)

    print(f"#### Detector vs an in-sample oracle filter on the same observations (INFY.NS 5m, {args.days} days, "
          f"after {args.training_days} sessions)\n")
    print("| seed | " + " | ".join(columns.values()) + " | n |")
    print("|---|" + "---:|" * (len(columns) + 1))
    for seed, scores, n in rows:
        print(f"| {seed} | " + " | ".join(f"{scores[c]:.3f}" for c in columns) + f" | {n} |")
    means = {c: np.mean([s[c] for _, s, _ in rows]) for c in columns}
    mins = {c: min((s[c], seed) for seed, s, _ in rows) for c in columns}
    hits = {c: sum(s[c] >= GOAL for _, s, _ in rows) for c in columns}
    print(f"| mean ({len(rows)} seeds) | " + " | ".join(f"**{means[c]:.3f}**" for c in columns) + " | |")
    print("| min (seed) | " + " | ".join(f"{mins[c][0]:.3f} ({mins[c][1]})" for c in columns) + " | |")
    print(f"| seeds >= {GOAL} | " + " | ".join(f"{hits[c]}/{len(rows)}" for c in columns) + " | |")
    below = [seed for seed, s, _ in rows if s["oracle"] < GOAL]
    below_hyst = [seed for seed, s, _ in rows if s["oracle_hyst"] < GOAL]
    print(f"\nOracle (argmax) below {GOAL} on: {below or 'none'}; oracle (hysteresis) below {GOAL} on: "
          f"{below_hyst or 'none'}. True `unknown` bars scored: {unknown_truth}.")
    for col in columns:
        table = confusions[col]
        share = table.div(table.sum(axis=1), axis=0)
        print(f"\n#### {columns[col]}: true state (rows) -> answered state, row-normalised, summed over seeds\n")
        print("| true \\ answered | " + " | ".join(share.columns) + " | bars |")
        print("|---|" + "---:|" * (len(share.columns) + 1))
        for name in share.index:
            cells = " | ".join(f"{v:.3f}" for v in share.loc[name])
            print(f"| {name} | {cells} | {int(table.loc[name].sum())} |")


if __name__ == "__main__":
    main()
