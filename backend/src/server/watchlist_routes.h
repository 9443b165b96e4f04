// File: server/watchlist_routes.h
//
// GET /api/watchlist: the series the front end lists — the WATCHLIST setting
// in its order, then every other series with bars in the lake (bronze),
// sorted — each with its exchange, its time zone and the horizons that have
// an active model. BuildWatchlist is the merge, kept free of I/O for tests.
//
//   auto entries = BuildWatchlist(*ParseWatchlist(settings), *bronze.Partitions(), active_keys);
#pragma once

#include <utility>
#include <vector>

#include "core/settings.h"
#include "core/symbol.h"
#include "core/timeframe.h"
#include "ml/registry/experiment_record.h"

namespace rc::server {

class App;

struct WatchlistEntry {
  Symbol symbol;
  Timeframe timeframe;
  bool configured = false;             // listed in WATCHLIST (source "watchlist"), else only in the lake
  bool in_lake = false;                // bronze has bars for it
  std::vector<int> active_horizons;    // minutes with an active experiment, ascending
};

// WATCHLIST entries first (in order, duplicates dropped), then the lake's
// series not in it (sorted by symbol, then timeframe). `active` holds the
// registry keys with an active experiment; keys of series in neither list
// are ignored (a model without bars has nothing to chart).
std::vector<WatchlistEntry> BuildWatchlist(const std::vector<WatchedSeries>& configured,
                                           const std::vector<std::pair<Symbol, Timeframe>>& lake,
                                           const std::vector<ml::ExperimentKey>& active);

void AddWatchlistRoutes(App& app);

}  // namespace rc::server
