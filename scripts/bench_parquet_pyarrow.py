#!/usr/bin/env python3
"""pyarrow baseline for backend/bench/parquet_bench.cc: write and read 10 million rows of
the same bars-like shape (symbol string, ts timestamp[us, UTC], open/high/low/close/volume
double; 20 symbols x 500k one-minute bars, random-walk prices) with snappy and zstd, and
print rows/s (and process CPU time). Writes go to memory (BufferOutputStream) and reads come from memory, as in
the C++ benchmark. pyarrow defaults otherwise (dictionary on, 1 Mi-row row groups,
multi-threaded read).

    .venv/bin/python scripts/bench_parquet_pyarrow.py [--rows N] [--repeat K]
"""
from __future__ import annotations

import argparse
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    table = bars(args.rows)
    print(f"pyarrow {pa.__version__}, {table.num_rows} rows, cpu_count={pa.cpu_count()}")
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

if __name__ == "__main__":
    main()
