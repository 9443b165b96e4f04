#!/usr/bin/env python3
"""pyarrow baseline for backend/bench/parquet_bench.cc: write and read 10 million rows of
the same bars-like shape (symbol string, ts timestamp[us, UTC], open/high/low/close/volume
double; 20 symbols x 500k one-minute bars, random-walk prices) with snappy and zstd, and
print rows/s (and process CPU time). Writes go to memory (BufferOutputStream) and reads come from memory, as in
the C++ benchmark. pyarrow defaults otherwise (dictionary on, 1 Mi-row row groups,
multi-threaded read).

    .venv/bin/python scripts/bench_parquet_pyarrow.py [--rows N] [--repeat K]
        [--ours build/bench/bin/rc_parquet_bench]

With --ours, the C++ benchmark runs first in the same invocation (best of K repetitions,
10 million rows: --rows applies to pyarrow only) and a side-by-side table of both, with
ours/pyarrow ratios and the load average before and after each side, ends the output.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import time

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq


def bars(rows: int) -> pa.Table:
    rng = np.random.default_rng(42)
    symbols = 20
    per = rows // symbols
    sym = np.repeat([f"SYM{i}.NS" for i in range(symbols)], per)
    ts = np.tile(1_600_000_000_000_000 + np.arange(per, dtype=np.int64) * 60_000_000, symbols)
    steps = rng.normal(0.0, 0.002, size=(symbols, per))
    close = (100.0 + np.arange(symbols)[:, None]) * np.exp(np.cumsum(steps, axis=1))
    open_ = np.concatenate([(100.0 + np.arange(symbols)[:, None]), close[:, :-1]], axis=1)
    spread = rng.uniform(0.0, 0.003, size=(4, symbols, per))
    high = np.maximum(open_, close) * (1 + spread[0])
    low = np.minimum(open_, close) * (1 - spread[1])
    volume = np.floor(1000 + 1e5 * spread[2])
    return pa.table({
        "symbol": pa.array(sym, pa.string()),
        "ts": pa.array(ts, pa.timestamp("us", tz="UTC")),
        "open": open_.ravel(), "high": high.ravel(), "low": low.ravel(), "close": close.ravel(),
        "volume": volume.ravel(),
    })


def load() -> str:
    return "/".join(f"{value:.1f}" for value in os.getloadavg())


def run_ours(binary: str, repeat: int) -> dict[tuple[str, str], dict[str, float]]:
    """Best repetition of each (operation, codec) of rc_parquet_bench: rows/s, cpu ms, file MB."""
    out = subprocess.run([binary, "--benchmark_min_time=0.01", f"--benchmark_repetitions={repeat}",
                          "--benchmark_format=json"], check=True, capture_output=True, text=True).stdout
    best: dict[tuple[str, str], dict[str, float]] = {}
    for bench in json.loads(out)["benchmarks"]:
        if bench.get("run_type") != "iteration":
            continue
        op, codec = bench["name"].split("/")[0].removeprefix("BM_").lower(), bench["name"].split("/")[1]
        entry = best.setdefault((op, codec), {"rows": 0.0, "cpu": float("inf"), "mb": 0.0})
        entry["rows"] = max(entry["rows"], bench["rows"])
        entry["cpu"] = min(entry["cpu"], bench["cpu_time"])
        entry["mb"] = bench.get("file_MB", entry["mb"])
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--ours", help="path of rc_parquet_bench: run it too and print ratios")
    args = parser.parse_args()
    ours = None
    if args.ours:
        before = load()
        ours = run_ours(args.ours, args.repeat)
        ours_load = f"{before} -> {load()}"
    table = bars(args.rows)
    print(f"pyarrow {pa.__version__}, {table.num_rows} rows, cpu_count={pa.cpu_count()}")
    theirs: dict[tuple[str, str], dict[str, float]] = {}
    theirs_before = load()
    for codec in ("snappy", "zstd"):
        # Best of `repeat` for wall time and, separately, for process CPU time
        # (all of Arrow's threads): on a shared machine CPU time is steadier.
        best_write = best_write_cpu = float("inf")
        buf = None
        for _ in range(args.repeat):
            sink = pa.BufferOutputStream()
            start, cpu = time.perf_counter(), time.process_time()
            pq.write_table(table, sink, compression=codec)
            best_write = min(best_write, time.perf_counter() - start)
            best_write_cpu = min(best_write_cpu, time.process_time() - cpu)
            buf = sink.getvalue()
        best_read = best_read_cpu = float("inf")
        for _ in range(args.repeat):
            start, cpu = time.perf_counter(), time.process_time()
            pq.read_table(pa.BufferReader(buf))
            best_read = min(best_read, time.perf_counter() - start)
            best_read_cpu = min(best_read_cpu, time.process_time() - cpu)
        print(f"{codec:7s} write {table.num_rows / best_write / 1e6:7.2f} M rows/s ({best_write * 1e3:7.0f} ms, "
              f"cpu {best_write_cpu * 1e3:6.0f} ms)  read {table.num_rows / best_read / 1e6:7.2f} M rows/s "
              f"({best_read * 1e3:7.0f} ms, cpu {best_read_cpu * 1e3:6.0f} ms)  file {buf.size / 1e6:6.1f} MB")
        theirs[("write", codec)] = {"rows": table.num_rows / best_write, "cpu": best_write_cpu * 1e3, "mb": buf.size / 1e6}
        theirs[("read", codec)] = {"rows": table.num_rows / best_read, "cpu": best_read_cpu * 1e3, "mb": buf.size / 1e6}
    if ours is None:
        return
    print(f"\nside by side (M rows/s, cpu ms; load average 1/5/15 min: ours {ours_load}, "
          f"pyarrow {theirs_before} -> {load()})")
    print("| codec | op | ours | pyarrow | ratio | file ours / pyarrow (MB) |")
    print("|---|---|---|---|---|---|")
    for codec in ("snappy", "zstd"):
        for op in ("write", "read"):
            mine, other = ours[(op, codec)], theirs[(op, codec)]
            size = f"{ours[('write', codec)]['mb']:.1f} / {other['mb']:.1f}"
            print(f"| {codec} | {op} | {mine['rows'] / 1e6:.2f} ({mine['cpu']:.0f}) | {other['rows'] / 1e6:.2f} "
                  f"({other['cpu']:.0f}) | {mine['rows'] / other['rows']:.2f} | {size} |")


if __name__ == "__main__":
    main()
