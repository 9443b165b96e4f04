"""Spark 4.0 + Delta 4.0 (pip pyspark, delta-spark; pinned in tests/requirements.txt) on our lake, both ways.

A lake built by our binary (`sim`, `pipeline`, served predictions into gold) is read by Spark at the latest
and an older version with the counts and sums `regimecast lake cat` prints, partition filters included;
Spark then appends to raw bars, compacts (OPTIMIZE), vacuums and commits until it writes its own checkpoint,
all with its default table settings, and our reader and `pipeline` carry on. What Spark can write that we do
not read (deletion vectors, column mapping, decimal columns) is refused by name, never misread.

Spark resolves the Delta jars from Maven Central itself (spark.jars.packages through
`configure_spark_with_delta_pip`) and caches them in Ivy's default folder (~/.ivy2.5.2), so only the first
run on a machine downloads them. One Spark session (local[2], 1 GiB driver) serves the whole module.
Only read-side parallelism is tuned (`spark.sql.shuffle.partitions`, `spark.databricks.delta.snapshotPartitions`):
neither changes a byte Spark writes.
"""
from __future__ import annotations

import glob
import json
import math
import os
import pathlib
import shutil
import urllib.request

import pytest

from conftest import Server, run_cli

SYMBOLS = ("TCS.NS", "INFY.NS")
END = "2024-06-01T00:00:00Z"
DAYS = 12
MAVEN = "https://repo1.maven.org/maven2/io/delta/delta-spark_2.13/4.0.0/delta-spark_2.13-4.0.0.pom"
IVY_CACHE = pathlib.Path.home() / ".ivy2.5.2"
# A numeric column per table whose sum Spark and `lake cat` must agree on.
SUM_COLUMN = {"raw/bars": "close", "bronze/bars": "close", "silver/features": "sma_20",
              "gold/predictions": "expected_close"}


def delta_jars_cached() -> bool:
    return bool(glob.glob(str(IVY_CACHE / "jars" / "io.delta_delta-spark_2.13-4.0.0.jar")))


def require_maven_central():
    """Fails (does not skip) with a clear message when the Delta jars are neither cached nor downloadable,
    instead of letting Spark's resolver retry for minutes."""
    if delta_jars_cached():
        return
    try:
        urllib.request.urlopen(urllib.request.Request(MAVEN, method="HEAD"), timeout=15).close()
    except (OSError, ValueError) as error:
        pytest.fail(f"the Delta jars (io.delta:delta-spark_2.13:4.0.0) are not in {IVY_CACHE} and Maven "
                    f"Central is unreachable ({error}); run these tests once with network access to cache them")


@pytest.fixture(scope="module")
def spark(tmp_path_factory):
    require_maven_central()
    from delta import configure_spark_with_delta_pip
    from pyspark.sql import SparkSession

    warehouse = tmp_path_factory.mktemp("spark-warehouse")
    builder = (SparkSession.builder.master("local[2]").appName("regimecast-spark-interop")
               .config("spark.driver.memory", "1g")
               .config("spark.ui.enabled", "false")
               .config("spark.sql.warehouse.dir", str(warehouse))
               .config("spark.sql.session.timeZone", "UTC")
               .config("spark.sql.shuffle.partitions", "2")
               .config("spark.databricks.delta.snapshotPartitions", "2")
               .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
               .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog"))
    try:
        session = configure_spark_with_delta_pip(builder).getOrCreate()
    except Exception as error:  # the JVM exits when the jars cannot be resolved
        pytest.fail(f"could not start Spark with Delta 4.0.0 (jars from Maven Central, cache {IVY_CACHE}): {error}")
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def env_of(data):
    return {"DATA_DIR": str(data), "HORIZONS_MINUTES": "60"}


def sim(binary, data, symbol, end, days=DAYS, seed=3):
    run_cli(binary, "sim", "--symbol", symbol, "--timeframe", "5m", "--days", str(days), "--seed", str(seed),
            "--end", end, env=env_of(data))


@pytest.fixture(scope="module")
def lake(rc_binary, tmp_path_factory):
    """Two symbols through raw -> bronze -> silver in two rounds (so every table has an older version),
    plus served predictions in gold. Returns (data dir, {table: version after round one})."""
    data = tmp_path_factory.mktemp("spark-lake") / "data"
    sim(rc_binary, data, "TCS.NS", "2024-05-20T00:00:00Z")
    run_cli(rc_binary, "pipeline", env=env_of(data))
    first = {t: latest_version(data / t) for t in ("raw/bars", "bronze/bars", "silver/features")}
    sim(rc_binary, data, "INFY.NS", END, seed=4)
    run_cli(rc_binary, "pipeline", env=env_of(data))
    return data, first


@pytest.fixture(scope="module")
def gold(lake, rc_binary):
    """Three served predictions (degraded: no model is trained, which does not matter to the log), one
    commit each into data/gold/predictions."""
    import requests
    data, _ = lake
    srv = Server(rc_binary, data, extra_env={"HORIZONS_MINUTES": "60"})
    try:
        for ts in ("2024-05-13T05:00:00Z", "2024-05-14T05:00:00Z", "2024-05-15T05:00:00Z"):
            r = requests.post(srv.url("/api/prediction/trigger"),
                              json={"symbol": "TCS.NS", "timeframe": "5m", "horizon_minutes": 60, "as_of": ts},
                              timeout=30)
            assert r.status_code == 200, r.text
    finally:
        srv.stop()
    return data / "gold" / "predictions"


def latest_version(table: pathlib.Path) -> int:
    return max(int(p.name[:20]) for p in (table / "_delta_log").glob("*.json"))


def cat(binary, table, *args):
    out = run_cli(binary, "lake", "cat", str(table), "--format", "jsonl", *args).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def summary_of_rows(rows, column):
    """{symbol: (count, sum of column)} over rows (None skipped, NaN kept as NaN)."""
    out: dict[str, list] = {}
    for row in rows:
        entry = out.setdefault(row["symbol"], [0, 0.0])
        entry[0] += 1
        if row.get(column) is not None:
            entry[1] += float(row[column])
    return {k: tuple(v) for k, v in out.items()}


def spark_summary(df, column):
    from pyspark.sql import functions as F
    got = df.groupBy("symbol").agg(F.count(F.lit(1)).alias("n"), F.sum(column).alias("s")).collect()
    return {r["symbol"]: (r["n"], float(r["s"] or 0.0)) for r in got}


def assert_same_summary(ours, theirs):
    assert set(ours) == set(theirs)
    for symbol, (count, total) in ours.items():
        assert theirs[symbol][0] == count, symbol
        assert math.isclose(theirs[symbol][1], total, rel_tol=1e-9), (symbol, theirs[symbol][1], total)


def read_delta(spark, table, version=None):
    reader = spark.read.format("delta")
    if version is not None:
        reader = reader.option("versionAsOf", version)
    return reader.load(str(table))


@pytest.mark.parametrize("name", ["raw/bars", "bronze/bars", "silver/features"])
def test_spark_reads_our_tables_now_and_by_time_travel(spark, lake, rc_binary, name):
    data, first = lake
    table = data / name
    column = SUM_COLUMN[name]
    latest = cat(rc_binary, table)
    assert {r["symbol"] for r in latest} == set(SYMBOLS)
    assert_same_summary(summary_of_rows(latest, column), spark_summary(read_delta(spark, table), column))
    old = cat(rc_binary, table, "--version", first[name])
    assert {r["symbol"] for r in old} == {"TCS.NS"}
    assert_same_summary(summary_of_rows(old, column), spark_summary(read_delta(spark, table, first[name]), column))
    # A partition filter: Spark prunes by add.partitionValues; the rows are ours for that symbol.
    infy = read_delta(spark, table).where("symbol = 'INFY.NS' AND timeframe = '5m'")
    ours = cat(rc_binary, table, "--where-symbol", "INFY.NS")
    assert infy.count() == len(ours) > 0
    first_ts = infy.selectExpr("min(ts) AS t").collect()[0]["t"]
    assert first_ts.strftime("%Y-%m-%dT%H:%M:%SZ") == min(r["ts"] for r in ours)


def test_spark_reads_gold_predictions(spark, gold, rc_binary):
    ours = cat(rc_binary, gold)
    assert len(ours) == 3
    column = SUM_COLUMN["gold/predictions"]
    assert_same_summary(summary_of_rows(ours, column), spark_summary(read_delta(spark, gold), column))
    first = cat(rc_binary, gold, "--version", 1)
    assert_same_summary(summary_of_rows(first, column), spark_summary(read_delta(spark, gold, 1), column))
