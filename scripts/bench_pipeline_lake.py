#!/usr/bin/env python3
"""`pipeline` through the lake (raw -> bronze -> silver, Delta + Parquet), timed
from the CLI, for one or more regimecast binaries side by side, rounds
interleaved so that a shared machine's load hits every binary alike.

Cases (docs/benchmarks.md, "Pipeline"):
  one-symbol   1,000,000 5-minute bars of one symbol (random walk, NSE hours)
  many-symbols 500 symbols x 2,000 bars (per-partition and per-file overheads)
  csv          CSV -> silver (`import-csv` + `pipeline`) on real NSE bars made
               250k rows long (../shared/peer/make_long.py), beside the Python
               peer's pipeline.py on the same file (when ../shared/peer and its
               venv exist)
  rss          peak RSS of `pipeline` for 500 symbols x 20,000 bars (the last
               binary only)

After each round of the first two cases, "fs floor" replays the file-system
work of that round's first `pipeline` alone (the same directories, files,
bytes and fsyncs; no Parquet, no features): what no writer with the same
durability spends less CPU than, on this machine. After each
round of every case, "Arrow floor" times Apache Arrow's C++ (pyarrow, one
thread) doing only what any implementation must: for the csv case, parsing the
long CSV; reading the raw table (`pipeline`'s input); encoding the first
binary's data files of that round (bronze and silver; for csv raw too; read
back untimed) again, into memory, with the lake's codec (snappy) and
dictionaries for string columns only. No time zones, bronze rules, features,
Delta log or files: with the fs floor added, a floor for any implementation
with Arrow's speed and our durability, printed beside the goal's budget
(1 M bars per CPU second; for csv the peer's CPU / 5).

Every binary's `pipeline` reads the same raw lake (written once, by the first
binary, then copied), with a fresh bronze/silver. Wall time, CPU time (user +
sys of the process) and peak RSS come from wait4().

  .venv/bin/python scripts/bench_pipeline_lake.py before=/tmp/old-regimecast after=build/release/bin/regimecast
  QUICK=1 ...   (10x fewer bars, 1 round: a smoke run)
  WORKERS=1 ... (`pipeline --workers 1`: one core's throughput, the issue's "per core")
  RSS=0 ...     (skip the 500 x 20,000 peak-RSS case)
  CASES=csv ... (only these cases, comma-separated: one-symbol, many-symbols, csv, rss)
"""
from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
PEER = ROOT.parent / "shared" / "peer"
PEER_PYTHON = Path.home() / ".cache" / "regimecast-peer-venv" / "bin" / "python"
REAL_CSV = ROOT.parent / "shared" / "data" / "nse-5m" / "TCS.csv"
QUICK = os.environ.get("QUICK") == "1"
ROUNDS = int(os.environ.get("ROUNDS", "1" if QUICK else "2"))
# `pipeline --workers N` when set; default: the binary's own worker count.
PIPELINE_ARGS = ["--workers", os.environ["WORKERS"]] if os.environ.get("WORKERS") else []
CASES = set(os.environ.get("CASES", "one-symbol,many-symbols,csv,rss").split(","))


def vm_hwm_mib(pid: int) -> float | None:
    """Peak RSS of the running process `pid` (VmHWM), or None when it is gone."""
    try:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def run(argv, env=None, cwd=None):
    """Runs argv; returns (wall s, cpu s, peak RSS MiB, stdout). Output goes to
    files, not pipes: wait4() (for the child's rusage) must not wait on a
    child blocked on a full pipe. Peak RSS is the child's own VmHWM, read
    every 20 ms while it runs: wait4's ru_maxrss counts the RSS of this
    script at the fork (the exec'd program inherits that high-water mark)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, env=env, cwd=cwd, stdout=out, stderr=err, text=True)
        peak = 0.0
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid != 0:
                break
            hwm = vm_hwm_mib(proc.pid)
            if hwm is not None:
                peak = max(peak, hwm)
            time.sleep(0.02)
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            raise SystemExit(f"{argv[:3]} failed ({proc.returncode}):\n{err.read()[-2000:]}")
        return wall, usage.ru_utime + usage.ru_stime, peak, out.read()


def nse_csv(path: Path, bars: int, seed: int) -> None:
    """`bars` regular-session 5m bars (09:15-15:25 IST opens, weekdays), random walk."""
    rng = np.random.default_rng(seed)
    days_needed = bars // 75 + 1
    days = np.arange(np.datetime64("1990-01-01"), np.datetime64("1990-01-01") + days_needed * 7 // 5 + 14)
    days = days[np.is_busday(days)][:days_needed]
    minutes = 9 * 60 + 15 + 5 * np.arange(75)
    ts = (days[:, None].astype("datetime64[m]") + minutes[None, :].astype("timedelta64[m]")).ravel()[:bars]
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.002, bars)))
    open_ = np.concatenate([[100.0], close[:-1]])
    high = np.maximum(open_, close) * 1.001
    low = np.minimum(open_, close) * 0.999
    text = np.char.add(np.datetime_as_string(ts, unit="s").astype("U19"), "")
    text = np.char.replace(text, "T", " ")
    with open(path, "w") as f:
        f.write("datetime,open,high,low,close,volume\n")
        for row in zip(text, open_, high, low, close):
            f.write(f"{row[0]},{row[1]:.6f},{row[2]:.6f},{row[3]:.6f},{row[4]:.6f},1000\n")


def series_csvs(work: Path, prefix: str, symbols: int, bars: int, seed: int) -> list[tuple[str, Path]]:
    """One CSV of `bars` bars per symbol S0.NS, S1.NS, ..."""
    series = []
    for s in range(symbols):
        csv = work / f"{prefix}{s}.csv"
        nse_csv(csv, bars, seed + s)
        series.append((f"S{s}.NS", csv))
    return series


def env_for(data_dir: Path) -> dict:
    env = dict(os.environ)
    env["DATA_DIR"] = str(data_dir)
    env["LOG_LEVEL"] = "warn"
    return env


def raw_lake(binary: str, work: Path, name: str, series: list[tuple[str, Path]]) -> Path:
    lake = work / name
    if lake.exists():
        return lake
    # Concurrent imports (Delta appends never conflict): the set-up of 500
    # series is bound by fsync latency, not CPU.
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda item: run([binary, "import-csv", str(item[1]), "--symbol", item[0], "--timeframe", "5m"],
                                       env=env_for(lake)), series))
    return lake


def time_pipeline(binary: str, raw: Path, work: Path, layout: list | None = None,
                  floors: list | None = None) -> tuple[float, float, float]:
    """`pipeline` on a copy of `raw`; with `layout`, fills it with the data files it
    wrote; with `floors`, appends the Arrow floor of that run."""
    lake = work / "run"
    shutil.rmtree(lake, ignore_errors=True)
    shutil.copytree(raw, lake)
    wall, cpu, rss, _ = run([binary, "pipeline", *PIPELINE_ARGS], env=env_for(lake))
    if layout is not None:
        layout.extend(data_files(lake, ("bronze", "silver")))
    if floors is not None:
        floors.append(arrow_floor(lake, ("bronze", "silver")))
    shutil.rmtree(lake, ignore_errors=True)
    return wall, cpu, rss


def data_files(lake: Path, layers: tuple[str, ...]) -> list[tuple[str, int]]:
    """(path relative to the lake, size) of every Parquet data file of `layers`, in table order."""
    files = []
    for layer in layers:
        for path in sorted((lake / layer).rglob("*.parquet")):
            files.append((str(path.relative_to(lake)), path.stat().st_size))
    return files


def fsync_dir(path: str) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def file_system_floor(work: Path, layout: list[tuple[str, int]]) -> tuple[float, float, float]:
    """The file-system work of a `pipeline` run that wrote `layout`, alone: the same
    directories (each new one made durable by an fsync of its parent, as
    lake/delta/internal/table_support.cc's EnsureDir does, except the table root, synced once
    per table as CommitStagedPartitions does), the same files with as many
    bytes, each fsynced, then its directory fsynced. No Parquet, no features,
    no Delta log. Returns (wall s, user s, system s) of this process for it:
    what no writer with the same durability can spend less than on this
    machine."""
    root = work / "floor"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir()
    payload = os.urandom(max((size for _, size in layout), default=0))
    before = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    table_roots = set()
    for rel, size in layout:
        path = root / rel
        table_root = root.joinpath(*Path(rel).parts[:2])  # <layer>/<table>
        table_roots.add(table_root)
        missing = []
        for parent in path.parents:
            if parent == root or parent.exists():
                break
            missing.append(parent)
        for new_dir in reversed(missing):
            new_dir.mkdir()
            if new_dir.parent != table_root:
                fsync_dir(str(new_dir.parent))
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            os.write(fd, payload[:size])
            os.fsync(fd)
        finally:
            os.close(fd)
        fsync_dir(str(path.parent))
    for table_root in table_roots:
        fsync_dir(str(table_root))
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_SELF)
    shutil.rmtree(root, ignore_errors=True)
    return wall, after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime


def arrow_floor(lake: Path, encoded: tuple[str, ...], csv_path: Path | None = None) -> tuple[float, float, float] | None:
    """CPU seconds (user + sys) Arrow's C++ spends, on one thread, on the parts
    of a run that any implementation must do: parsing `csv_path` (when given),
    reading `lake`'s raw table (the pipeline's input) and encoding the Parquet
    data files of the `encoded` layers again (read first, untimed) into
    memory, with snappy and dictionaries on string columns only. Each the
    better of two tries; None without pyarrow. Returns (csv, raw read,
    encoding). Into memory, so that the file system's share (creating,
    writing and syncing the same files) is the fs floor's alone and the two
    add up."""
    try:
        import pyarrow as pa
        import pyarrow.csv as pa_csv
        import pyarrow.parquet as pq
    except ImportError:
        return None
    pa.set_cpu_count(1)
    pa.set_io_thread_count(1)
    raw_files = sorted((lake / "raw").rglob("*.parquet"))
    tables = [pq.read_table(path) for layer in encoded for path in sorted((lake / layer).rglob("*.parquet"))]

    def cpu() -> float:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    best = [float("inf")] * 3
    for _ in range(2):  # the better of two: the first pays Arrow's one-time set-up
        start = cpu()
        if csv_path is not None:
            pa_csv.read_csv(csv_path, read_options=pa_csv.ReadOptions(use_threads=False))
        parsed = cpu()
        for path in raw_files:
            pq.read_table(path, use_threads=False)
        read = cpu()
        for table in tables:
            strings = [field.name for field in table.schema if pa.types.is_string(field.type)]
            pq.write_table(table, pa.BufferOutputStream(), compression="snappy", use_dictionary=strings)
        written = cpu()
        best = [min(b, t) for b, t in zip(best, (parsed - start, read - parsed, written - read))]
    return best[0], best[1], best[2]


def fmt(bars: int, wall: float, cpu: float, rss: float) -> str:
    return (f"{wall:7.2f} s wall ({bars / wall / 1e6:5.2f} M bars/s) | {cpu:7.2f} s CPU ({bars / cpu / 1e6:5.2f} M bars/CPU s)"
            f" | {rss:7.0f} MiB")


def main() -> int:
    binaries = dict(arg.split("=", 1) for arg in sys.argv[1:] if "=" in arg)
    if not binaries:  # scripts/run-benchmarks: the bench preset's binary alone
        default = Path(os.environ.get("RC_BENCH_BIN", ROOT / "build" / "bench" / "bin")) / "regimecast"
        if not default.exists():
            print(__doc__)
            return 2
        binaries = {"ours": str(default)}
    first = next(iter(binaries.values()))
    scale = 10 if QUICK else 1
    with tempfile.TemporaryDirectory(prefix="rc-bench-pipeline-") as tmp:
        work = Path(tmp)
        print(f"load average before: {os.getloadavg()}")
        one_csv = work / "one.csv"
        if "one-symbol" in CASES:
            nse_csv(one_csv, 1_000_000 // scale, 1)
        one = raw_lake(first, work, "raw-one", [("TCS.NS", one_csv)]) if "one-symbol" in CASES else None
        many = (raw_lake(first, work, "raw-many", series_csvs(work, "m", 500 // scale, 2_000, 100))
                if "many-symbols" in CASES else None)
        cases = {"one-symbol": (one, 1_000_000 // scale), "many-symbols": (many, 500 // scale * 2_000)}
        for case, (raw, bars) in cases.items():
            if case not in CASES:
                continue
            for rnd in range(1, ROUNDS + 1):
                layout: list[tuple[str, int]] = []
                floors: list = []
                for name, binary in binaries.items():
                    first_run = not layout
                    wall, cpu, rss = time_pipeline(binary, raw, work, layout if first_run else None,
                                                   floors if first_run else None)
                    print(f"{case:13s} round {rnd} {name:8s}: {fmt(bars, wall, cpu, rss)}  load {os.getloadavg()[0]:.1f}")
                wall, user, system = file_system_floor(work, layout)
                print(f"{case:13s} round {rnd} fs floor: {wall:7.2f} s wall | {user + system:7.2f} s CPU ({system:.2f} system)"
                      f" for {len(layout)} files of {sum(size for _, size in layout) / 2**20:.0f} MiB, no Parquet"
                      f"  load {os.getloadavg()[0]:.1f}")
                if floors and floors[0] is not None:
                    _, read, encoded = floors[0]
                    print(f"{case:13s} round {rnd} Arrow floor: raw read {read:5.2f} s + bronze and silver Parquet encoded in"
                          f" memory {encoded:5.2f} s CPU (pyarrow, one thread; no bronze rules, features or Delta); with"
                          f" the fs floor {read + encoded + user + system:5.2f} s; 1 M bars per CPU second leaves"
                          f" {bars / 1e6:5.2f} s")

        if REAL_CSV.exists() and "csv" in CASES:
            long_csv = work / "long.csv"
            copies = 5 if QUICK else 50
            subprocess.run([str(PEER_PYTHON if PEER_PYTHON.exists() else sys.executable), str(PEER / "make_long.py"),
                            str(REAL_CSV), str(long_csv), "--copies", str(copies)], check=True, capture_output=True)
            rows = sum(1 for _ in open(long_csv)) - 1
            for rnd in range(1, ROUNDS + 1):
                layout = []
                arrow = None
                for name, binary in binaries.items():
                    lake = work / "csv"
                    shutil.rmtree(lake, ignore_errors=True)
                    w1, c1, _, _ = run([binary, "import-csv", str(long_csv), "--symbol", "TCS.NS", "--timeframe", "5m",
                                        "--layout", "nse"], env=env_for(lake))
                    w2, c2, _, _ = run([binary, "pipeline", *PIPELINE_ARGS], env=env_for(lake))
                    print(f"csv           round {rnd} {name:8s}: import-csv {w1:6.2f} s + pipeline {w2:6.2f} s = "
                          f"{w1 + w2:6.2f} s wall ({c1 + c2:6.2f} s CPU) for {rows} rows  load {os.getloadavg()[0]:.1f}")
                    if not layout:
                        layout = data_files(lake, ("raw", "bronze", "silver"))
                        arrow = arrow_floor(lake, ("raw", "bronze", "silver"), long_csv)
                wall, user, system = file_system_floor(work, layout)
                print(f"csv           round {rnd} fs floor: {wall:6.2f} s wall ({user + system:6.2f} s CPU, {system:.2f} system)"
                      f" for the {len(layout)} data files ({sum(size for _, size in layout) / 2**20:.0f} MiB)"
                      f" of raw, bronze and silver, no CSV, Parquet or features  load {os.getloadavg()[0]:.1f}")
                if arrow is not None:
                    print(f"csv           round {rnd} Arrow floor: CSV parse {arrow[0]:5.2f} s + raw read {arrow[1]:5.2f} s"
                          f" + raw, bronze and silver Parquet encoded in memory {arrow[2]:5.2f} s = {sum(arrow):5.2f} s CPU"
                          f" (pyarrow, one thread; no time zones, bronze rules, features or Delta); with the fs floor"
                          f" {sum(arrow) + user + system:5.2f} s")
                if PEER_PYTHON.exists():
                    wall, cpu, _, out = run([str(PEER_PYTHON), "pipeline.py", str(long_csv), "--out",
                                             str(work / "peer-out")], cwd=PEER)
                    e2e = [line for line in out.splitlines() if line.startswith("end-to-end")]
                    print(f"csv           round {rnd} peer    : {wall:6.2f} s wall process ({cpu:6.2f} s CPU); "
                          f"{e2e[0] if e2e else ''}  load {os.getloadavg()[0]:.1f}")
                    print(f"csv           round {rnd} 5x the peer's CPU leaves {cpu / 5:5.2f} s CPU for both commands")

        if os.environ.get("RSS", "1") == "1" and "rss" in CASES:
            last = list(binaries.values())[-1]
            big = raw_lake(last, work, "raw-rss", series_csvs(work, "r", 500 // scale, 20_000, 1000))
            wall, cpu, rss = time_pipeline(last, big, work)
            print(f"rss           {list(binaries)[-1]}: {500 // scale} x 20,000 bars: {fmt(500 // scale * 20_000, wall, cpu, rss)}")
        print(f"load average after: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
