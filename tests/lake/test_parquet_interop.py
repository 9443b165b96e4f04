"""Parquet interop: files we write are read by pyarrow and DuckDB (values, types,
statistics); files pyarrow and DuckDB write are read by us (every codec, page v1/v2,
dictionary on/off, delta encodings, nulls, several row groups).

Our side is driven through the test-only `rc_parquet_tool` built next to `regimecast`
(backend/tests/lake/tools); $RC_PARQUET_TOOL overrides its path.
"""
from __future__ import annotations

import datetime as dt
import json
import math
import os
import pathlib
import random
import subprocess

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]

TYPES = {
    "b": ("bool", pa.bool_()),
    "i32": ("int32", pa.int32()),
    "i64": ("int64", pa.int64()),
    "f32": ("float", pa.float32()),
    "f64": ("double", pa.float64()),
    "s": ("string", pa.string()),
    "ts": ("timestamp", pa.timestamp("us", tz="UTC")),
    "d": ("date", pa.date32()),
}
DUCKDB_TYPES = {
    "b": "BOOLEAN", "i32": "INTEGER", "i64": "BIGINT", "f32": "FLOAT", "f64": "DOUBLE",
    "s": "VARCHAR", "ts": "TIMESTAMP WITH TIME ZONE", "d": "DATE",
}


@pytest.fixture(scope="session")
def tool() -> pathlib.Path:
    env = os.environ.get("RC_PARQUET_TOOL")
    if env:
        path = pathlib.Path(env)
    elif os.environ.get("RC_BINARY"):
        path = pathlib.Path(os.environ["RC_BINARY"]).parent / "rc_parquet_tool"
    else:
        path = REPO / "build" / "ci" / "bin" / "rc_parquet_tool"
    if not path.exists():
        pytest.fail(f"rc_parquet_tool not found at {path}; build target rc_parquet_tool")
    return path


def run_tool(tool, *args, check=True):
    proc = subprocess.run([str(tool), *map(str, args)], capture_output=True, text=True, timeout=120)
    if check and proc.returncode != 0:
        raise AssertionError(f"rc_parquet_tool {args} exited {proc.returncode}: {proc.stderr}")
    return proc


def read_ours(tool, path, columns=None):
    args = ["read", path] + (["--columns", ",".join(columns)] if columns else [])
    out = run_tool(tool, *args).stdout
    return [json.loads(line) for line in out.splitlines()]


def info_ours(tool, path):
    return json.loads(run_tool(tool, "info", path).stdout)


# ---------------------------------------------------------------- our writer

def f32(x: float) -> float:
    """The float32 nearest to x, as a Python float."""
    return pa.array([x], pa.float32()).to_pylist()[0]


def make_rows(n: int, nulls: str, seed: int):
    rng = random.Random(seed)
    syms = ["TCS.NS", "INFY.NS", "RELIANCE.NS", "ü-ß-漢字", ""]
    rows = []
    for i in range(n):
        row = [
            rng.random() < 0.5,
            rng.randint(-2**31, 2**31 - 1) if i % 3 else rng.randint(-5, 5),
            rng.randint(-2**63, 2**63 - 1) if i % 4 else rng.randint(-5, 5),
            f32(rng.uniform(-1e6, 1e6)) if i % 5 else -0.0,
            rng.uniform(-1e9, 1e9) if i % 2 else float(rng.randint(0, 9)),
            rng.choice(syms),
            1_700_000_000_000_000 + i * 60_000_000,
            19_000 + i // 10,
        ]
        if nulls == "some":
            row = [None if rng.random() < 0.2 else v for v in row]
        elif nulls == "all":
            row = [None] * len(row)
        rows.append(row)
    return rows


def write_ours(tool, tmp_path, rows, codec, dictionary, row_group_rows=128, name="ours.parquet", nullable=True):
    spec = {
        "schema": [{"name": k, "type": t, "nullable": nullable} for k, (t, _) in TYPES.items()],
        "rows": [[repr(v) if isinstance(v, float) else v for v in row] for row in rows],
        "options": {"codec": codec, "dictionary": dictionary, "row_group_rows": row_group_rows,
                    "data_page_bytes": 2048, "metadata": {"origin": "regimecast-test"}},
    }
    spec_path = tmp_path / "spec.json"
    spec_path.write_text(json.dumps(spec))
    out = tmp_path / name
    run_tool(tool, "write", spec_path, out)
    return out


def column_values(rows, idx):
    return [r[idx] for r in rows]


def expected_stats(values):
    present = [v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    nulls = sum(v is None for v in values)
    if not present:
        return None, None, nulls
    return min(present), max(present), nulls


@pytest.mark.parametrize("codec", ["uncompressed", "snappy", "gzip", "zstd"])
@pytest.mark.parametrize("dictionary", [True, False])
@pytest.mark.parametrize("nulls", ["none", "some", "all"])
def test_pyarrow_reads_what_we_write(tool, tmp_path, codec, dictionary, nulls):
    rows = make_rows(700, nulls, seed=hash((codec, dictionary, nulls)) & 0xFFFF)
    path = write_ours(tool, tmp_path, rows, codec, dictionary)
    pf = pq.ParquetFile(path)
    table = pf.read()
    assert table.num_rows == len(rows)
    assert [f.name for f in table.schema] == list(TYPES)
    for name, (_, arrow_type) in TYPES.items():
        assert table.schema.field(name).type == arrow_type, name
    assert pf.metadata.metadata[b"origin"] == b"regimecast-test"
    assert pf.metadata.created_by.startswith("regimecast version ")
    assert pf.metadata.num_row_groups == math.ceil(len(rows) / 128)
    for idx, name in enumerate(TYPES):
        col = table.column(name)
        if name == "ts":
            col = col.cast(pa.int64())
        elif name == "d":
            col = col.cast(pa.int32())
        assert col.to_pylist() == column_values(rows, idx), name
    # Statistics of every chunk, in physical terms.
    start = 0
    for rg in range(pf.metadata.num_row_groups):
        meta = pf.metadata.row_group(rg)
        chunk_rows = rows[start:start + meta.num_rows]
        start += meta.num_rows
        for idx, name in enumerate(TYPES):
            stats = meta.column(idx).statistics
            assert stats is not None, name
            lo, hi, null_count = expected_stats(column_values(chunk_rows, idx))
            assert stats.null_count == null_count, name
            if lo is None:
                assert not stats.has_min_max, name
                continue
            assert stats.has_min_max, name
            got_lo, got_hi = (stats.min, stats.max) if name == "s" else (stats.min_raw, stats.max_raw)
            assert (got_lo, got_hi) == (lo, hi), name
            assert meta.column(idx).compression == ("UNCOMPRESSED" if codec == "uncompressed" else codec.upper())


@pytest.mark.parametrize("codec", ["uncompressed", "snappy", "gzip", "zstd"])
@pytest.mark.parametrize("dictionary", [True, False])
def test_duckdb_reads_what_we_write(tool, tmp_path, codec, dictionary):
    rows = make_rows(1000, "some", seed=7)
    path = write_ours(tool, tmp_path, rows, codec, dictionary)
    con = duckdb.connect()
    con.execute("SET TimeZone='UTC'")
    described = con.execute(f"DESCRIBE SELECT * FROM read_parquet('{path}')").fetchall()
    assert {r[0]: r[1] for r in described} == DUCKDB_TYPES
    got = con.execute(
        f"SELECT b, i32, i64, f32, f64, s, epoch_us(ts), d - DATE '1970-01-01' FROM read_parquet('{path}')").fetchall()
    assert len(got) == len(rows)
    for want, have in zip(rows, got):
        assert list(have) == want
    # DuckDB's view of the chunk statistics.
    meta = con.execute(
        f"SELECT row_group_id, path_in_schema, stats_null_count, stats_min_value, stats_max_value "
        f"FROM parquet_metadata('{path}') WHERE path_in_schema IN ('i64', 's', 'i32') ORDER BY 1, 2").fetchall()
    for rg_id, col, null_count, lo, hi in meta:
        chunk = rows[rg_id * 128:(rg_id + 1) * 128]
        idx = list(TYPES).index(col)
        want_lo, want_hi, want_nulls = expected_stats(column_values(chunk, idx))
        assert null_count == want_nulls
        assert (lo, hi) == (str(want_lo), str(want_hi))


def test_required_columns_are_required_for_pyarrow(tool, tmp_path):
    rows = make_rows(50, "none", seed=3)
    path = write_ours(tool, tmp_path, rows, "snappy", True, nullable=False)
    schema = pq.read_schema(path)
    assert all(not f.nullable for f in schema)
    assert pq.read_table(path).num_rows == 50


def test_nan_and_signed_zero_statistics(tool, tmp_path):
    spec = {"schema": [{"name": "x", "type": "double"}, {"name": "y", "type": "double"}],
            "rows": [["NaN", "NaN"], ["-0.0", "NaN"], ["0.0", None], ["2.5", "NaN"]],
            "options": {"codec": "snappy"}}
    (tmp_path / "spec.json").write_text(json.dumps(spec))
    path = tmp_path / "nan.parquet"
    run_tool(tool, "write", tmp_path / "spec.json", path)
    stats_x = pq.ParquetFile(path).metadata.row_group(0).column(0).statistics
    assert stats_x.min == 0.0 and math.copysign(1, stats_x.min) == -1
    assert stats_x.max == 2.5
    stats_y = pq.ParquetFile(path).metadata.row_group(0).column(1).statistics
    assert not stats_y.has_min_max and stats_y.null_count == 1
    got = pq.read_table(path).column("x").to_pylist()
    assert math.isnan(got[0]) and got[1:] == [0.0, 0.0, 2.5] and math.copysign(1, got[1]) == -1


def test_round_trip_through_our_reader_is_exact(tool, tmp_path):
    rows = make_rows(300, "some", seed=11)
    path = write_ours(tool, tmp_path, rows, "zstd", True)
    got = read_ours(tool, path)
    assert [list(r.values()) for r in got] == rows
    assert [list(r) for r in read_ours(tool, path, ["s", "ts"])] == [["s", "ts"]] * len(rows)


# ------------------------------------------------------------- pyarrow files

def arrow_table(n=3000, nulls=True, seed=1):
    rng = random.Random(seed)

    def maybe(v):
        return None if nulls and rng.random() < 0.1 else v

    return pa.table({
        "b": pa.array([maybe(rng.random() < 0.3) for _ in range(n)], pa.bool_()),
        "i32": pa.array([maybe(rng.randint(-1000, 1000)) for _ in range(n)], pa.int32()),
        "i64": pa.array([maybe(rng.randint(-2**62, 2**62)) for _ in range(n)], pa.int64()),
        "f32": pa.array([maybe(f32(rng.uniform(-1, 1))) for _ in range(n)], pa.float32()),
        "f64": pa.array([maybe(rng.uniform(-1e3, 1e3)) for _ in range(n)], pa.float64()),
        "s": pa.array([maybe(rng.choice(["a", "bb", "ccc", "ü"]) * rng.randint(0, 3)) for _ in range(n)]),
        "ts": pa.array([maybe(1_600_000_000_000_000 + i * 1_000_000) for i in range(n)],
                       pa.timestamp("us", tz="UTC")),
        "d": pa.array([maybe(18_000 + i) for i in range(n)], pa.date32()),
    })


def expected_from_arrow(table):
    """Rows as our tool prints them: timestamps as UTC micros, dates as days."""
    cols = {}
    for name in table.column_names:
        col = table.column(name)
        if pa.types.is_timestamp(col.type):
            unit = col.type.unit
            ints = col.cast(pa.int64()).to_pylist()
            scale = {"s": 1_000_000, "ms": 1000, "us": 1, "ns": None}[unit]
            cols[name] = [None if v is None else (v * scale if scale else v // 1000) for v in ints]
        elif pa.types.is_date32(col.type):
            cols[name] = col.cast(pa.int32()).to_pylist()
        else:
            cols[name] = col.to_pylist()
    return [dict(zip(cols, vals)) for vals in zip(*cols.values())]


PYARROW_VARIANTS = {
    "defaults": {},
    "no_dictionary": {"use_dictionary": False},
    "page_v2": {"data_page_version": "2.0"},
    "page_v2_no_dictionary": {"data_page_version": "2.0", "use_dictionary": False},
    "snappy": {"compression": "snappy"},
    "gzip": {"compression": "gzip"},
    "zstd": {"compression": "zstd"},
    "uncompressed": {"compression": "none"},
    "page_v2_zstd_small_pages": {"data_page_version": "2.0", "compression": "zstd", "data_page_size": 512},
    "many_row_groups": {"row_group_size": 250},
    "format_1_0": {"version": "1.0"},
    "delta_encodings": {"use_dictionary": False, "column_encoding": {
        "i32": "DELTA_BINARY_PACKED", "i64": "DELTA_BINARY_PACKED", "ts": "DELTA_BINARY_PACKED",
        "s": "DELTA_LENGTH_BYTE_ARRAY", "f64": "BYTE_STREAM_SPLIT", "f32": "BYTE_STREAM_SPLIT"}},
    "delta_byte_array": {"use_dictionary": False, "column_encoding": {"s": "DELTA_BYTE_ARRAY"}},
    "dictionary_fallback": {"dictionary_pagesize_limit": 256},
}


@pytest.mark.parametrize("variant", list(PYARROW_VARIANTS))
def test_we_read_what_pyarrow_writes(tool, tmp_path, variant):
    table = arrow_table()
    path = tmp_path / f"{variant}.parquet"
    pq.write_table(table, path, **PYARROW_VARIANTS[variant])
    assert read_ours(tool, path) == expected_from_arrow(table)
    info = info_ours(tool, path)
    assert info["num_rows"] == table.num_rows
    assert [c["type"] for c in info["schema"]] == [t for t, _ in TYPES.values()]
    # Our statistics agree with pyarrow's.
    md = pq.ParquetFile(path).metadata
    for rg in range(md.num_row_groups):
        for idx, name in enumerate(table.column_names):
            theirs = md.row_group(rg).column(idx).statistics
            ours = info["row_groups"][rg]["columns"][idx]
            assert ours["null_count"] == theirs.null_count
            if name in ("i32", "i64", "ts", "f64"):
                assert (ours["min"], ours["max"]) == (theirs.min_raw, theirs.max_raw), name


def test_we_read_pyarrow_without_nulls_and_all_nulls(tool, tmp_path):
    table = arrow_table(nulls=False)
    pq.write_table(table, tmp_path / "a.parquet")
    assert read_ours(tool, tmp_path / "a.parquet") == expected_from_arrow(table)
    empty = pa.table({name: pa.nulls(100, t) for name, (_, t) in TYPES.items()})
    pq.write_table(empty, tmp_path / "b.parquet")
    assert read_ours(tool, tmp_path / "b.parquet") == expected_from_arrow(empty)


@pytest.mark.parametrize("page_version", ["1.0", "2.0"])
@pytest.mark.parametrize("codec", ["none", "snappy", "zstd"])
def test_we_read_pyarrow_required_columns_across_threads(tool, tmp_path, page_version, codec):
    """Required (non-null) columns' PLAIN pages are decompressed straight into our
    output; over 65,536 rows the row groups x columns decode in parallel. Half the
    columns stay nullable (with nulls) so both paths share each row group."""
    table = arrow_table(n=70_001, nulls=True, seed=5)
    required = {"i32", "i64", "f64", "ts"}
    schema = pa.schema([pa.field(f.name, f.type, nullable=f.name not in required) for f in table.schema])
    table = pa.table({name: (table.column(name).fill_null(0) if name in required else table.column(name))
                      for name in table.column_names}, schema=schema)
    path = tmp_path / "required.parquet"
    pq.write_table(table, path, data_page_version=page_version, compression=codec, row_group_size=20_000,
                   data_page_size=8192, use_dictionary=["s", "b"])
    assert pq.ParquetFile(path).schema_arrow.field("f64").nullable is False
    assert read_ours(tool, path) == expected_from_arrow(table)


@pytest.mark.parametrize("unit", ["ms", "us", "ns"])
@pytest.mark.parametrize("tz", ["UTC", None])
def test_timestamp_units_convert_to_micros(tool, tmp_path, unit, tz):
    base = {"ms": 1_600_000_000_123, "us": 1_600_000_000_123_456, "ns": 1_600_000_000_123_456_789}[unit]
    values = [base, -base, None, 0]
    table = pa.table({"t": pa.array(values, pa.timestamp(unit, tz=tz))})
    path = tmp_path / "t.parquet"
    pq.write_table(table, path, coerce_timestamps=None if unit != "ns" else None)
    assert read_ours(tool, path) == expected_from_arrow(table)


def test_pandas_nanosecond_timestamps(tool, tmp_path):
    import pandas as pd
    frame = pd.DataFrame({"ts": pd.to_datetime(["2024-01-02 03:04:05.123456789", "1969-12-31 23:59:59.999999999"])})
    path = tmp_path / "p.parquet"
    frame.to_parquet(path)
    got = [r["ts"] for r in read_ours(tool, path)]
    assert got == [1704164645123456, -1]


def test_projection_reads_only_named_columns(tool, tmp_path):
    table = arrow_table(n=200)
    pq.write_table(table, tmp_path / "p.parquet")
    got = read_ours(tool, tmp_path / "p.parquet", ["ts", "s"])
    want = [{"ts": r["ts"], "s": r["s"]} for r in expected_from_arrow(table)]
    assert got == want


def test_unsupported_files_fail_clearly(tool, tmp_path):
    pq.write_table(pa.table({"xs": pa.array([[1, 2], [3]])}), tmp_path / "nested.parquet")
    proc = run_tool(tool, "read", tmp_path / "nested.parquet", check=False)
    assert proc.returncode != 0 and "unsupported" in proc.stderr and "nested" in proc.stderr
    # INT96 (Spark's default timestamps) is read, as microseconds floored from nanoseconds.
    table = pa.table({"t": pa.array([1, 2_001], pa.timestamp("ns"))})
    pq.write_table(table, tmp_path / "int96.parquet", use_deprecated_int96_timestamps=True)
    proc = run_tool(tool, "read", tmp_path / "int96.parquet")
    assert [json.loads(line)["t"] for line in proc.stdout.splitlines()] == [0, 2]
    pq.write_table(pa.table({"d": pa.array([1, 2], pa.decimal128(12, 2))}), tmp_path / "decimal.parquet")
    proc = run_tool(tool, "read", tmp_path / "decimal.parquet", check=False)
    assert proc.returncode != 0 and "DECIMAL" in proc.stderr and "'d'" in proc.stderr
    pq.write_table(pa.table({"x": pa.array([1, 2])}), tmp_path / "lz4.parquet", compression="lz4")
    proc = run_tool(tool, "read", tmp_path / "lz4.parquet", check=False)
    assert proc.returncode != 0 and "unsupported" in proc.stderr and "LZ4" in proc.stderr
    (tmp_path / "junk.parquet").write_bytes(b"PAR1" + os.urandom(100) + b"PAR1")
    proc = run_tool(tool, "read", tmp_path / "junk.parquet", check=False)
    assert proc.returncode != 0 and "data_corrupt" in proc.stderr


# -------------------------------------------------------------- DuckDB files

DUCKDB_SELECT = """
SELECT i::INTEGER AS i32, (i * 1000003)::BIGINT AS i64, (i * 1.5)::DOUBLE AS f64, (i / 7)::FLOAT AS f32,
       CASE WHEN i % 13 = 0 THEN NULL ELSE 'sym' || (i % 7) END AS s,
       i % 2 = 0 AS b,
       make_timestamptz(1700000000000000 + i * 60000000) AS ts,
       DATE '2020-01-01' + (i // 100)::INTEGER AS d
FROM range(0, 5000) t(i)
"""


@pytest.mark.parametrize("codec", ["snappy", "zstd", "gzip", "uncompressed"])
@pytest.mark.parametrize("version", ["V1", "V2"])
def test_we_read_what_duckdb_writes(tool, tmp_path, codec, version):
    path = tmp_path / f"duck_{codec}_{version}.parquet"
    con = duckdb.connect()
    con.execute("SET TimeZone='UTC'")
    con.execute(f"COPY ({DUCKDB_SELECT}) TO '{path}' "
                f"(FORMAT parquet, COMPRESSION {codec}, ROW_GROUP_SIZE 1024, PARQUET_VERSION {version})")
    want = con.execute(
        f"SELECT i32, i64, f64, f32, s, b, epoch_us(ts), d - DATE '1970-01-01' FROM read_parquet('{path}')").fetchall()
    got = read_ours(tool, path)
    assert len(got) == len(want) == 5000
    assert [list(r.values()) for r in got] == [list(r) for r in want]
    info = info_ours(tool, path)
    assert len(info["row_groups"]) >= 2  # DuckDB rounds row groups up to 2048-row vectors
    assert {c["name"]: c["type"] for c in info["schema"]} == {
        "i32": "int32", "i64": "int64", "f64": "double", "f32": "float", "s": "string", "b": "bool",
        "ts": "timestamp", "d": "date"}


def test_we_read_duckdb_local_timestamps_and_ms(tool, tmp_path):
    path = tmp_path / "duck_ts.parquet"
    duckdb.sql(f"COPY (SELECT TIMESTAMP '2024-05-06 07:08:09.123456' AS a, "
               f"'2024-05-06 07:08:09.123'::TIMESTAMP_MS AS b, "
               f"'2024-05-06 07:08:09.123456789'::TIMESTAMP_NS AS c) TO '{path}' (FORMAT parquet)")
    got = read_ours(tool, path)
    micros = int(dt.datetime(2024, 5, 6, 7, 8, 9, tzinfo=dt.timezone.utc).timestamp()) * 1_000_000
    assert got == [{"a": micros + 123456, "b": micros + 123000, "c": micros + 123456}]


# --- Nested columns (structs, lists, maps): what Delta checkpoints are made of ---

NESTED_ARROW_SCHEMA = pa.schema([
    ("add", pa.struct([
        ("path", pa.string()),
        ("partitionValues", pa.map_(pa.string(), pa.string())),
        ("size", pa.int64()),
        ("dataChange", pa.bool_()),
        ("stats", pa.string()),
    ])),
    ("metaData", pa.struct([
        ("id", pa.string()),
        ("partitionColumns", pa.list_(pa.string())),
        ("configuration", pa.map_(pa.string(), pa.string())),
    ])),
    ("n", pa.int32()),
    ("matrix", pa.list_(pa.list_(pa.float64()))),
    ("points", pa.list_(pa.struct([("x", pa.int64()), ("label", pa.string())]))),
])


def nested_rows(n: int, seed: int = 3) -> list[dict]:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        row: dict = {"add": None, "metaData": None, "n": rng.choice([None, i]), "matrix": None, "points": None}
        if i % 4 != 3:
            pv = {"symbol": f"S{i % 5}"}
            if i % 3 == 0:
                pv["timeframe"] = None
            row["add"] = {"path": f"part-{i}.parquet", "partitionValues": pv, "size": i * 100,
                          "dataChange": rng.choice([True, False, None]), "stats": None if i % 2 else "{}"}
        else:
            row["metaData"] = {"id": f"id{i}", "partitionColumns": ["symbol", "timeframe"][: i % 3],
                               "configuration": {} if i % 2 else {"delta.appendOnly": "true"}}
        if i % 5:
            row["matrix"] = [[float(i), None][: j % 3] for j in range(i % 4)]
        if i % 7 == 1:
            row["points"] = [{"x": i, "label": None}, None, {"x": None, "label": "p"}]
        rows.append(row)
    return rows


def arrow_to_json(value):
    """pyarrow's to_pylist gives maps as lists of (key, value) tuples; ours as objects."""
    if isinstance(value, list):
        if value and all(isinstance(item, tuple) and len(item) == 2 for item in value):
            return {k: arrow_to_json(v) for k, v in value}
        return [arrow_to_json(item) for item in value]
    if isinstance(value, dict):
        return {k: arrow_to_json(v) for k, v in value.items()}
    return value


def empty_maps_as_objects(rows: list[dict]) -> list[dict]:
    """pyarrow gives an empty map as [] (like an empty list); we give {}."""
    for row in rows:
        if row["metaData"] is not None and row["metaData"]["configuration"] == []:
            row["metaData"]["configuration"] = {}
        if row["add"] is not None and row["add"]["partitionValues"] == []:
            row["add"]["partitionValues"] = {}
    return rows


def read_nested_ours(tool, path, columns):
    proc = run_tool(tool, "read-nested", path, "--columns", ",".join(columns))
    return [json.loads(line) for line in proc.stdout.splitlines()]


@pytest.mark.parametrize("codec,page_version", [("snappy", "1.0"), ("zstd", "2.0"), ("none", "1.0")])
def test_we_read_nested_columns_pyarrow_writes(tool, tmp_path, codec, page_version):
    rows = nested_rows(2500)
    table = pa.Table.from_pylist(rows, schema=NESTED_ARROW_SCHEMA)
    path = tmp_path / "nested.parquet"
    pq.write_table(table, path, compression=codec, data_page_version=page_version, data_page_size=2048,
                   row_group_size=1000)
    columns = ["add", "metaData", "n", "matrix", "points"]
    got = read_nested_ours(tool, path, columns)
    want = empty_maps_as_objects([arrow_to_json(r) for r in table.to_pylist()])
    assert got == want


def test_pyarrow_and_duckdb_read_nested_columns_we_write(tool, tmp_path):
    rows = [r for r in nested_rows(300) if r["points"] is None]  # our spec: no list of structs needed here
    schema = [
        {"name": "add", "type": "struct", "fields": [
            {"name": "path", "type": "string"},
            {"name": "partitionValues", "type": "map", "value": {"type": "string"}},
            {"name": "size", "type": "int64"},
            {"name": "dataChange", "type": "bool"},
            {"name": "stats", "type": "string"}]},
        {"name": "metaData", "type": "struct", "fields": [
            {"name": "id", "type": "string"},
            {"name": "partitionColumns", "type": "list", "element": {"type": "string"}},
            {"name": "configuration", "type": "map", "value": {"type": "string"}}]},
        {"name": "n", "type": "int32"},
        {"name": "matrix", "type": "list", "element": {"type": "list", "element": {"type": "double"}}},
    ]
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"schema": schema, "rows": [{k: v for k, v in r.items() if k != "points"} for r in rows]}))
    path = tmp_path / "ours.parquet"
    run_tool(tool, "write-nested", spec, path)
    table = pq.read_table(path)
    assert table.schema.field("add").type.field("partitionValues").type == pa.map_(pa.string(), pa.string())
    assert table.schema.field("metaData").type.field("partitionColumns").type == pa.list_(pa.string())
    got = empty_maps_as_objects([arrow_to_json(r) for r in table.to_pylist()])
    want = [{k: v for k, v in r.items() if k != "points"} for r in rows]
    assert got == want
    # DuckDB: maps are MAPs, struct fields addressable by name.
    con = duckdb.connect()
    paths = con.execute(f"SELECT add.path, add.partitionValues['symbol'] FROM '{path}' WHERE add IS NOT NULL").fetchall()
    assert paths == [(r["add"]["path"], r["add"]["partitionValues"]["symbol"]) for r in rows if r["add"] is not None]
    assert read_nested_ours(tool, path, ["add", "metaData", "n", "matrix"]) == want


def test_nested_shapes_we_do_not_assemble_fail_naming_the_column(tool, tmp_path):
    path = tmp_path / "intmap.parquet"
    pq.write_table(pa.table({"m": pa.array([[(1, "a")]], pa.map_(pa.int32(), pa.string()))}), path)
    proc = run_tool(tool, "read-nested", path, "--columns", "m", check=False)
    assert proc.returncode != 0 and "unsupported" in proc.stderr and "'m'" in proc.stderr
