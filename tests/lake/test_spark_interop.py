"""Spark 4.0 + Delta 4.0 (pip pyspark, delta-spark; pinned in tests/requirements.txt) on our lake, both ways.

A lake built by our binary (`sim`, `pipeline`, served predictions into gold) is read by Spark at the latest
and an older version with the counts and sums `regimecast lake cat` prints, partition filters included;
Spark then appends to raw bars, compacts (OPTIMIZE), vacuums and commits until it writes its own checkpoint,
all with its default table settings, and our reader and `pipeline` carry on. What Spark can write that we do
not read (deletion vectors, column mapping, decimal columns) is refused by name, never misread.

Spark resolves the Delta jars from Maven Central itself (spark.jars.packages through
`configure_spark_with_delta_pip`) and caches them in Ivy's default folder (~/.ivy2.5.2), so only the first
run on a machine downloads them. One Spark session (local[2], 1 GiB driver) serves the whole module.
Only read-side parallelism is tuned (`spark.sql.shuffle.partitions`, `spark.databricks.delta.snapshotPartitions`,
`spark.sql.sources.parallelPartitionDiscovery.parallelism`): none changes a byte Spark writes.
"""
from __future__ import annotations

import glob
import json
import math
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
               # VACUUM lists the table in this many tasks (default 10,000: 40 s here for a few files).
               .config("spark.sql.sources.parallelPartitionDiscovery.parallelism", "2")
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
    """Served predictions (degraded: no model is trained, which does not matter to the log) from two server
    runs, so that gold/predictions holds one prediction at version 1 and three at the latest."""
    import requests
    data, _ = lake
    for batch in (["2024-05-13T05:00:00Z"], ["2024-05-14T05:00:00Z", "2024-05-15T05:00:00Z"]):
        srv = Server(rc_binary, data, extra_env={"HORIZONS_MINUTES": "60"})
        try:
            for ts in batch:
                r = requests.post(srv.url("/api/prediction/trigger"),
                                  json={"symbol": "TCS.NS", "timeframe": "5m", "horizon_minutes": 60, "as_of": ts},
                                  timeout=30)
                assert r.status_code == 200, r.text
        finally:
            srv.stop()  # the prediction log commits what it holds on shutdown
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
    assert len(first) == 1
    assert_same_summary(summary_of_rows(first, column), spark_summary(read_delta(spark, gold, 1), column))


@pytest.fixture
def lake_copy(lake, tmp_path):
    """A private copy of the module's lake for a test that writes to it."""
    data, first = lake
    copy = tmp_path / "data"
    shutil.copytree(data, copy)
    return copy


def later_bars(spark, binary, tmp_path, batch_id, days=3, seed=9):
    """Bars of TCS.NS after the lake's TCS.NS data, as a DataFrame in raw/bars' schema (what a user's job
    would append): `regimecast sim --out` CSV read by Spark, with the raw table's extra columns."""
    from pyspark.sql import functions as F
    csv_path = tmp_path / f"{batch_id}.csv"
    run_cli(binary, "sim", "--symbol", "TCS.NS", "--timeframe", "5m", "--days", str(days), "--seed", str(seed),
            "--end", END, "--out", csv_path)
    bars = spark.read.option("header", "true").schema(
        "ts TIMESTAMP, open DOUBLE, high DOUBLE, low DOUBLE, close DOUBLE, volume DOUBLE").csv(str(csv_path))
    return bars.select(F.lit("TCS.NS").alias("symbol"), F.lit("5m").alias("timeframe"), "ts", "open", "high", "low",
                       "close", "volume", F.lit("spark").alias("provider"),
                       F.current_timestamp().alias("fetched_at"), F.lit(batch_id).alias("batch_id"))


def append(df, table):
    df.write.format("delta").mode("append").save(str(table))


def tcs_count(binary, table):
    return len(cat(binary, table, "--where-symbol", "TCS.NS"))


def test_spark_appends_then_our_reader_and_pipeline_continue(spark, lake_copy, rc_binary, tmp_path):
    raw = lake_copy / "raw" / "bars"
    before = tcs_count(rc_binary, raw)
    bronze_before = tcs_count(rc_binary, lake_copy / "bronze" / "bars")
    new = later_bars(spark, rc_binary, tmp_path, "spark-append-1")
    rows = new.collect()
    append(new, raw)
    # Spark committed with its defaults: INT96 timestamps in the data file, its own commitInfo and .crc.
    commit = (raw / "_delta_log" / f"{latest_version(raw):020d}.json").read_text()
    assert "Apache-Spark" in commit
    ours = cat(rc_binary, raw, "--where-symbol", "TCS.NS")
    assert len(ours) == before + len(rows)
    appended = sorted((r for r in ours if r["batch_id"] == "spark-append-1"), key=lambda r: r["ts"])
    assert [(r["ts"], r["close"], r["volume"]) for r in appended] == [
        (r["ts"].strftime("%Y-%m-%dT%H:%M:%SZ"), r["close"], r["volume"]) for r in sorted(rows, key=lambda r: r["ts"])]
    assert all(r["provider"] == "spark" for r in appended)

    out = run_cli(rc_binary, "pipeline", env=env_of(lake_copy)).stdout
    assert "TCS.NS 5m: bronze rebuilt" in out
    bronze = cat(rc_binary, lake_copy / "bronze" / "bars", "--where-symbol", "TCS.NS")
    assert len(bronze) == bronze_before + len(rows)
    silver = cat(rc_binary, lake_copy / "silver" / "features", "--where-symbol", "TCS.NS")
    assert max(r["ts"] for r in silver) == appended[-1]["ts"]
    # And Spark reads what our pipeline wrote on top of its commit.
    assert read_delta(spark, lake_copy / "silver" / "features").where("symbol = 'TCS.NS'").count() == len(silver)


def test_spark_optimize_and_vacuum_leave_the_table_readable(spark, lake_copy, rc_binary, tmp_path):
    from delta.tables import DeltaTable
    raw = lake_copy / "raw" / "bars"
    append(later_bars(spark, rc_binary, tmp_path, "spark-a", days=2, seed=9), raw)
    append(later_bars(spark, rc_binary, tmp_path, "spark-b", days=1, seed=10), raw)
    before_optimize = latest_version(raw)
    expected = sorted(cat(rc_binary, raw), key=lambda r: (r["symbol"], r["ts"], r["batch_id"]))
    tcs_files = lambda: [p for p in (raw / "symbol=TCS.NS" / "timeframe=5m").glob("*.parquet")]  # noqa: E731
    assert len(tcs_files()) == 3

    metrics = DeltaTable.forPath(spark, str(raw)).optimize().executeCompaction().collect()[0]["metrics"]
    assert metrics["numFilesRemoved"] >= 3
    assert sorted(cat(rc_binary, raw), key=lambda r: (r["symbol"], r["ts"], r["batch_id"])) == expected
    assert "OPTIMIZE" in (raw / "_delta_log" / f"{latest_version(raw):020d}.json").read_text()

    spark.conf.set("spark.databricks.delta.retentionDurationCheck.enabled", "false")
    try:
        DeltaTable.forPath(spark, str(raw)).vacuum(0)
    finally:
        spark.conf.unset("spark.databricks.delta.retentionDurationCheck.enabled")
    assert len(tcs_files()) == 1  # the compacted file only
    assert sorted(cat(rc_binary, raw), key=lambda r: (r["symbol"], r["ts"], r["batch_id"])) == expected
    # The version before OPTIMIZE lost its files to VACUUM: refused by name, not read as empty.
    gone = run_cli(rc_binary, "lake", "cat", raw, "--version", before_optimize, check=False)
    assert gone.returncode != 0
    assert "not_found" in gone.stderr or "not found" in gone.stderr.lower(), gone.stderr
    run_cli(rc_binary, "pipeline", env=env_of(lake_copy))
    assert tcs_count(rc_binary, lake_copy / "bronze" / "bars") == len({r["ts"] for r in expected
                                                                         if r["symbol"] == "TCS.NS"})


def test_we_read_a_table_whose_log_starts_at_sparks_checkpoint(spark, lake_copy, rc_binary, tmp_path):
    raw = lake_copy / "raw" / "bars"
    bars = later_bars(spark, rc_binary, tmp_path, "spark-ckpt", days=1).limit(1).cache()
    version = latest_version(raw)
    while version % 10 != 0:  # Spark's default delta.checkpointInterval is 10
        append(bars, raw)
        version += 1
    checkpoint = raw / "_delta_log" / f"{version:020d}.checkpoint.parquet"
    assert checkpoint.exists()
    assert json.loads((raw / "_delta_log" / "_last_checkpoint").read_text())["version"] == version
    expected = sorted(cat(rc_binary, raw), key=lambda r: (r["symbol"], r["ts"], r["batch_id"]))
    # The commits behind Spark's checkpoint go, as log cleanup would: we must start from the checkpoint.
    for commit in (raw / "_delta_log").glob("*.json"):
        if int(commit.name[:20]) < version:
            commit.unlink()
    assert sorted(cat(rc_binary, raw), key=lambda r: (r["symbol"], r["ts"], r["batch_id"])) == expected
    assert sum(1 for r in expected if r["batch_id"] == "spark-ckpt") == version - 2
    old = run_cli(rc_binary, "lake", "cat", raw, "--version", 1, check=False)
    assert old.returncode != 0 and "cleaned up" in old.stderr, old.stderr
    # Our pipeline commits after Spark's checkpoint, and Spark reads the result.
    run_cli(rc_binary, "pipeline", env=env_of(lake_copy))
    silver = cat(rc_binary, lake_copy / "silver" / "features")
    assert read_delta(spark, lake_copy / "silver" / "features").count() == len(silver)


def enable_deletion_vectors(spark, table):
    spark.sql(f"ALTER TABLE delta.`{table}` SET TBLPROPERTIES ('delta.enableDeletionVectors' = 'true')")


def enable_deletion_vectors_and_delete(spark, table):
    enable_deletion_vectors(spark, table)
    spark.sql(f"DELETE FROM delta.`{table}` WHERE symbol = 'TCS.NS' AND close > 0 AND ts < '2024-05-10'")


def enable_column_mapping(spark, table):
    spark.sql(f"ALTER TABLE delta.`{table}` SET TBLPROPERTIES ('delta.columnMapping.mode' = 'name', "
              "'delta.minReaderVersion' = '2', 'delta.minWriterVersion' = '5')")


def append_a_decimal_column(spark, table):
    df = read_delta(spark, table).limit(2).selectExpr("*", "CAST(close AS DECIMAL(12, 2)) AS close_dec")
    df.write.format("delta").mode("append").option("mergeSchema", "true").save(str(table))


@pytest.mark.parametrize("change, message", [
    (enable_deletion_vectors, "reader version"),  # reader 3 + the deletionVectors feature, before any delete
    (enable_deletion_vectors_and_delete, "deletion vector"),
    (enable_column_mapping, "reader version"),
    (append_a_decimal_column, "decimal"),
])
def test_what_spark_writes_that_we_do_not_read_is_refused_by_name(spark, lake_copy, rc_binary, change, message):
    raw = lake_copy / "raw" / "bars"
    change(spark, raw)
    for args in (("lake", "cat", raw), ("pipeline",)):
        proc = run_cli(rc_binary, *args, env=env_of(lake_copy), check=False)
        assert proc.returncode != 0, (args, proc.stdout)
        assert "unsupported" in proc.stderr and message in proc.stderr.lower(), proc.stderr
