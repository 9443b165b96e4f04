"""The live loop appends each bar close's new bars to bronze and silver (backend/src/data/pipeline/append.h)
instead of rewriting the series' partitions, and the result is the same, column by column and value for
value, as a from-scratch `regimecast pipeline` over the same raw table (read with delta-rs). The lake maintenance
runs every 2 s meanwhile: its compactions of the appended files never make a close rebuild."""
from __future__ import annotations

import time

import deltalake

from conftest import REPO, Server
from rebuild_compare import assert_lake_equals_rebuild, series_frame

SAMPLE = REPO / "backend" / "data" / "sample" / "TCS.csv"
HORIZON = 60
TAIL_ROWS = HORIZON // 5  # silver rows whose target a new 5m bar may complete


def env():
    return {"SCHEDULER_ENABLED": "true", "PRIMARY_DATA_PROVIDER": "replay", "FALLBACK_DATA_PROVIDERS": "",
            "REPLAY_SOURCE": str(SAMPLE), "REPLAY_SPEED": "1200", "REPLAY_START": "2021-06-14T04:00:00Z",
            "WATCHLIST": "TCS.NS:5m", "HORIZONS_MINUTES": str(HORIZON), "DEMO": "off", "BACKFILL_DAYS": "10",
            "DRIFT_CHECK_INTERVAL_SECONDS": "600", "LOG_LEVEL": "info",
            "LAKE_MAINTENANCE_INTERVAL_SECONDS": "2", "LAKE_RETENTION_MINUTES": "1"}


def operations(table: str):
    """Each commit of a table, oldest first, as "OPTIMIZE", "WRITE Append", "WRITE Overwrite", ..."""
    history = list(reversed(deltalake.DeltaTable(table).history()))
    return [(h.get("operation", "") + " " + (h.get("operationParameters") or {}).get("mode", "")).strip()
            for h in history], history


def appends(table: str):
    """The commitInfo of every append commit of a table, oldest first."""
    ops, history = operations(table)
    return [h for op, h in zip(ops, history) if op == "WRITE Append"]


def test_live_closes_append_and_equal_a_rebuild_from_scratch(rc_binary, tmp_path):
    live = tmp_path / "live"
    live.mkdir()
    srv = Server(rc_binary, live, env())
    try:
        deadline = time.time() + 90
        silver_appends = []
        while time.time() < deadline:
            time.sleep(1)
            if (live / "silver" / "features" / "_delta_log").exists():
                silver_appends = appends(str(live / "silver" / "features"))
                if len(silver_appends) >= 25:
                    break
        assert len(silver_appends) >= 25, f"only {len(silver_appends)} appending closes:\n{srv.log()[-3000:]}"
    finally:
        assert srv.stop() == 0
    # After the first close (the backfill, a rebuild) each close wrote its new bars and the tail whose
    # targets they complete, never the partition (the first append splits the rebuilt file once).
    bronze_appends = appends(str(live / "bronze" / "bars"))
    assert len(bronze_appends) >= 25
    silver_rows = len(series_frame(live / "silver" / "features", "TCS.NS", "5m"))
    for commit in silver_appends[1:]:
        written = int(commit["operationMetrics"]["numOutputRows"])
        assert written <= TAIL_ROWS + 40, (written, silver_rows)
    assert silver_rows > 300
    # One rebuild (the first close, the backfill), then appends only, compactions among them.
    for table in ("bronze/bars", "silver/features"):
        ops, _ = operations(str(live / table))
        assert ops.count("WRITE Overwrite") == 1, (table, ops)
        assert "OPTIMIZE" in ops and "WRITE Append" in ops[ops.index("OPTIMIZE"):], (table, ops)

    assert assert_lake_equals_rebuild(rc_binary, live, tmp_path / "fresh", str(HORIZON)) == silver_rows
