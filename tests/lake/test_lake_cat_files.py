"""`regimecast lake cat` / `lake schema` on plain Parquet files written by pyarrow and DuckDB (issue 3)."""
from __future__ import annotations

import json

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import run_cli


def cat(binary, path, *args):
    out = run_cli(binary, "lake", "cat", str(path), "--format", "jsonl", *args).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


@pytest.mark.parametrize("options", [{}, {"compression": "zstd"}, {"use_dictionary": False},
                                     {"data_page_version": "2.0"}, {"compression": "gzip", "row_group_size": 3}])
def test_cat_reads_pyarrow_files(rc_binary, tmp_path, options):
    table = pa.table({
        "symbol": pa.array(["TCS.NS", "INFY.NS", None, "TCS.NS", "^NSEI"]),
        "ts": pa.array([0, 300_000_000, 600_000_000, 900_000_000, 1_200_000_000], pa.timestamp("us", tz="UTC")),
        "close": pa.array([101.25, None, 99.5, 100.0, 23500.75]),
        "volume": pa.array([10, 20, 30, None, 50], pa.int64()),
        "regular": pa.array([True, False, None, True, True]),
    })
    path = tmp_path / "pyarrow.parquet"
    pq.write_table(table, path, **options)
    rows = cat(rc_binary, path)
    assert [r["symbol"] for r in rows] == ["TCS.NS", "INFY.NS", None, "TCS.NS", "^NSEI"]
    assert [r["close"] for r in rows] == [101.25, None, 99.5, 100.0, 23500.75]
    assert [r["volume"] for r in rows] == [10, 20, 30, None, 50]
    assert rows[1]["ts"] == "1970-01-01T00:05:00Z"
    assert [r["regular"] for r in rows] == [True, False, None, True, True]
    assert cat(rc_binary, path, "--columns", "close,symbol", "--limit", "2") == [
        {"close": 101.25, "symbol": "TCS.NS"}, {"close": None, "symbol": "INFY.NS"}]
    schema = run_cli(rc_binary, "lake", "schema", str(path)).stdout
    for name in ("symbol", "ts", "close", "volume", "regular"):
        assert name in schema


@pytest.mark.parametrize("use_dictionary", [True, False])
def test_cat_reads_int96_timestamps(rc_binary, tmp_path, use_dictionary):
    """INT96 is Spark's default timestamp encoding (spark.sql.parquet.outputTimestampType): UTC instants,
    nanoseconds floored to our microseconds, dictionary-encoded or PLAIN, nulls kept."""
    ts = pa.array([1_714_707_900_123_456_789, None, -1, 1_714_707_900_123_456_789], pa.timestamp("ns", tz="UTC"))
    path = tmp_path / "int96.parquet"
    pq.write_table(pa.table({"ts": ts, "n": [1, 2, 3, 4]}), path, use_deprecated_int96_timestamps=True,
                   use_dictionary=use_dictionary)
    assert pq.ParquetFile(path).schema.column(0).physical_type == "INT96"
    rows = cat(rc_binary, path)
    assert [r["ts"] for r in rows] == ["2024-05-03T03:45:00.123456Z", None, "1969-12-31T23:59:59.999999Z",
                                       "2024-05-03T03:45:00.123456Z"]
    assert [r["n"] for r in rows] == [1, 2, 3, 4]


@pytest.mark.parametrize("codec", ["snappy", "zstd", "gzip", "uncompressed"])
def test_cat_reads_duckdb_files(rc_binary, tmp_path, codec):
    path = tmp_path / f"duck_{codec}.parquet"
    duckdb.sql(f"COPY (SELECT i AS n, 'k' || (i % 3) AS s, (i * 0.25)::DOUBLE AS x, "
               f"TIMESTAMPTZ '2024-01-02 03:45:00+00' + INTERVAL (i * 5) MINUTE AS ts "
               f"FROM range(1000) t(i)) TO '{path}' (FORMAT parquet, COMPRESSION {codec})")
    rows = cat(rc_binary, path)
    assert len(rows) == 1000
    assert rows[999] == {"n": 999, "s": "k0", "x": 249.75, "ts": "2024-01-05T15:00:00Z"}


def test_cat_rejects_a_corrupt_file_clearly(rc_binary, tmp_path):
    path = tmp_path / "broken.parquet"
    path.write_bytes(b"PAR1" + b"\x00" * 40 + b"PAR1")
    proc = run_cli(rc_binary, "lake", "cat", str(path), check=False)
    assert proc.returncode == 1
    assert "data_corrupt" in proc.stderr
