"""Delta Lake interop: delta-rs and DuckDB read the tables regimecast writes (at
every version, with the right rows, types and partition values), and
regimecast reads tables that delta-rs writes.

Tables are written through the real CLI (`regimecast lake import-jsonl`), read
back through `regimecast lake cat`.
"""
from __future__ import annotations

import datetime as dt
import json
import pathlib
import subprocess

import pyarrow as pa
import pytest
from deltalake import DeltaTable, write_deltalake

from conftest import duckdb_delta_connection, run_cli

UTC = dt.timezone.utc
SCHEMA = ("symbol:string:required,timeframe:string:required,ts:timestamp:required,close:double,"
          "volume:int64,n:int32,flag:bool,day:date")
T0 = dt.datetime(2024, 1, 2, 9, 15, tzinfo=UTC)
# Partition values that need escaping in directory names and in add.path.
SYMBOLS = ["AAPL", "EURUSD=X", "^NSEI", "A%B", "日本"]


def import_rows(binary, table, rows, mode="append", partition_by="symbol,timeframe", schema=SCHEMA):
    text = "".join(json.dumps(r) + "\n" for r in rows)
    proc = subprocess.run([str(binary), "lake", "import-jsonl", str(table), "--schema", schema,
                           "--partition-by", partition_by, "--mode", mode],
                          input=text, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return int(proc.stdout.strip().split()[-1])


def make_rows(symbol, count, start_minute=0, close_base=100.0):
    rows = []
    for i in range(count):
        m = start_minute + i
        rows.append({
            "symbol": symbol, "timeframe": "5m",
            "ts": (T0 + dt.timedelta(minutes=m)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "close": None if m % 4 == 3 else close_base + m + 0.25,
            "volume": 1000 + m, "n": -m, "flag": m % 2 == 0, "day": "2024-01-02",
        })
    return rows


def normalise(row):
    """A row as comparable plain values (ts -> aware datetime, day -> date)."""
    out = dict(row)
    ts = out["ts"]
    if isinstance(ts, str):
        ts = dt.datetime.fromisoformat(ts.replace("Z", "+00:00"))
    out["ts"] = ts.astimezone(UTC)
    day = out.get("day")
    if isinstance(day, str):
        out["day"] = dt.date.fromisoformat(day)
    return out


def key(row):
    return (row["symbol"], row["ts"])


@pytest.fixture
def our_table(rc_binary, tmp_path):
    """A table with 5 versions: create+append, append, replace one partition, append, replace to empty."""
    table = tmp_path / "bars"
    expected = {}
    state = []
    v = import_rows(rc_binary, table, sum((make_rows(s, 3) for s in SYMBOLS[:3]), []))
    state = sum((make_rows(s, 3) for s in SYMBOLS[:3]), [])
    expected[v] = list(state)
    rows = make_rows("A%B", 2) + make_rows("日本", 4) + make_rows("AAPL", 2, start_minute=10)
    v = import_rows(rc_binary, table, rows)
    state += rows
    expected[v] = list(state)
    rows = make_rows("EURUSD=X", 2, start_minute=50, close_base=7.0)
    v = import_rows(rc_binary, table, rows, mode="replace")
    state = [r for r in state if r["symbol"] != "EURUSD=X"] + rows
    expected[v] = list(state)
    rows = make_rows("^NSEI", 1, start_minute=99)
    v = import_rows(rc_binary, table, rows)
    state += rows
    expected[v] = list(state)
    expected[0] = []
    return table, expected


def test_delta_rs_reads_every_version(our_table):
    table, expected = our_table
    latest = max(expected)
    assert DeltaTable(str(table)).version() == latest
    for version, rows in expected.items():
        dt_ = DeltaTable(str(table), version=version)
        got = dt_.to_pyarrow_table()
        schema = got.schema
        assert schema.field("ts").type == pa.timestamp("us", tz="UTC")
        assert schema.field("close").type == pa.float64()
        assert schema.field("volume").type == pa.int64()
        assert schema.field("n").type == pa.int32()
        assert schema.field("flag").type == pa.bool_()
        assert schema.field("day").type == pa.date32()
        assert schema.field("symbol").type in (pa.string(), pa.large_string(), pa.string_view())
        got_rows = sorted((normalise(r) for r in got.to_pylist()), key=key)
        want = sorted((normalise(r) for r in rows), key=key)
        assert got_rows == want, f"version {version}"
    assert dt_.metadata().partition_columns == ["symbol", "timeframe"]
    files = DeltaTable(str(table)).file_uris()
    assert any("symbol=EURUSD%3DX" in f or "symbol=EURUSD%253DX" in f for f in files), files


def test_delta_rs_history_and_partition_values(our_table):
    table, expected = our_table
    history = DeltaTable(str(table)).history()
    assert len(history) == max(expected) + 1
    ops = {h["version"]: h.get("operation") for h in history}
    assert ops[0] == "CREATE TABLE" and ops[1] == "WRITE"
    assert all(h.get("engineInfo", "").startswith("regimecast/") for h in history)
    actions = DeltaTable(str(table)).get_add_actions(flatten=True)
    parts = set(actions.column("partition.symbol").to_pylist())
    assert parts == set(SYMBOLS)


def duckdb_connection():
    return duckdb_delta_connection()


def test_duckdb_delta_scan_reads_latest(our_table):
    table, expected = our_table
    con = duckdb_connection()
    # epoch_us: fetching TIMESTAMPTZ values into Python would need pytz.
    rel = con.execute(f"SELECT symbol, epoch_us(ts) AS ts, typeof(ts) AS ts_type, close, volume, n, flag, day "
                      f"FROM delta_scan('file://{table}')")
    cols = [d[0] for d in rel.description]
    got = []
    for r in rel.fetchall():
        row = dict(zip(cols, r))
        assert row.pop("ts_type") == "TIMESTAMP WITH TIME ZONE"
        row["ts"] = dt.datetime.fromtimestamp(row["ts"] / 1e6, tz=UTC)
        got.append(normalise(row))
    got.sort(key=key)
    want = sorted(({k: v for k, v in normalise(r).items() if k != "timeframe"} for r in expected[max(expected)]),
                  key=key)
    assert got == want
    count = con.execute(f"SELECT count(*) FROM delta_scan('file://{table}') WHERE symbol = 'EURUSD=X'").fetchone()[0]
    assert count == 2


def cat_jsonl(binary, path, *args):
    out = run_cli(binary, "lake", "cat", str(path), "--format", "jsonl", *args).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_we_read_delta_rs_partitioned_append_and_overwrite(rc_binary, tmp_path):
    path = tmp_path / "rs"
    first = pa.table({
        "symbol": ["AAPL", "AAPL", "EURUSD=X"],
        "ts": pa.array([T0, T0 + dt.timedelta(minutes=5), T0], type=pa.timestamp("us", tz="UTC")),
        "close": [1.5, None, 2.25],
        "volume": pa.array([1, 2, 3], type=pa.int64()),
    })
    write_deltalake(str(path), first, partition_by=["symbol"])
    second = pa.table({
        "symbol": ["^NSEI"], "ts": pa.array([T0], type=pa.timestamp("us", tz="UTC")),
        "close": [9.0], "volume": pa.array([4], type=pa.int64()),
    })
    write_deltalake(str(path), second, partition_by=["symbol"], mode="append")
    rows = cat_jsonl(rc_binary, path)
    order = lambda x: (x[0], -1.0 if x[1] is None else x[1])  # noqa: E731
    assert sorted(((r["symbol"], r["close"]) for r in rows), key=order) == sorted(
        [("AAPL", 1.5), ("AAPL", None), ("EURUSD=X", 2.25), ("^NSEI", 9.0)], key=order)
    assert {r["ts"] for r in rows if r["symbol"] == "EURUSD=X"} == {"2024-01-02T09:15:00Z"}
    # Time travel to delta-rs's version 0.
    assert len(cat_jsonl(rc_binary, path, "--version", "0")) == 3
    assert len(cat_jsonl(rc_binary, path, "--where-symbol", "EURUSD=X")) == 1
    write_deltalake(str(path), second, partition_by=["symbol"], mode="overwrite")
    rows = cat_jsonl(rc_binary, path)
    assert [(r["symbol"], r["close"]) for r in rows] == [("^NSEI", 9.0)]
    history = run_cli(rc_binary, "lake", "history", str(path)).stdout.splitlines()
    assert len(history) == 3
    schema = run_cli(rc_binary, "lake", "schema", str(path)).stdout
    assert "ts\ttimestamp" in schema and "symbol\tstring" in schema and "partition" in schema


def test_we_read_delta_rs_unpartitioned_overwrite(rc_binary, tmp_path):
    path = tmp_path / "plain"
    write_deltalake(str(path), pa.table({"x": pa.array([1, 2, 3], type=pa.int32()), "s": ["a", None, "c"]}))
    write_deltalake(str(path), pa.table({"x": pa.array([7], type=pa.int32()), "s": ["z"]}), mode="overwrite")
    assert cat_jsonl(rc_binary, path) == [{"x": 7, "s": "z"}]
    assert cat_jsonl(rc_binary, path, "--version", "0") == [{"x": 1, "s": "a"}, {"x": 2, "s": None},
                                                             {"x": 3, "s": "c"}]
    csv = run_cli(rc_binary, "lake", "cat", str(path), "--version", "0", "--columns", "s").stdout
    assert csv.splitlines() == ["s", "a", "", "c"]


def test_cli_maintenance_on_our_table(rc_binary, our_table):
    table, expected = our_table
    out = run_cli(rc_binary, "lake", "compact", str(table)).stdout
    assert "compacted" in out
    compacted = max(expected) + 1
    # Compaction changes no data: delta-rs sees the same rows at the new version.
    got = DeltaTable(str(table), version=compacted).to_pyarrow_table().to_pylist()
    assert sorted((normalise(r) for r in got), key=key) == sorted(
        (normalise(r) for r in expected[max(expected)]), key=key)
    dry = run_cli(rc_binary, "lake", "vacuum", str(table), "--retention-hours", "0", "--dry-run").stdout
    assert dry.strip().endswith("bytes)") and "would delete" in dry
    run_cli(rc_binary, "lake", "vacuum", str(table), "--retention-hours", "0")
    assert len(DeltaTable(str(table)).to_pyarrow_table()) == len(expected[max(expected)])
    bad = run_cli(rc_binary, "lake", "cat", str(table), "--version", "99", check=False)
    assert bad.returncode == 1 and "not_found" in bad.stderr


def test_compaction_of_appended_files_reads_in_delta_rs_and_pyarrow_and_keeps_the_data_version(rc_binary, tmp_path):
    """The live loop appends a small file per bar close and the lake maintenance merges them
    (backend/src/lake/maintenance.h): an OPTIMIZE commit removing them with dataChange=false and adding one
    file tagged with the newest data version it merged (regimecast.dataVersion), which other readers ignore."""
    import pyarrow.parquet as pq

    table = tmp_path / "bars"
    state = []
    for close in range(10):  # ten closes of AAPL (ten small files), one of ^NSEI (left alone: one file)
        rows = make_rows("AAPL", 2, start_minute=2 * close)
        import_rows(rc_binary, table, rows)
        state += rows
    rows = make_rows("^NSEI", 3)
    last_append = import_rows(rc_binary, table, rows)
    state += rows
    out = run_cli(rc_binary, "lake", "compact", str(table)).stdout
    assert "compacted" in out
    dt_table = DeltaTable(str(table))
    assert dt_table.version() == last_append + 1
    assert dt_table.history(1)[0]["operation"] == "OPTIMIZE"
    got = dt_table.to_pyarrow_table().to_pylist()
    assert sorted((normalise(r) for r in got), key=key) == sorted((normalise(r) for r in state), key=key)
    before = DeltaTable(str(table), version=last_append).to_pyarrow_table().to_pylist()
    assert sorted((normalise(r) for r in before), key=key) == sorted((normalise(r) for r in state), key=key)
    commit = [json.loads(line) for line in
              (table / "_delta_log" / f"{last_append + 1:020d}.json").read_text().splitlines()]
    removes = [a["remove"] for a in commit if "remove" in a]
    adds = [a["add"] for a in commit if "add" in a]
    assert len(removes) == 10 and all(r["dataChange"] is False for r in removes)
    assert len(adds) == 1 and adds[0]["dataChange"] is False
    # The merged rows last changed at the newest of the ten files: the tenth AAPL append, just before ^NSEI's.
    assert adds[0]["tags"]["regimecast.dataVersion"] == str(last_append - 1)
    merged = pq.read_table(table / adds[0]["path"])  # AAPL's directory needs no escaping
    assert merged.num_rows == 20
