"""GET /api/watchlist: WATCHLIST first, then the lake's other series, with exchange, zone and active models."""
from __future__ import annotations

import requests

from conftest import run_cli, simulated_market


def watchlist(srv):
    r = requests.get(srv.url("/api/watchlist"), timeout=10)
    assert r.status_code == 200, r.text
    return r.json()["series"]


def test_watchlist_then_lake_series_with_models(server_factory, rc_binary, tmp_path):
    data = simulated_market(rc_binary, tmp_path / "data", days=40, seed=11)
    env = {"DATA_DIR": str(data)}
    run_cli(rc_binary, "train", "--bot", "orchestrator", "--symbol", "TCS.NS", "--timeframe", "5m",
            "--horizon-minutes", "180", "--folds", "2", env=env, timeout=600)
    srv = server_factory(extra_env={"WATCHLIST": "INFY.NS:1h, tcs.ns:5m"}, data_dir=data)

    first = watchlist(srv)
    assert [(s["symbol"], s["timeframe"], s["source"]) for s in first] == [
        ("INFY.NS", "1h", "watchlist"), ("TCS.NS", "5m", "watchlist")]
    infy, tcs = first
    assert infy["in_lake"] is False and infy["model_active"] is False and infy["active_horizons"] == []
    assert tcs["in_lake"] is True and tcs["model_active"] is True and tcs["active_horizons"] == [180]
    assert (tcs["exchange"], tcs["timezone"]) == ("NSE", "Asia/Kolkata")

    # A series landing in the lake while the server runs is listed on the next request, after WATCHLIST.
    run_cli(rc_binary, "sim", "--symbol", "AAPL", "--timeframe", "15m", "--days", "5", "--seed", "3",
            "--end", "2024-06-01T00:00:00Z", env=env)
    run_cli(rc_binary, "pipeline", env=env)
    second = watchlist(srv)
    assert [(s["symbol"], s["timeframe"]) for s in second][:2] == [("INFY.NS", "1h"), ("TCS.NS", "5m")]
    aapl = second[2]
    assert (aapl["symbol"], aapl["timeframe"], aapl["source"], aapl["in_lake"]) == ("AAPL", "15m", "lake", True)
    assert (aapl["exchange"], aapl["timezone"], aapl["model_active"]) == ("NYSE", "America/New_York", False)
    assert len(second) == 3


def test_empty_lake_lists_the_watchlist_only(server_factory):
    srv = server_factory(extra_env={"WATCHLIST": "BTC-USD:1h"})
    assert watchlist(srv) == [{"symbol": "BTC-USD", "timeframe": "1h", "source": "watchlist", "in_lake": False,
                               "exchange": "24x7", "timezone": "UTC", "model_active": False,
                               "active_horizons": []}]


def test_unusable_watchlist_is_a_clear_error(server_factory):
    # With the scheduler off the server starts anyway; the route names the setting.
    srv = server_factory(extra_env={"WATCHLIST": "TCS.NS:7m"})
    r = requests.get(srv.url("/api/watchlist"), timeout=10)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["field"] == "WATCHLIST"
    assert "7m" in r.json()["error"]["message"]
