"""Do the detected regimes mean what their names say on real bars? (issue 10, goal 4)

    RC_BINARY=build/ci/bin/regimecast python tests/ml/regime_audit.py [--forward-bars 12] [--sim-seeds 11,12]
        [--tuning-seeds 1,2,3]

Imports ../shared/data/nse-5m (TCS, INFY, RELIANCE) into a temporary lake, runs `regimecast
pipeline` and `regimecast regime --format csv` (the service's own detector, one state per bar,
each from bars <= t only), then measures what happened over a fixed forward window of
`--forward-bars` 5-minute bars after every bar (default 12 = 60 minutes; the window must lie
inside the bar's session, so no overnight gap counts):

- forward realized vol: sqrt(mean of the squared 1-bar log returns in the window), averaged per
  state; also divided by the same quantity's time-of-day mean (all days, a description of the
  data, not an input to the detector) to show that `volatile` is not just "the open";
- forward return sign: log(close[t+h] / close[t]); a `trending_up` bar hits when it is > 0, a
  `trending_down` bar when it is < 0 (a zero counts 1/2). The test statistic is z = (hit rate -
  1/2) / its Newey-West standard error with h-1 lags (the windows of neighbouring bars overlap,
  so plain binomial counting would overstate the evidence), one-sided p = 1 - Phi(z). The exact
  binomial p-value on non-overlapping windows (every h-th trending bar) is printed beside it.

The first SKIP_SESSIONS sessions (the model's first fits) are not scored. Beside the detector it
scores a fixed list of other causal trend definitions (TREND_DEFINITIONS: sign of the return since
the open, of a strong 36-bar move, side of the VWAP, EMA cross, previous session) the same way.
With --sim-seeds (held out) and --tuning-seeds it also scores agreement with the product
simulator's truth on those seeds (as tests/ml/test_regime_agreement.py does), labelled by role. Prints the markdown tables of docs/ml_audit.md; writes
nothing into the repository.
"""
from __future__ import annotations

import argparse
import csv
import io
import math
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from nse_data import SYMBOLS  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared" / "data" / "nse-5m"
FORWARD_BARS = 12   # 60 minutes of 5-minute bars
SKIP_SESSIONS = 10  # the detector's first Baum-Welch fits happen inside these
STATES = ("trending_up", "trending_down", "range_bound", "volatile", "neutral")
MOMENTUM_LOOKBACKS = (12, 36, 72)  # bars of past return in the no-detector baseline
IST_OFFSET = pd.Timedelta(hours=5, minutes=30)  # the NSE CSVs hold IST wall-clock open times
SWITCH_MARGIN = 0.10  # DetectorOptions::switch_margin
MIN_DWELL = 3         # DetectorOptions::min_dwell


def run(binary, *args, env):
    proc = subprocess.run([str(binary), *map(str, args)], capture_output=True, text=True,
                          env={**os.environ, **env}, timeout=600)
    if proc.returncode != 0:
        raise RuntimeError(f"regimecast {' '.join(map(str, args))} failed ({proc.returncode}):\n{proc.stderr}")
    return proc.stdout


def detected_states(binary, symbol, env):
    out = run(binary, "regime", "--symbol", symbol, "--timeframe", "5m", "--history", "10000000",
              "--format", "csv", env=env)
    states = pd.DataFrame(list(csv.DictReader(io.StringIO(out))))
    states["ts"] = pd.to_datetime(states["ts"], utc=True)
    return states[["ts", "state"]]


def nse_closes(path):
    bars = pd.read_csv(path, usecols=["datetime", "close"])
    bars["ts"] = (pd.to_datetime(bars["datetime"]) - IST_OFFSET).dt.tz_localize("UTC")
    return bars[["ts", "close"]]


def newey_west_z(hits, lags):
    """(mean - 1/2) / Newey-West standard error of the mean with `lags` Bartlett lags."""
    x = np.asarray(hits, dtype=float)
    n = len(x)
    if n < 2:
        return float("nan")
    e = x - x.mean()
    var = e @ e / n
    for lag in range(1, min(lags, n - 1) + 1):
        var += 2 * (1 - lag / (lags + 1)) * (e[lag:] @ e[:-lag]) / n
    return (x.mean() - 0.5) / math.sqrt(var / n) if var > 0 else float("nan")


def upper_normal_p(z):
    return 0.5 * math.erfc(z / math.sqrt(2)) if math.isfinite(z) else float("nan")


def binomial_upper_p(k, n):
    """P(X >= k) for X ~ Binomial(n, 1/2), exact."""
    if n == 0:
        return float("nan")
    return sum(math.comb(n, i) for i in range(math.ceil(k), n + 1)) / 2 ** n


def forward_measures(frame, forward_bars):
    """Per bar: forward realized vol and forward log return over the next `forward_bars` bars of its
    session (NaN when the session ends first)."""
    log_close = np.log(frame["close"].to_numpy(float))
    day = frame["ts"].dt.date.to_numpy()
    ret = np.diff(log_close, prepend=np.nan)
    ret[1:][day[1:] != day[:-1]] = np.nan
    n = len(frame)
    vol = np.full(n, np.nan)
    fwd = np.full(n, np.nan)
    for t in range(n - forward_bars):
        if day[t + forward_bars] != day[t]:
            continue
        window = ret[t + 1:t + forward_bars + 1]
        vol[t] = math.sqrt(np.mean(window * window))
        fwd[t] = log_close[t + forward_bars] - log_close[t]
    return vol, fwd


def regime_meaning(frame, forward_bars=FORWARD_BARS, skip_sessions=SKIP_SESSIONS):
    """`frame`: ts (UTC), close, state, time-ordered. Returns the per-state table and the summary."""
    frame = frame.reset_index(drop=True).copy()
    frame["fwd_vol"], frame["fwd_ret"] = forward_measures(frame, forward_bars)
    slot = frame["ts"].dt.hour * 60 + frame["ts"].dt.minute
    frame["fwd_vol_rel"] = frame["fwd_vol"] / frame.groupby(slot)["fwd_vol"].transform("mean")
    sessions = sorted(frame["ts"].dt.date.unique())
    scored = frame[(frame["ts"].dt.date >= sessions[min(skip_sessions, len(sessions) - 1)]) & frame["fwd_vol"].notna()]
    per_state = {}
    trend_hits = []
    for name in STATES:
        rows = scored[scored["state"] == name]
        entry = {"n": len(rows), "fwd_vol": rows["fwd_vol"].mean() if len(rows) else float("nan"),
                 "fwd_vol_rel": rows["fwd_vol_rel"].mean() if len(rows) else float("nan")}
        if name in ("trending_up", "trending_down"):
            sign = 1 if name == "trending_up" else -1
            r = rows["fwd_ret"].to_numpy()
            hits = np.where(r == 0, 0.5, (np.sign(r) == sign).astype(float))
            entry["hit_rate"] = hits.mean() if len(hits) else float("nan")
            entry["z"] = newey_west_z(hits, forward_bars - 1)
            trend_hits.append(pd.Series(hits, index=rows.index))
        per_state[name] = entry
    hits = pd.concat(trend_hits).sort_index() if trend_hits else pd.Series(dtype=float)
    z = newey_west_z(hits.to_numpy(), forward_bars - 1)
    spaced = hits.iloc[::forward_bars]
    summary = {
        "vol_ratio": per_state["volatile"]["fwd_vol"] / per_state["range_bound"]["fwd_vol"],
        "vol_ratio_rel": per_state["volatile"]["fwd_vol_rel"] / per_state["range_bound"]["fwd_vol_rel"],
        "trend_n": len(hits), "trend_hit_rate": hits.mean() if len(hits) else float("nan"),
        "trend_z": z, "trend_p": upper_normal_p(z),
        "spaced_n": len(spaced), "spaced_hit_rate": spaced.mean() if len(spaced) else float("nan"),
        "spaced_binomial_p": binomial_upper_p(spaced.sum(), len(spaced)),
        "scored_bars": len(scored),
    }
    return per_state, summary


def momentum_baseline(frame, lookback, forward_bars=FORWARD_BARS, skip_sessions=SKIP_SESSIONS):
    """What any trend label read off past returns could hope for: the share of scored bars whose
    forward return has the sign of the return over the previous `lookback` bars (same session not
    required), with its Newey-West z. No detector involved."""
    frame = frame.reset_index(drop=True)
    _, fwd = forward_measures(frame, forward_bars)
    log_close = np.log(frame["close"].to_numpy(float))
    past = np.full(len(frame), np.nan)
    past[lookback:] = log_close[lookback:] - log_close[:-lookback]
    sessions = sorted(frame["ts"].dt.date.unique())
    keep = (frame["ts"].dt.date >= sessions[min(skip_sessions, len(sessions) - 1)]).to_numpy().copy()
    keep &= np.isfinite(fwd) & np.isfinite(past) & (past != 0)
    hits = np.where(fwd[keep] == 0, 0.5, (np.sign(fwd[keep]) == np.sign(past[keep])).astype(float))
    return hits.mean(), len(hits), newey_west_z(hits, forward_bars - 1)


def nse_bars(path):
    """The CSV's OHLCV with UTC open times, time-ordered."""
    bars = pd.read_csv(path, usecols=["datetime", "high", "low", "close", "volume"])
    bars["ts"] = (pd.to_datetime(bars["datetime"]) - IST_OFFSET).dt.tz_localize("UTC")
    return bars.drop(columns="datetime").sort_values("ts").reset_index(drop=True)


# Other causal definitions of "trending up / down" (a sign per bar from bars <= t; 0 = no trend),
# fixed before they were scored and all shown (docs/ml_audit.md). None uses the detector.
def _since_open(b):
    log_close = np.log(b["close"])
    return np.sign(log_close - log_close.groupby(b["ts"].dt.date).transform("first"))


def _strong_36(b):
    log_close = np.log(b["close"])
    past = log_close - log_close.shift(36)
    return np.where(np.abs(past / (log_close.diff().rolling(36).std() * 6)) > 2, np.sign(past), 0)


def _vwap_side(b):
    day = b["ts"].dt.date
    price = (b["high"] + b["low"] + b["close"]) / 3
    vwap = (price * b["volume"]).groupby(day).cumsum() / b["volume"].groupby(day).cumsum()
    return np.sign(b["close"] - vwap)


def _ema_cross(b):
    return np.sign(b["close"].ewm(span=12).mean() - b["close"].ewm(span=48).mean())


def _previous_session(b):
    day = b["ts"].dt.date
    session_return = np.log(b["close"]).groupby(day).agg(lambda x: x.iloc[-1] - x.iloc[0])
    return np.sign(day.map(session_return.shift(1)).astype(float))


TREND_DEFINITIONS = {
    "return since the session's first bar": _since_open,
    "past 36 bars, only when its t-stat is beyond ±2": _strong_36,
    "side of the session VWAP": _vwap_side,
    "EMA 12 vs EMA 48": _ema_cross,
    "previous session's return": _previous_session,
}


def trend_definition_scores(bars, forward_bars=FORWARD_BARS, skip_sessions=SKIP_SESSIONS):
    """{definition: (hit rate, n, Newey-West z)}: how often the sign of each candidate definition
    agrees with the sign of the forward return over the scored bars (the same scoring as the
    detector's trend states)."""
    _, fwd = forward_measures(bars, forward_bars)
    sessions = sorted(bars["ts"].dt.date.unique())
    scored = (bars["ts"].dt.date >= sessions[min(skip_sessions, len(sessions) - 1)]).to_numpy() & np.isfinite(fwd)
    out = {}
    for name, definition in TREND_DEFINITIONS.items():
        sign = np.nan_to_num(np.asarray(definition(bars), dtype=float))
        keep = scored & (sign != 0)
        hits = np.where(fwd[keep] == 0, 0.5, (np.sign(fwd[keep]) == sign[keep]).astype(float))
        out[name] = (hits.mean() if len(hits) else float("nan"), len(hits), newey_west_z(hits, forward_bars - 1))
    return out


def nse_meaning(binary, folder, workdir, forward_bars=FORWARD_BARS):
    """{symbol: (per_state, summary)} for the three shared NSE symbols."""
    env = {"DATA_DIR": str(Path(workdir) / "data")}
    for name, symbol in SYMBOLS.items():
        run(binary, "import-csv", folder / f"{name}.csv", "--symbol", symbol, "--timeframe", "5m", "--layout", "nse",
            env=env)
    run(binary, "pipeline", env=env)
    results = {}
    for name, symbol in SYMBOLS.items():
        frame = detected_states(binary, symbol, env).merge(nse_closes(folder / f"{name}.csv"), on="ts", how="inner")
        frame = frame.sort_values("ts")
        per_state, summary = regime_meaning(frame, forward_bars)
        summary["momentum"] = {k: momentum_baseline(frame, k, forward_bars) for k in MOMENTUM_LOOKBACKS}
        summary["definitions"] = trend_definition_scores(nse_bars(folder / f"{name}.csv"), forward_bars)
        results[symbol] = (per_state, summary)
    return results


def sim_series(binary, seed, workdir, days=150, observations=False):
    """The simulator's series of `seed` (INFY.NS 5m, `days` trading days ending 2026-11-25): its true
    regime merged on ts with the detector's state (and, with `observations`, the HMM's z and u)."""
    env = {"DATA_DIR": str(Path(workdir) / f"sim{seed}")}
    truth_csv = Path(workdir) / f"truth{seed}.csv"
    run(binary, "sim", "--symbol", "INFY.NS", "--timeframe", "5m", "--days", days, "--seed", seed,
        "--end", "2026-11-25T00:00:00Z", "--truth-out", truth_csv, env=env)
    run(binary, "pipeline", env=env)
    if observations:
        out = run(binary, "regime", "--symbol", "INFY.NS", "--timeframe", "5m", "--history", "10000000",
                  "--format", "csv", "--observations", env=env)
        detected = pd.read_csv(io.StringIO(out), keep_default_na=False, na_values={"z": [""], "u": [""]})
        detected["ts"] = pd.to_datetime(detected["ts"], utc=True)
    else:
        detected = detected_states(binary, "INFY.NS", env)
    truth = pd.read_csv(truth_csv)
    truth["ts"] = pd.to_datetime(truth["ts"], utc=True)
    return truth.merge(detected, on="ts").sort_values("ts").reset_index(drop=True)


def with_hysteresis(probabilities, restarts=None):
    """The answers detector.cc's kHmm switching rule makes of a sequence of filtered probabilities
    (rows): a new most probable state is adopted once it has led MIN_DWELL bars in a row, or at once
    when its probability leads the held state's by SWITCH_MARGIN; where `restarts` (one bool per
    bar) is true, after a feed gap (the detector's `unknown`), the most probable state is adopted at
    once."""
    held, candidate, count = -1, -1, 0
    out = np.empty(len(probabilities), dtype=int)
    for t, p in enumerate(probabilities):
        raw = int(np.argmax(p))
        if held < 0 or (restarts is not None and restarts[t]):
            held, candidate, count = raw, raw, 0
        elif raw == held:
            count = 0
        else:
            if raw == candidate:
                count += 1
            else:
                candidate, count = raw, 1
            if count >= MIN_DWELL or p[raw] - p[held] >= SWITCH_MARGIN:
                held, count = raw, 0
        out[t] = held
    return out


def after_training(frame, training_days=30):
    """The scored bars: from the (training_days + 1)-th trading day on."""
    day = frame["ts"].dt.date
    return frame[day >= sorted(day.unique())[training_days]]


def sim_agreement(binary, seed, workdir, days=150, training_days=30):
    """Agreement with the simulator's true regime after the first `training_days` sessions."""
    scored = after_training(sim_series(binary, seed, workdir, days), training_days)
    return (scored["regime"] == scored["state"]).mean(), len(scored)


def regimecast_binary():
    """RC_BINARY, or the ci preset's build."""
    return Path(os.environ.get("RC_BINARY", REPO / "build" / "ci" / "bin" / "regimecast"))


def add_seed_arguments(parser):
    """--seeds, --days and --training-days of the scripts that score simulator seeds one by one."""
    parser.add_argument("--seeds", default="11,12", help="simulator seeds, comma-separated (a-b for a range)")
    parser.add_argument("--days", type=int, default=150, help="simulated trading days per seed")
    parser.add_argument("--training-days", type=int, default=30, help="leading trading days not scored")


def seed_list(text):
    """The seeds of --seeds: "11,12,31-33" -> [11, 12, 31, 32, 33]."""
    seeds = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        lo, _, hi = part.partition("-")
        seeds.extend(range(int(lo), int(hi or lo) + 1))
    return seeds


def fmt(v, digits=3):
    return "–" if v is None or (isinstance(v, float) and not math.isfinite(v)) else f"{v:.{digits}f}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--forward-bars", type=int, default=FORWARD_BARS, help="forward window in bars (>= 1)")
    parser.add_argument("--sim-seeds", default="11,12",
                        help="held-out simulator seeds to score agreement on ('' for none)")
    parser.add_argument("--tuning-seeds", default="",
                        help="simulator seeds the detector's settings were chosen on, scored and labelled as such")
    args = parser.parse_args()
    if args.forward_bars < 1:
        sys.exit("--forward-bars must be >= 1")
    binary = regimecast_binary()
    if not SHARED.is_dir():
        sys.exit(f"{SHARED} is not present")
    roles = {int(s): "tuning" for s in args.tuning_seeds.split(",") if s.strip()}
    roles.update({int(s): "held out" for s in args.sim_seeds.split(",") if s.strip()})
    seeds = list(roles)
    with tempfile.TemporaryDirectory() as tmp:
        results = nse_meaning(binary, SHARED, tmp, args.forward_bars)
        agreements = {seed: sim_agreement(binary, seed, tmp) for seed in seeds}

    h = args.forward_bars
    print(f"#### Forward realized vol by state (next {h} bars = {5 * h} min inside the session; ×1e-4 per bar)\n")
    print("| symbol | " + " | ".join(STATES) + " | volatile / range_bound | same, time-of-day adjusted |")
    print("|---|" + "---:|" * (len(STATES) + 2))
    for symbol, (per_state, summary) in results.items():
        cells = [f"{1e4 * e['fwd_vol']:.2f} ({e['n']})" if e["n"] else "– (0)" for e in per_state.values()]
        print(f"| {symbol} | {' | '.join(cells)} | **{fmt(summary['vol_ratio'], 2)}** | {fmt(summary['vol_ratio_rel'], 2)} |")
    print(f"\n#### Forward return sign in the trending states (next {h} bars)\n")
    print("| symbol | trending_up hit rate (n) | trending_down hit rate (n) | both (n) | z (Newey-West) | p (one-sided) "
          "| non-overlapping: hit rate (n), binomial p |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for symbol, (per_state, summary) in results.items():
        up, down = per_state["trending_up"], per_state["trending_down"]
        print(f"| {symbol} | {fmt(up['hit_rate'])} ({up['n']}) | {fmt(down['hit_rate'])} ({down['n']}) "
              f"| **{fmt(summary['trend_hit_rate'])}** ({summary['trend_n']}) | {fmt(summary['trend_z'], 2)} "
              f"| {fmt(summary['trend_p'], 4)} | {fmt(summary['spaced_hit_rate'])} ({summary['spaced_n']}), "
              f"{fmt(summary['spaced_binomial_p'], 4)} |")
    print(f"\n#### Baseline without a detector: sign of the past return vs the sign of the next {h} bars (all scored bars)\n")
    print("| symbol | " + " | ".join(f"past {k} bars: hit rate (n), z" for k in MOMENTUM_LOOKBACKS) + " |")
    print("|---|" + "---:|" * len(MOMENTUM_LOOKBACKS))
    for symbol, (_, summary) in results.items():
        cells = [f"{fmt(rate)} ({n}), {fmt(z, 2)}" for rate, n, z in summary["momentum"].values()]
        print(f"| {symbol} | {' | '.join(cells)} |")
    print(f"\n#### Other trend definitions, no detector: sign agreement with the next {h} bars (hit rate (n), z)\n")
    symbols = list(results)
    print("| definition | " + " | ".join(symbols) + " |")
    print("|---|" + "---:|" * len(symbols))
    for name in TREND_DEFINITIONS:
        cells = [f"{fmt(rate)} ({n}), {fmt(z, 2)}" for rate, n, z in (results[s][1]["definitions"][name] for s in symbols)]
        print(f"| {name} | {' | '.join(cells)} |")
    if agreements:
        print("\n#### Agreement with the product simulator's truth (INFY.NS 5m, 150 days, after 30 sessions)\n")
        print("| seed | role | agreement | bars |")
        print("|---|---|---:|---:|")
        for seed, (agreement, n) in agreements.items():
            print(f"| {seed} | {roles[seed]} | {agreement:.3f} | {n} |")
        for role in ("tuning", "held out"):
            scores = [a for seed, (a, _) in agreements.items() if roles[seed] == role]
            if scores:
                print(f"| mean, {role} | {len(scores)} seeds | **{np.mean(scores):.3f}** "
                      f"(min {min(scores):.3f}, >= 0.85 on {sum(a >= 0.85 for a in scores)}) | |")


if __name__ == "__main__":
    main()
