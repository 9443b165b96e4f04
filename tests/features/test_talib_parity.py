"""TA-Lib parity of the features module (issue 4, "Tests").

`regimecast indicators --set core_v1` computes the feature set over a CSV; every
indicator column is compared with TA-Lib's function on the same arrays: identical
warm-up (TA-Lib's NaN lookback == ours) and np.isclose(rtol=1e-9) after it, with an
atol of 1e-9 x the series' scale only for series that cross zero (MACD, ROC, ...).
Columns TA-Lib has no function for (VWAP, efficiency ratio, z-scores, time encodings,
log returns) are compared with a direct numpy/pandas recomputation, and the derived
model features with their documented formulas over TA-Lib's outputs.

Data: (a) a seeded series generated here (always runs); (b) every CSV in
../shared/data/nse-5m/ when that directory exists.
"""
from __future__ import annotations

import math
import pathlib

import numpy as np
import pandas as pd
import pytest
import talib

from conftest import REPO, run_cli

RTOL = 1e-9
NSE_HOLIDAYS = REPO / "backend" / "data" / "calendars" / "NSE.holidays"
IST = "Asia/Kolkata"


# --------------------------------------------------------------------------- data

def nse_holidays() -> set[pd.Timestamp]:
    days = set()
    for line in NSE_HOLIDAYS.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            days.add(pd.Timestamp(line).date())
    return days


def generated_bars(count: int = 6000, seed: int = 20240601) -> pd.DataFrame:
    """NSE 5-minute regular-session bars (09:15..15:25 IST, trading days only), a
    geometric random walk rounded to the 0.05 tick so that ties, unchanged closes and
    flat windows occur as in real data."""
    rng = np.random.default_rng(seed)
    holidays = nse_holidays()
    stamps = []
    day = pd.Timestamp("2024-02-01")
    while len(stamps) < count:
        if day.weekday() < 5 and day.date() not in holidays:
            opens = pd.date_range(day + pd.Timedelta("09:15:00"), day + pd.Timedelta("15:25:00"), freq="5min")
            stamps.extend(opens.tz_localize(IST).tz_convert("UTC"))
        day += pd.Timedelta(days=1)
    stamps = stamps[:count]
    tick = 0.05
    close = np.empty(count)
    open_ = np.empty(count)
    price = 1500.0
    for i in range(count):
        open_[i] = round(price * math.exp(rng.normal(0, 0.0005)) / tick) * tick
        price = price * math.exp(rng.normal(0, 0.002))
        close[i] = round(price / tick) * tick
    hi_extra = np.round(rng.uniform(0, 3, count) / tick) * tick
    lo_extra = np.round(rng.uniform(0, 3, count) / tick) * tick
    high = np.maximum(open_, close) + hi_extra
    low = np.minimum(open_, close) - lo_extra
    volume = np.floor(rng.lognormal(8, 1, count))
    volume[rng.uniform(size=count) < 0.01] = 0  # a few empty bars
    return pd.DataFrame({"ts": pd.DatetimeIndex(stamps), "open": open_, "high": high, "low": low,
                         "close": close, "volume": volume})


def write_bars(df: pd.DataFrame, path: pathlib.Path) -> None:
    out = df.copy()
    out["ts"] = out["ts"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    out.to_csv(path, index=False, float_format="%.17g")


def compute(rc_binary, bars: pd.DataFrame, tmp_path: pathlib.Path) -> pd.DataFrame:
    src = tmp_path / "bars.csv"
    dst = tmp_path / "features.csv"
    write_bars(bars, src)
    run_cli(rc_binary, "indicators", "--input", src, "--tz", "UTC", "--set", "core_v1", "--format", "csv",
            "--calendar", "NSE", "--output", dst)
    features = pd.read_csv(dst)
    assert len(features) == len(bars)
    assert list(features["ts"]) == list(bars["ts"].dt.strftime("%Y-%m-%dT%H:%M:%SZ"))
    return features


# --------------------------------------------------------------------- comparing

def assert_matches(name: str, ours: np.ndarray, expected: np.ndarray, crosses_zero: bool = False,
                   rtol: float = RTOL) -> None:
    ours = np.asarray(ours, dtype=float)
    expected = np.asarray(expected, dtype=float)
    warm_ours = np.isnan(ours)
    warm_expected = np.isnan(expected)
    lookback = int(np.argmin(warm_expected)) if not warm_expected.all() else len(expected)
    assert np.array_equal(warm_ours, warm_expected), (
        f"{name}: NaN pattern differs (TA-Lib lookback {lookback}, ours {int(np.argmin(warm_ours))})")
    valid = ~warm_expected
    assert valid.sum() > 0.9 * len(expected), f"{name}: too few comparable values"
    atol = 1e-9 * float(np.nanmax(np.abs(expected))) if crosses_zero else 0.0
    ok = np.isclose(ours[valid], expected[valid], rtol=rtol, atol=atol)
    if not ok.all():
        bad = np.flatnonzero(valid)[~ok][:5]
        detail = ", ".join(f"[{i}] ours={ours[i]!r} ref={expected[i]!r}" for i in bad)
        pytest.fail(f"{name}: {int((~ok).sum())} values differ beyond rtol={rtol}, atol={atol:g}: {detail}")


def rolling(x: np.ndarray, n: int, fn) -> np.ndarray:
    out = np.full(len(x), np.nan)
    if len(x) >= n:
        out[n - 1:] = fn(np.lib.stride_tricks.sliding_window_view(x, n), axis=1)
    return out


def check_feature_set(features: pd.DataFrame, bars: pd.DataFrame) -> None:
    o, h, l, c, v = (bars[k].to_numpy(dtype=float) for k in ("open", "high", "low", "close", "volume"))
    col = lambda name: features[name].to_numpy(dtype=float)  # noqa: E731

    # --- TA-Lib functions, same arrays.
    assert_matches("sma_20", col("sma_20"), talib.SMA(c, 20))
    assert_matches("ema_12", col("ema_12"), talib.EMA(c, 12))
    assert_matches("ema_26", col("ema_26"), talib.EMA(c, 26))
    assert_matches("wma_20", col("wma_20"), talib.WMA(c, 20))
    assert_matches("rsi_14", col("rsi_14"), talib.RSI(c, 14))
    atr = talib.ATR(h, l, c, 14)
    assert_matches("atr_14", col("atr_14"), atr)
    assert_matches("adx_14", col("adx_14"), talib.ADX(h, l, c, 14))
    assert_matches("plus_di_14", col("plus_di_14"), talib.PLUS_DI(h, l, c, 14))
    assert_matches("minus_di_14", col("minus_di_14"), talib.MINUS_DI(h, l, c, 14))
    macd, signal, hist = talib.MACD(c, 12, 26, 9)
    assert_matches("macd_12_26_9", col("macd_12_26_9"), macd, crosses_zero=True)
    assert_matches("macd_signal_12_26_9", col("macd_signal_12_26_9"), signal, crosses_zero=True)
    assert_matches("macd_hist_12_26_9", col("macd_hist_12_26_9"), hist, crosses_zero=True)
    upper, middle, lower = talib.BBANDS(c, 20, 2.0, 2.0, 0)
    assert_matches("bb_upper_20_2", col("bb_upper_20_2"), upper)
    assert_matches("bb_middle_20_2", col("bb_middle_20_2"), middle)
    assert_matches("bb_lower_20_2", col("bb_lower_20_2"), lower)
    slowk, slowd = talib.STOCH(h, l, c, 14, 3, 0, 3, 0)
    assert_matches("stoch_k_14_3", col("stoch_k_14_3"), slowk)
    assert_matches("stoch_d_14_3", col("stoch_d_14_3"), slowd)
    assert_matches("obv", col("obv"), talib.OBV(c, v), crosses_zero=True)
    roc = talib.ROC(c, 10)
    assert_matches("roc_10", col("roc_10"), roc, crosses_zero=True)

    # Realized volatility is TA-Lib's population STDDEV of the one-bar log returns
    # (TA-Lib needs the NaN-free return array, so it is computed on r[1:] and shifted).
    r = np.log(c[1:] / c[:-1])
    rv = np.concatenate([[np.nan], talib.STDDEV(r, 20, 1.0)])
    assert_matches("rv_20", col("rv_20"), rv)
    rv_exact = np.concatenate([[np.nan], rolling(r, 20, lambda w, axis: w.std(axis=axis))])
    assert_matches("rv_20 (two-pass)", col("rv_20"), rv_exact)

    # --- Derived model features: their formulas over TA-Lib's outputs.
    assert_matches("rsi_14_scaled", col("rsi_14_scaled"), (talib.RSI(c, 14) - 50) / 50, crosses_zero=True)
    assert_matches("adx_14_scaled", col("adx_14_scaled"), talib.ADX(h, l, c, 14) / 100)
    assert_matches("di_diff_14", col("di_diff_14"),
                   (talib.PLUS_DI(h, l, c, 14) - talib.MINUS_DI(h, l, c, 14)) / 100, crosses_zero=True)
    assert_matches("stoch_k_14_3_scaled", col("stoch_k_14_3_scaled"), (slowk - 50) / 50, crosses_zero=True)
    # MACD/ATR features start where both exist (MACD's lookback, 33).
    assert_matches("macd_hist_atr", col("macd_hist_atr"), hist / atr, crosses_zero=True)
    assert_matches("atr_pct_14", col("atr_pct_14"), atr / c)
    assert_matches("dist_sma_20", col("dist_sma_20"), c / talib.SMA(c, 20) - 1, crosses_zero=True)
    width = upper - lower
    assert_matches("bb_width", col("bb_width"), width / middle)
    pctb_talib = np.where(width > 0, (c - lower) / np.where(width > 0, width, 1), 0.5)
    pctb_talib[np.isnan(width)] = np.nan
    assert_matches("bb_pctb", col("bb_pctb"), pctb_talib, crosses_zero=True)
    mean20 = rolling(c, 20, np.mean)
    sd20 = rolling(c, 20, lambda w, axis: w.std(axis=axis))
    exact_pctb = np.where(sd20 > 0, (c - (mean20 - 2 * sd20)) / np.where(sd20 > 0, 4 * sd20, 1), 0.5)
    exact_pctb[np.isnan(sd20)] = np.nan
    assert_matches("bb_pctb (two-pass)", col("bb_pctb"), exact_pctb, crosses_zero=True)

    # --- No TA-Lib function: direct recomputations.
    for lag in (1, 3, 12):
        ret = np.full(len(c), np.nan)
        ret[lag:] = np.log(c[lag:] / c[:-lag])
        assert_matches(f"ret_{lag}", col(f"ret_{lag}"), ret, crosses_zero=True)
    # z-scores (close and volume): TA-Lib has no z-score; exact two-pass window.
    z = np.where(sd20 > 1e-12 * np.abs(mean20), (c - mean20) / np.where(sd20 > 0, sd20, 1), 0.0)
    z[np.isnan(mean20)] = np.nan
    assert_matches("z_20", col("z_20"), z, crosses_zero=True)
    vm = rolling(v, 20, np.mean)
    vs = rolling(v, 20, lambda w, axis: w.std(axis=axis))
    vz = np.where(vs > 1e-12 * np.abs(vm), (v - vm) / np.where(vs > 0, vs, 1), 0.0)
    vz[np.isnan(vm)] = np.nan
    assert_matches("vol_z_20", col("vol_z_20"), vz, crosses_zero=True)
    # Kaufman efficiency ratio (TA-Lib computes one only inside KAMA).
    path = np.full(len(c), np.nan)
    steps = np.abs(np.diff(c))
    path[10:] = rolling(steps, 10, np.sum)[9:]
    net = np.full(len(c), np.nan)
    net[10:] = np.abs(c[10:] - c[:-10])
    er = np.where(net == 0, 0.0, np.minimum(1.0, net / np.where(path > 0, path, 1)))
    er[np.isnan(net)] = np.nan
    assert_matches("er_10", col("er_10"), er)
    # Session-anchored VWAP: cumulative within each IST trading day.
    ts = bars["ts"].dt.tz_convert(IST)
    day = ts.dt.date
    typical = (h + l + c) / 3
    frame = pd.DataFrame({"day": day, "pv": typical * v, "v": v, "tp": typical})
    g = frame.groupby("day", sort=False)
    cum_pv, cum_v = g["pv"].cumsum().to_numpy(), g["v"].cumsum().to_numpy()
    cum_tp, cum_n = g["tp"].cumsum().to_numpy(), g.cumcount().to_numpy() + 1
    vwap = np.where(cum_v > 0, cum_pv / np.where(cum_v > 0, cum_v, 1), cum_tp / cum_n)
    assert_matches("vwap", col("vwap"), vwap)
    assert_matches("dist_vwap", col("dist_vwap"), c / vwap - 1, crosses_zero=True)
    # Time encodings: phase in the 09:15-15:30 IST session; weekday Monday = 0.
    minutes = ts.dt.hour.to_numpy() * 60 + ts.dt.minute.to_numpy()
    phase = (minutes - (9 * 60 + 15)) / 375.0
    assert_matches("tod_sin", col("tod_sin"), np.sin(2 * np.pi * phase), crosses_zero=True)
    assert_matches("tod_cos", col("tod_cos"), np.cos(2 * np.pi * phase), crosses_zero=True)
    weekday = ts.dt.day_of_week.to_numpy()
    assert_matches("dow_sin", col("dow_sin"), np.sin(2 * np.pi * weekday / 7), crosses_zero=True)
    assert_matches("dow_cos", col("dow_cos"), np.cos(2 * np.pi * weekday / 7), crosses_zero=True)

    # Every column of the set was checked above.
    checked = {"sma_20", "ema_12", "ema_26", "wma_20", "rsi_14", "atr_14", "adx_14", "plus_di_14", "minus_di_14",
               "macd_12_26_9", "macd_signal_12_26_9", "macd_hist_12_26_9", "bb_upper_20_2", "bb_middle_20_2",
               "bb_lower_20_2", "stoch_k_14_3", "stoch_d_14_3", "obv", "vwap", "ret_1", "ret_3", "ret_12",
               "rv_20", "z_20", "er_10", "rsi_14_scaled", "macd_hist_atr", "bb_pctb", "bb_width", "dist_sma_20",
               "dist_vwap", "atr_pct_14", "adx_14_scaled", "di_diff_14", "stoch_k_14_3_scaled", "roc_10",
               "tod_sin", "tod_cos", "dow_sin", "dow_cos", "vol_z_20"}
    assert set(features.columns) - {"ts"} == checked


# -------------------------------------------------------------------------- tests

def test_core_v1_matches_talib_on_generated_series(rc_binary, tmp_path):
    bars = generated_bars()
    assert len(bars) >= 5000
    check_feature_set(compute(rc_binary, bars, tmp_path), bars)


def load_nse_csv(path: pathlib.Path) -> pd.DataFrame:
    """A ../shared/data/nse-5m CSV as regular-session bars with UTC times. The files
    carry IST wall-clock times (issue 4); columns are matched by name, case-insensitive."""
    raw = pd.read_csv(path)
    lower = {c.lower().strip(): c for c in raw.columns}
    time_col = next((lower[k] for k in ("ts", "timestamp", "datetime", "date", "time") if k in lower), None)
    assert time_col is not None, f"{path.name}: no time column in {list(raw.columns)}"
    missing = [k for k in ("open", "high", "low", "close", "volume") if k not in lower]
    assert not missing, f"{path.name}: missing columns {missing}"
    ts = pd.to_datetime(raw[time_col])
    ts = ts.dt.tz_localize(IST) if ts.dt.tz is None else ts.dt.tz_convert(IST)
    df = pd.DataFrame({"ts": ts, **{k: pd.to_numeric(raw[lower[k]], errors="coerce") for k in
                                     ("open", "high", "low", "close", "volume")}})
    minutes = df["ts"].dt.hour * 60 + df["ts"].dt.minute
    df = df[(minutes >= 9 * 60 + 15) & (minutes < 15 * 60 + 30)]  # regular bars only
    valid = (df[["open", "high", "low", "close"]] > 0).all(axis=1) & (df["volume"] >= 0)
    valid &= (df["low"] <= df[["open", "close"]].min(axis=1)) & (df["high"] >= df[["open", "close"]].max(axis=1))
    df = df[valid].drop_duplicates("ts", keep="last").sort_values("ts")
    df["ts"] = df["ts"].dt.tz_convert("UTC")
    return df.reset_index(drop=True)


def test_core_v1_matches_talib_on_real_nse_bars(rc_binary, shared_data, tmp_path):
    folder = shared_data / "nse-5m"
    if not folder.is_dir():
        pytest.skip("../shared/data/nse-5m is not present")
    files = sorted(folder.glob("*.csv"))
    assert files, "nse-5m has no CSV files"
    for path in files:
        bars = load_nse_csv(path)
        if len(bars) < 200:
            continue
        work = tmp_path / path.stem
        work.mkdir()
        check_feature_set(compute(rc_binary, bars, work), bars)


def test_cli_reports_bad_rows_with_line_numbers(rc_binary, tmp_path):
    src = tmp_path / "bad.csv"
    src.write_text("ts,open,high,low,close,volume\n"
                   "2024-03-04T03:45:00Z,10,11,9,10.5,100\n"
                   "2024-03-04T03:50:00Z,10,9,11,10.5,100\n")
    proc = run_cli(rc_binary, "indicators", "--input", src, check=False)
    assert proc.returncode == 1
    assert "bad.csv:3" in proc.stderr and "invalid bar" in proc.stderr
    src.write_text("ts,open,high,low,close,volume\n2024-03-04T03:45:00Z,10,11,9,abc,100\n")
    proc = run_cli(rc_binary, "indicators", "--input", src, check=False)
    assert proc.returncode == 1 and "bad.csv:2" in proc.stderr and "not a number" in proc.stderr
    src.write_text("ts,open,high,low,close\n")
    proc = run_cli(rc_binary, "indicators", "--input", src, check=False)
    assert proc.returncode == 1 and "volume" in proc.stderr
    src.write_text("ts,open,high,low,close,volume\n"
                   "2024-03-04T03:50:00Z,10,11,9,10.5,100\n"
                   "2024-03-04T03:45:00Z,10,11,9,10.5,100\n")
    proc = run_cli(rc_binary, "indicators", "--input", src, check=False)
    assert proc.returncode == 1 and "bad.csv:3" in proc.stderr and "not after" in proc.stderr
    proc = run_cli(rc_binary, "indicators", "--input", src, "--set", "core_v0", check=False)
    assert proc.returncode == 1 and "core_v1" in proc.stderr


def test_cli_tz_offset_and_preset(rc_binary, tmp_path):
    bars = generated_bars(300, seed=5)
    utc = tmp_path / "utc.csv"
    write_bars(bars, utc)
    local = bars.copy()
    local["ts"] = local["ts"].dt.tz_convert(IST).dt.strftime("%Y-%m-%dT%H:%M:%S")
    ist = tmp_path / "ist.csv"
    local.to_csv(ist, index=False, float_format="%.17g")
    a = run_cli(rc_binary, "indicators", "--input", utc).stdout
    b = run_cli(rc_binary, "indicators", "--input", ist, "--tz", "+05:30").stdout
    assert a == b
    preset = run_cli(rc_binary, "indicators", "--input", utc, "--preset", "momentum").stdout.splitlines()
    assert preset[0].split(",")[:4] == ["ts", "rsi_14", "macd_12_26_9", "macd_signal_12_26_9"]
    assert len(preset) == 301
