"""Delta checkpoints, interop both ways.

Our checkpoints (every 10 commits, `_last_checkpoint`): delta-rs reads every version with
the same rows, DuckDB's delta_scan reads the latest, pyarrow reads the checkpoint file;
after `regimecast lake cleanup-log` removed the log behind a checkpoint, they (and we)
still read every retained version, and we refuse the removed ones clearly.
delta-rs's checkpoints (`DeltaTable.create_checkpoint()`): we read tables whose log starts
at one.
"""
from __future__ import annotations

import json
import os
import pathlib
import subprocess

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from deltalake import DeltaTable, write_deltalake

from conftest import run_cli
from test_delta_interop import (SYMBOLS, T0, cat_jsonl, duckdb_connection, import_rows, key, make_rows,
                                normalise)

COMMITS = 23


def rows_of(version_rows):
    return sorted((normalise(r) for r in version_rows), key=key)


@pytest.fixture
def checkpointed(rc_binary, tmp_path):
    """A table of COMMITS versions (appends and partition replacements): checkpoints at 10 and 20."""
    table = tmp_path / "bars"
    expected = {0: []}
    state: list[dict] = []
    for i in range(COMMITS):
        symbol = SYMBOLS[i % len(SYMBOLS)]
        rows = make_rows(symbol, 1 + i % 3, start_minute=i * 10, close_base=float(i))
        if i % 4 == 3:
            v = import_rows(rc_binary, table, rows, mode="replace")
            state = [r for r in state if r["symbol"] != symbol] + rows
        else:
            v = import_rows(rc_binary, table, rows)
            state = state + rows
        expected[v] = list(state)
    assert max(expected) == COMMITS
    return table, expected


def log_names(table: pathlib.Path) -> set[str]:
    return set(os.listdir(table / "_delta_log"))


def test_checkpoints_and_last_checkpoint_are_written(checkpointed):
    table, expected = checkpointed
    names = log_names(table)
    assert "00000000000000000010.checkpoint.parquet" in names
    assert "00000000000000000020.checkpoint.parquet" in names
    last = json.loads((table / "_delta_log" / "_last_checkpoint").read_text())
    assert last["version"] == 20
    # pyarrow reads our checkpoint: the protocol's columns, one action per row.
    ckpt = pq.read_table(table / "_delta_log" / "00000000000000000020.checkpoint.parquet")
    for column in ("add", "remove", "metaData", "protocol", "txn"):
        assert column in ckpt.schema.names
    assert ckpt.schema.field("add").type.field("partitionValues").type == pa.map_(pa.string(), pa.string())
    assert ckpt.schema.field("metaData").type.field("partitionColumns").type == pa.list_(pa.string())
    rows = ckpt.to_pylist()
    assert last["size"] == len(rows)
    adds = [r["add"] for r in rows if r["add"] is not None]
    live = DeltaTable(str(table), version=20).get_add_actions(flatten=True).column("path").to_pylist()
    assert sorted(a["path"] for a in adds) == sorted(live)
    assert last["numOfAddFiles"] == len(adds)
    protocol = [r["protocol"] for r in rows if r["protocol"] is not None]
    assert protocol == [{"minReaderVersion": 1, "minWriterVersion": 2, "readerFeatures": None, "writerFeatures": None}]
    meta = [r["metaData"] for r in rows if r["metaData"] is not None][0]
    assert meta["partitionColumns"] == ["symbol", "timeframe"]


def test_delta_rs_duckdb_and_we_read_every_version_after_our_checkpoints(rc_binary, checkpointed):
    table, expected = checkpointed
    assert DeltaTable(str(table)).version() == COMMITS
    for version, want in expected.items():
        got = DeltaTable(str(table), version=version).to_pyarrow_table().to_pylist()
        assert rows_of(got) == rows_of(want), f"delta-rs at version {version}"
        ours = cat_jsonl(rc_binary, table, "--version", str(version))
        assert len(ours) == len(want), f"regimecast at version {version}"
    con = duckdb_connection()
    count, total = con.execute(f"SELECT count(*), sum(volume) FROM delta_scan('file://{table}')").fetchone()
    assert count == len(expected[COMMITS])
    assert total == sum(r["volume"] for r in expected[COMMITS])


def test_after_log_cleanup_every_retained_version_still_reads_everywhere(rc_binary, checkpointed):
    table, expected = checkpointed
    proc = run_cli(rc_binary, "lake", "cleanup-log", str(table), "--retention-hours", "0", "--dry-run")
    assert "would delete 21 log files" in proc.stdout  # commits 0..19 and checkpoint 10
    assert "00000000000000000000.json" in log_names(table)
    proc = run_cli(rc_binary, "lake", "cleanup-log", str(table), "--retention-hours", "0")
    assert "deleted 21 log files (the log starts at checkpoint 20)" in proc.stdout
    names = log_names(table)
    assert "00000000000000000019.json" not in names
    assert "00000000000000000010.checkpoint.parquet" not in names
    assert "00000000000000000020.checkpoint.parquet" in names

    for version in range(20, COMMITS + 1):
        want = rows_of(expected[version])
        got = DeltaTable(str(table), version=version).to_pyarrow_table().to_pylist()
        assert rows_of(got) == want, f"delta-rs at version {version}"
        assert len(cat_jsonl(rc_binary, table, "--version", str(version))) == len(want)
    latest = cat_jsonl(rc_binary, table)
    assert sorted((r["symbol"], r["ts"]) for r in latest) == sorted(
        (r["symbol"], r["ts"]) for r in expected[COMMITS])
    con = duckdb_connection()
    assert con.execute(f"SELECT count(*) FROM delta_scan('file://{table}')").fetchone()[0] == len(expected[COMMITS])
    # A removed version fails clearly, never as an empty or wrong table.
    proc = run_cli(rc_binary, "lake", "cat", str(table), "--version", "5", check=False)
    assert proc.returncode != 0 and "cleaned up" in proc.stderr
    history = run_cli(rc_binary, "lake", "history", str(table)).stdout.splitlines()
    assert len([line for line in history if line.strip()]) >= COMMITS - 20 + 1
    # Writing continues on the cleaned log, and delta-rs follows.
    v = import_rows(rc_binary, table, make_rows("AAPL", 2, start_minute=900))
    assert v == COMMITS + 1
    assert DeltaTable(str(table)).to_pyarrow_table().num_rows == len(expected[COMMITS]) + 2


def test_cleanup_log_help_names_its_options(rc_binary):
    out = run_cli(rc_binary, "lake", "cleanup-log", "--help").stdout
    assert "--retention-hours" in out and "--dry-run" in out and "checkpoint" in out
    proc = run_cli(rc_binary, "lake", "cleanup-log", "/nonexistent/table", check=False)
    assert proc.returncode != 0


def test_we_read_a_table_whose_log_starts_at_a_delta_rs_checkpoint(rc_binary, tmp_path):
    path = tmp_path / "rs"
    for i in range(6):
        batch = pa.table({
            "symbol": ["AAPL", "EURUSD=X"],
            "ts": pa.array([T0, T0], type=pa.timestamp("us", tz="UTC")),
            "close": [float(i), None],
            "volume": pa.array([i, 10 + i], type=pa.int64()),
        })
        write_deltalake(str(path), batch, partition_by=["symbol"], mode="overwrite" if i == 3 else "append")
    DeltaTable(str(path)).create_checkpoint()
    assert "00000000000000000005.checkpoint.parquet" in log_names(path)
    # The log now starts at the checkpoint, as after delta-rs's or Spark's cleanup.
    for v in range(5):
        (path / "_delta_log" / f"{v:020d}.json").unlink()
    write_deltalake(str(path), pa.table({
        "symbol": ["^NSEI"], "ts": pa.array([T0], type=pa.timestamp("us", tz="UTC")),
        "close": [9.5], "volume": pa.array([99], type=pa.int64())}), partition_by=["symbol"], mode="append")
    want = DeltaTable(str(path)).to_pyarrow_table().to_pylist()
    got = cat_jsonl(rc_binary, path)
    order = lambda r: (r["symbol"], r["volume"])  # noqa: E731
    assert sorted(((r["symbol"], r["volume"], r["close"]) for r in got), key=lambda x: (x[0], x[1])) == sorted(
        ((r["symbol"], r["volume"], r["close"]) for r in want), key=lambda x: (x[0], x[1]))
    assert sorted(got, key=order)[0]["symbol"] == "AAPL"
    assert len(cat_jsonl(rc_binary, path, "--version", "5")) == DeltaTable(str(path), version=5).to_pyarrow_table().num_rows
    proc = run_cli(rc_binary, "lake", "cat", str(path), "--version", "2", check=False)
    assert proc.returncode != 0 and "cleaned up" in proc.stderr
    # And we keep writing on it: our next checkpoint is read back by delta-rs.
    rows = [{"symbol": "AAPL", "ts": "2024-01-02T10:00:00Z", "close": float(i), "volume": 1000 + i}
            for i in range(5)]
    text = "".join(json.dumps(r) + "\n" for r in rows)
    proc = subprocess.run([str(rc_binary), "lake", "import-jsonl", str(path), "--schema",
                           "symbol:string,ts:timestamp,close:double,volume:int64", "--partition-by", "symbol",
                           "--rows-per-commit", "1"], input=text, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "00000000000000000010.checkpoint.parquet" in log_names(path)
    assert DeltaTable(str(path)).to_pyarrow_table().num_rows == len(want) + 5
    assert len(cat_jsonl(rc_binary, path)) == len(want) + 5


def test_we_read_a_spark_shaped_checkpoint_and_refuse_what_we_cannot_read(rc_binary, tmp_path):
    """Spark's checkpoints add typed copies of stats and partition values (writeStatsAsStruct),
    which may hold types we do not map (decimal): they are skipped, the JSON forms are used."""
    table = tmp_path / "bars"
    state = []
    for i in range(4):
        rows = make_rows(SYMBOLS[i % 2], 3, start_minute=i * 10)
        import_rows(rc_binary, table, rows)
        state += rows
    DeltaTable(str(table)).create_checkpoint()
    ckpt_path = table / "_delta_log" / "00000000000000000004.checkpoint.parquet"
    ckpt = pq.read_table(ckpt_path)
    adds = ckpt.column("add").to_pylist()
    parsed_type = pa.struct([("symbol", pa.string()), ("timeframe", pa.string())])
    stats_type = pa.struct([("numRecords", pa.int64()),
                            ("minValues", pa.struct([("close", pa.decimal128(10, 2)),
                                                     ("ts", pa.timestamp("us", tz="UTC"))]))])
    add_type = pa.struct(list(ckpt.schema.field("add").type) + [
        pa.field("partitionValues_parsed", parsed_type), pa.field("stats_parsed", stats_type)])
    new_adds = []
    for add in adds:
        if add is None:
            new_adds.append(None)
            continue
        add = dict(add)
        pv = dict(add["partitionValues"])
        add["partitionValues_parsed"] = {"symbol": pv["symbol"], "timeframe": pv["timeframe"]}
        add["stats_parsed"] = {"numRecords": 3, "minValues": {"close": None, "ts": T0}}
        new_adds.append(add)
    columns = {name: ckpt.column(name) for name in ckpt.schema.names}
    columns["add"] = pa.array(new_adds, type=add_type)
    pq.write_table(pa.table(columns), ckpt_path)
    for v in range(4):
        (table / "_delta_log" / f"{v:020d}.json").unlink()
    got = cat_jsonl(rc_binary, table)
    assert sorted((r["symbol"], r["ts"]) for r in got) == sorted((r["symbol"], r["ts"]) for r in state)

    # A deletion vector in the checkpoint is refused, never read as if the rows were all live.
    dv_type = add_type.field("deletionVector").type
    dv_adds = [dict(a) if a is not None else None for a in new_adds]
    first = next(i for i, a in enumerate(dv_adds) if a is not None)
    dv_adds[first]["deletionVector"] = {f.name: None for f in dv_type} | {
        "storageType": "u", "pathOrInlineDv": "ab^-aqEH.-t@S}K{vb[*k^", "sizeInBytes": 40, "cardinality": 1}
    columns["add"] = pa.array(dv_adds, type=add_type)
    pq.write_table(pa.table(columns), ckpt_path)
    proc = run_cli(rc_binary, "lake", "cat", str(table), check=False)
    assert proc.returncode != 0 and "deletion vector" in proc.stderr
