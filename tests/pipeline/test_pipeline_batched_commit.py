"""`regimecast pipeline` commits many partitions in ONE Delta commit per table (a batch); other engines
read those batched tables the same as ours: delta-rs (deltalake), pyarrow on the files delta-rs lists,
and DuckDB's delta extension, at the latest version and at the version before a batch replaced some
partitions."""
from __future__ import annotations

import json
from pathlib import Path

import deltalake
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from conftest import duckdb_delta_connection, run_cli

SYMBOLS = [f"S{i:02d}.NS" for i in range(12)]


def sim_csv(binary, tmp_path, seed, days, end):
    out = tmp_path / f"sim-{seed}-{days}.csv"
    run_cli(binary, "sim", "--symbol", "TCS.NS", "--timeframe", "5m", "--days", days, "--seed", seed, "--end", end,
            "--out", out)
    return out


def import_csv(binary, csv, symbol, env):
    run_cli(binary, "import-csv", csv, "--symbol", symbol, "--timeframe", "5m", "--tz", "UTC", env=env)


def counts_by_symbol(table) -> dict[str, int]:
    grouped = table.group_by("symbol").aggregate([("ts", "count")])
    return dict(zip(grouped.column("symbol").to_pylist(), grouped.column("ts_count").to_pylist()))


def our_counts(binary, table_dir) -> dict[str, int]:
    out = run_cli(binary, "lake", "cat", str(table_dir), "--format", "jsonl", "--columns", "symbol,ts").stdout
    counts: dict[str, int] = {}
    for line in out.splitlines():
        if line.strip():
            symbol = json.loads(line)["symbol"]
            counts[symbol] = counts.get(symbol, 0) + 1
    return counts


def pyarrow_counts(dt: deltalake.DeltaTable) -> dict[str, int]:
    """pyarrow alone on the data files the log lists (partition values come from the add actions)."""
    counts: dict[str, int] = {}
    actions = pa.table(dt.get_add_actions(flatten=True)).to_pydict()  # deltalake may hand an arro3 table
    for path, symbol in zip(actions["path"], actions["partition.symbol"]):
        rows = pq.read_metadata(str(Path(dt.table_uri) / path)).num_rows
        counts[symbol] = counts.get(symbol, 0) + rows
    return counts


def test_batched_commits_are_read_by_delta_rs_pyarrow_and_duckdb(rc_binary, tmp_path):
    env = {"DATA_DIR": str(tmp_path / "data"), "HORIZONS_MINUTES": "30"}
    first = sim_csv(rc_binary, tmp_path, seed=5, days=4, end="2024-03-01T00:00:00Z")
    for symbol in SYMBOLS:
        import_csv(rc_binary, first, symbol, env)
    run_cli(rc_binary, "pipeline", env=env)
    silver_dir = Path(env["DATA_DIR"]) / "silver" / "features"
    bronze_dir = Path(env["DATA_DIR"]) / "bronze" / "bars"
    for table_dir in (bronze_dir, silver_dir):
        dt = deltalake.DeltaTable(str(table_dir))
        # Version 0 creates the table, version 1 is the one batch of all 12 partitions.
        assert dt.version() == 1
        last = dt.history(1)[0]
        assert last["operation"] == "WRITE"
        assert int(last["operationMetrics"]["numFiles"]) == len(SYMBOLS)
    silver_v1 = our_counts(rc_binary, silver_dir)
    assert sorted(silver_v1) == SYMBOLS and all(n > 0 for n in silver_v1.values())

    # New bars for three symbols: one more batch replaces exactly those three partitions.
    later = sim_csv(rc_binary, tmp_path, seed=6, days=2, end="2024-03-05T00:00:00Z")
    for symbol in SYMBOLS[:3]:
        import_csv(rc_binary, later, symbol, env)
    out = run_cli(rc_binary, "pipeline", env=env).stdout
    assert out.count("bronze rebuilt") == 3
    dt = deltalake.DeltaTable(str(silver_dir))
    assert dt.version() == 2
    last = dt.history(1)[0]
    assert int(last["operationMetrics"]["numFiles"]) == 3
    assert int(last["operationMetrics"]["numRemovedFiles"]) == 3
    ours = our_counts(rc_binary, silver_dir)
    assert ours[SYMBOLS[0]] > silver_v1[SYMBOLS[0]]
    assert {s: ours[s] for s in SYMBOLS[3:]} == {s: silver_v1[s] for s in SYMBOLS[3:]}

    # delta-rs, pyarrow and DuckDB agree with our reader, at the latest version and the one before.
    assert counts_by_symbol(dt.to_pyarrow_table(columns=["symbol", "ts"])) == ours
    assert pyarrow_counts(dt) == ours
    con = duckdb_delta_connection()
    rows = con.execute(f"SELECT symbol, count(*) FROM delta_scan('file://{silver_dir}') GROUP BY symbol").fetchall()
    assert dict(rows) == ours
    old = deltalake.DeltaTable(str(silver_dir), version=1)
    assert counts_by_symbol(old.to_pyarrow_table(columns=["symbol", "ts"])) == silver_v1
    # Values, not only counts: the newest close of a rebuilt partition is the same everywhere.
    table = dt.to_pyarrow_table(columns=["symbol", "ts", "close"])
    s0 = table.filter(pc.equal(table.column("symbol"), SYMBOLS[0])).sort_by("ts")
    duck = con.execute(f"SELECT close FROM delta_scan('file://{silver_dir}') WHERE symbol = '{SYMBOLS[0]}' "
                       "ORDER BY ts DESC LIMIT 1").fetchone()[0]
    assert s0.column("close")[-1].as_py() == duck
