"""Regenerates the pooled-model table of docs/ml_audit.md (issue 10, goal 2).

    RC_BINARY=build/ci/bin/regimecast python tests/ml/pooled_audit_table.py [--horizons 15,60,180]
        [--source nse|sim] [--seeds 21,22,23] [--learners ridge,gbdt]

Per symbol and horizon, a walk-forward `regimecast backtest --json` over the last 40 % of
the bars, once without and once per learner with `--pooled` (the pooled model trained
across every series of the lake on time-cut folds). Prints the ensemble's MAPE ratio to
naive with and without the pooled family, and the pooled family's own forecasts: MAPE
ratio, directional accuracy with its Wilson 95 % interval (at the HAC effective n),
its gating weight and DM statistic. `--source nse` reads ../shared/data/nse-5m (TCS, INFY,
RELIANCE); `--source sim` simulates three symbols, one seed each (independent markets).
Nothing is written into the repository.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

from nse_data import BACKTEST_END, SYMBOLS, fmt, import_symbols, run_regimecast

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared" / "data" / "nse-5m"
SIM_DAYS = 90
SIM_END = "2026-11-25T00:00:00Z"


def run(binary, *args, env):
    return run_regimecast(binary, *args, env=env)


def simulate(binary, seeds, env):
    """Three simulated symbols (one seed each); the backtest starts at 60 % of the days."""
    import pandas as pd
    starts = {}
    for symbol, seed in zip(SYMBOLS.values(), seeds):
        csv = Path(env["DATA_DIR"]).parent / f"{symbol}.csv"
        run(binary, "sim", "--symbol", symbol, "--timeframe", "5m", "--days", SIM_DAYS, "--seed", seed,
            "--end", SIM_END, env=env)
        run(binary, "sim", "--symbol", symbol, "--timeframe", "5m", "--days", SIM_DAYS, "--seed", seed,
            "--end", SIM_END, "--out", csv, env=env)
        ts = pd.to_datetime(pd.read_csv(csv, usecols=["ts"])["ts"])
        starts[symbol] = ts.iloc[int(len(ts) * 0.6)].strftime("%Y-%m-%dT00:00:00Z")
    return starts


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--horizons", default="15,60,180", help="minutes, comma separated")
    parser.add_argument("--source", choices=["nse", "sim"], default="nse")
    parser.add_argument("--seeds", default="21,22,23", help="with --source sim: one seed per symbol")
    parser.add_argument("--learners", default="ridge,gbdt", help="pooled learners to run")
    args = parser.parse_args()
    binary = Path(os.environ.get("RC_BINARY", REPO / "build" / "ci" / "bin" / "regimecast"))
    horizons = [h.strip() for h in args.horizons.split(",") if h.strip()]
    learners = [x.strip() for x in args.learners.split(",") if x.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        env = {"DATA_DIR": str(Path(tmp) / "data"), "HORIZONS_MINUTES": ",".join(horizons)}
        if args.source == "nse":
            if not SHARED.is_dir():
                sys.exit(f"{SHARED} is not present")
            starts = import_symbols(lambda *a, env: run(binary, *a, env=env), SHARED, env)
            end = BACKTEST_END
        else:
            starts = simulate(binary, [int(s) for s in args.seeds.split(",")], env)
            end = SIM_END
        run(binary, "pipeline", env=env)
        rows = []
        for symbol, start in starts.items():
            for h in horizons:
                base = ["backtest", "--symbol", symbol, "--timeframe", "5m", "--horizon-minutes", h,
                        "--from", start, "--to", end, "--json"]
                plain = json.loads(run(binary, *base, env=env))
                for learner in learners:
                    pooled = json.loads(run(binary, *base, "--pooled", "--pooled-learner", learner, env=env))
                    rows.append((symbol, h, learner, plain, pooled))

    print("| symbol | horizon | learner | n | ensemble ratio, no pooled | ensemble ratio, with pooled "
          "| ensemble dir. acc. [Wilson 95 %] | pooled alone: ratio | pooled dir. acc. [Wilson 95 %] "
          "| pooled weight | pooled DM t |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for symbol, h, learner, plain, pooled in rows:
        da = pooled["directional_accuracy"]
        alone = next((f for f in pooled["family_forecasts"] if f["family"] == "pooled"), None)
        verdict = next((f for f in pooled["families"] if f["family"] == "pooled"), None)
        pda = alone["directional_accuracy"] if alone else {}
        print(f"| {symbol} | {h} | {learner} | {pooled['model']['n']} | {plain['mape_ratio']:.4f} "
              f"| {pooled['mape_ratio']:.4f} | {fmt(da['value'])} [{fmt(da['wilson95_low'])}, {fmt(da['wilson95_high'])}] "
              f"| {fmt(alone and alone['mape_ratio'], 4)} "
              f"| {fmt(pda.get('value'))} [{fmt(pda.get('wilson95_low'))}, {fmt(pda.get('wilson95_high'))}] "
              f"| {fmt(verdict and verdict['pooled_weight'], 2)} | {fmt(verdict and verdict['skill_vs_naive']['dm_stat'], 2)} |")


if __name__ == "__main__":
    main()
