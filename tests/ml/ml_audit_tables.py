"""Regenerates the real-data tables of docs/ml_audit.md (forecast quality, bands, regime meaning).

    RC_BINARY=build/ci/bin/regimecast python tests/ml/ml_audit_tables.py [--horizons 15,60,180]

Imports ../shared/data/nse-5m (TCS, INFY, RELIANCE) into a temporary lake, runs `regimecast
pipeline` and, per symbol and horizon, a walk-forward `regimecast backtest --json --out` over the
last 40 % of the bars, then prints the markdown tables (the last one, bands by time of day, from the
per-prediction rows). Nothing is written into the repository.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

import pandas as pd

from nse_data import (BACKTEST_END, REGIME_TOLERANCE, SYMBOLS, TIME_OF_DAY, band_outcomes_by_time_of_day, fmt,
                      import_symbols, min_judged_count, run_regimecast)

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared" / "data" / "nse-5m"


def run(binary, *args, env):
    return run_regimecast(binary, *args, env=env)


def per_level(bands, key, scale, digits):
    return " / ".join(f"{scale * b[key]:.{digits}f}" for b in bands)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--horizons", default="15,60,180", help="minutes, comma separated")
    args = parser.parse_args()
    binary = Path(os.environ.get("RC_BINARY", REPO / "build" / "ci" / "bin" / "regimecast"))
    if not SHARED.is_dir():
        sys.exit(f"{SHARED} is not present")
    horizons = [h.strip() for h in args.horizons.split(",") if h.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        env = {"DATA_DIR": str(Path(tmp) / "data"), "HORIZONS_MINUTES": ",".join(horizons)}
        starts = import_symbols(lambda *a, env: run(binary, *a, env=env), SHARED, env)
        run(binary, "pipeline", env=env)
        results, rows = {}, {}
        for symbol in SYMBOLS.values():
            for h in horizons:
                per_prediction = Path(tmp) / f"{symbol}-{h}.csv"
                out = run(binary, "backtest", "--symbol", symbol, "--timeframe", "5m", "--horizon-minutes", h,
                          "--from", starts[symbol], "--to", BACKTEST_END, "--json", "--out", per_prediction, env=env)
                results[(symbol, h)] = json.loads(out)
                rows[(symbol, h)] = pd.read_csv(per_prediction)

    print("### Forecast vs the random walk (walk-forward backtest, last 40 % of each series)\n")
    print("| symbol | horizon | n | MAPE | naive MAPE | ratio | DM t (EWC) | dir. acc. [95 % CI] | families with weight | no signal |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for (symbol, h), s in results.items():
        da = s["directional_accuracy"]
        weighted = ", ".join(f"{f['family']} {f['pooled_weight']:.2f}" for f in s["families"] if f["pooled_weight"] > 0)
        print(f"| {symbol} | {h} | {s['model']['n']} | {100 * s['model']['mape']:.4f} % | {100 * s['naive']['mape']:.4f} % "
              f"| {s['mape_ratio']:.4f} | {fmt(s['model_vs_naive']['dm_stat'], 2)} | {fmt(da['value'])} "
              f"[{fmt(da['ci95_low'])}, {fmt(da['ci95_high'])}] | {weighted} | {', '.join(s['no_signal']) or '–'} |")

    print("\n### Bands: coverage, mean width, interval score (volatility-scaled vs the old unscaled method)\n")
    print("| symbol | horizon | coverage 50/80/95 | old coverage | width 80 % | old width 80 % | IS 80 | old IS 80 | IS 95 | old IS 95 |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for (symbol, h), s in results.items():
        new, old = s["model"]["bands"], s["model_unscaled_bands"]["bands"]
        print(f"| {symbol} | {h} | {' / '.join(fmt(b['coverage']) for b in new)} | {' / '.join(fmt(b['coverage']) for b in old)} "
              f"| {100 * new[1]['mean_width']:.3f} % | {100 * old[1]['mean_width']:.3f} % "
              f"| {new[1]['interval_score']:.5f} | {old[1]['interval_score']:.5f} "
              f"| {new[2]['interval_score']:.5f} | {old[2]['interval_score']:.5f} |")

    gamma = next(iter(results.values()))["reference_gamma"]
    print(f"\n### Bands: served (tail-shrunk per regime, ACI step 0.01) vs the reference (threshold rule, ACI step {gamma}), same run\n")
    print("| symbol | horizon | coverage 50/80/95 | reference coverage | mean width 50/80/95 | reference width | IS 50/80/95 | reference IS |")
    print("|---|---|---|---|---|---|---|---|")
    totals = {"served": [[0.0] * 3, [0.0] * 3], "reference": [[0.0] * 3, [0.0] * 3]}
    for (symbol, h), s in results.items():
        new, ref = s["model"]["bands"], s["model_reference_bands"]["bands"]
        for name, bands in (("served", new), ("reference", ref)):
            for i, b in enumerate(bands):
                totals[name][0][i] += b["mean_width"] / len(results)
                totals[name][1][i] += b["interval_score"] / len(results)
        print(f"| {symbol} | {h} | {' / '.join(fmt(b['coverage']) for b in new)} | {' / '.join(fmt(b['coverage']) for b in ref)} "
              f"| {per_level(new, 'mean_width', 100, 3)} % | {per_level(ref, 'mean_width', 100, 3)} % "
              f"| {per_level(new, 'interval_score', 1, 5)} | {per_level(ref, 'interval_score', 1, 5)} |")
    for name, (w, iscore) in totals.items():
        print(f"| **mean, {name}** | | | | {' / '.join(f'{100 * x:.3f}' for x in w)} % | | {' / '.join(f'{x:.5f}' for x in iscore)} | |")

    thresholds = [min_judged_count(level) for level in (0.5, 0.8, 0.95)]
    print(f"\n### Coverage per regime (50/80/95): served vs reference, same run\n")
    print(f"A level is judged (±{100 * REGIME_TOLERANCE:.0f} points) when n ≥ {' / '.join(map(str, thresholds))} "
          "at 50 / 80 / 95 %; **bold** = judged and off, *italic* = off but not judged.\n")
    print("| symbol | horizon | regime | n | judged levels | coverage | reference coverage |")
    print("|---|---|---|---|---|---|---|")
    counts = {"served": [0, 0, 0, 0], "reference": [0, 0, 0, 0]}  # judged level-cells ok, judged, cells all-ok, cells

    def cell(cov, n, tally):
        parts, all_ok = [], True
        for level, c, need in zip((0.5, 0.8, 0.95), cov, thresholds):
            off = abs(c - level) > REGIME_TOLERANCE + 1e-12
            all_ok = all_ok and not off
            if n >= need:
                tally[1] += 1
                tally[0] += not off
            parts.append((f"**{c:.3f}**" if n >= need else f"*{c:.3f}*") if off else f"{c:.3f}")
        tally[3] += 1
        tally[2] += all_ok
        return " / ".join(parts)

    for (symbol, h), s in results.items():
        for reg, entry in s["regimes"].items():
            n = entry["model"]["n"]
            judged = ", ".join(f"{int(100 * lv)}" for lv, need in zip((0.5, 0.8, 0.95), thresholds) if n >= need) or "none"
            served = cell([b["coverage"] for b in entry["model"]["bands"]], n, counts["served"])
            ref = cell([b["coverage"] for b in entry["reference"]["bands"]], n, counts["reference"])
            print(f"| {symbol} | {h} | {reg} | {n} | {judged} | {served} | {ref} |")
    for name, (ok, judged, cells_ok, cells) in counts.items():
        print(f"\n{name}: judged level cells within ±5: {ok} / {judged}; regime cells within ±5 at every level: "
              f"{cells_ok} / {cells}")
    overall = {name: sum(all(abs(b["coverage"] - lv) <= 0.02 + 1e-12 for b, lv in zip(s[key]["bands"], (0.5, 0.8, 0.95)))
                         for s in results.values())
               for name, key in (("served", "model"), ("reference", "model_reference_bands"))}
    print(f"\noverall coverage within ±2 points at 50/80/95: served {overall['served']} / {len(results)}, "
          f"reference {overall['reference']} / {len(results)}")

    print("\n### Do the regimes mean what their names say? (real bars, next horizon after the state)\n")
    print("| symbol | horizon | fwd vol volatile / range_bound | trending sign agreement | z (HAC) | n trending |")
    print("|---|---|---|---|---|---|")
    for (symbol, h), s in results.items():
        m = s["regime_meaning"]
        t = m["trending"]
        print(f"| {symbol} | {h} | {fmt(m['volatile_to_range_vol'], 2)} | {fmt(t['sign_agreement'])} "
              f"| {fmt(t['sign_z'], 2)} | {t['n']} |")

    print_coverage_by_time_of_day(rows)


def print_coverage_by_time_of_day(rows):
    """Coverage of the served 80 / 95 % bands by the time of day the forecast was made, and by whether
    its horizon crosses the session's close (backtest --out: realized_close beside each band)."""
    print("\n### Bands by time of day of the forecast (coverage 80 / 95 %, n)\n")
    print("| symbol | horizon | " + " | ".join(name for name, _, _ in TIME_OF_DAY)
          + " | within the session | across the close |")
    print("|---|---|" + "---|" * (len(TIME_OF_DAY) + 2))
    for (symbol, h), table in rows.items():
        o = band_outcomes_by_time_of_day(table, int(h))

        def cell(mask):
            n = int(mask.sum())
            return f"{o.inside80[mask].mean():.3f} / {o.inside95[mask].mean():.3f} ({n})" if n else "–"

        cells = [cell((o.minute >= lo) & (o.minute < hi)) for _, lo, hi in TIME_OF_DAY]
        print(f"| {symbol} | {h} | " + " | ".join(cells) + f" | {cell(~o.crosses_close)} | {cell(o.crosses_close)} |")


if __name__ == "__main__":
    main()
