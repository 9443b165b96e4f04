#include "server/watchlist_routes.h"

#include <algorithm>
#include <boost/json.hpp>
#include <map>

#include "core/calendar.h"
#include "core/json_text.h"
#include "lake/layers/layers.h"
#include "ml/registry/registry.h"
#include "server/app.h"
#include "server/openapi_schemas.h"

namespace rc::server {
namespace {

using SeriesId = std::pair<Symbol, Timeframe>;

boost::json::object EntryJson(const WatchlistEntry& entry) {
  const ExchangeCalendar& exchange = ExchangeCalendar::ForSymbol(entry.symbol);
  boost::json::array horizons;
  for (int minutes : entry.active_horizons) horizons.push_back(minutes);
  return boost::json::object{{"symbol", entry.symbol.str()},
                             {"timeframe", std::string(entry.timeframe.ToString())},
                             {"source", entry.configured ? "watchlist" : "lake"},
                             {"in_lake", entry.in_lake},
                             {"exchange", exchange.name()},
                             {"timezone", exchange.time_zone()},
                             {"model_active", !entry.active_horizons.empty()},
                             {"active_horizons", std::move(horizons)}};
}

}  // namespace

std::vector<WatchlistEntry> BuildWatchlist(const std::vector<WatchedSeries>& configured,
                                           const std::vector<SeriesId>& lake,
                                           const std::vector<ml::ExperimentKey>& active) {
  std::vector<WatchlistEntry> out;
  std::map<SeriesId, size_t> position;  // series -> index in `out`
  auto add = [&](const Symbol& symbol, Timeframe timeframe, bool is_configured) -> WatchlistEntry& {
    auto [it, inserted] = position.try_emplace(SeriesId{symbol, timeframe}, out.size());
    if (inserted) out.push_back(WatchlistEntry{symbol, timeframe, is_configured, false, {}});
    return out[it->second];
  };
  for (const WatchedSeries& series : configured) add(series.symbol, series.timeframe, true);
  std::vector<SeriesId> sorted_lake = lake;
  std::sort(sorted_lake.begin(), sorted_lake.end(), [](const SeriesId& a, const SeriesId& b) {
    return std::pair(a.first.str(), a.second) < std::pair(b.first.str(), b.second);
  });
  for (const auto& [symbol, timeframe] : sorted_lake) add(symbol, timeframe, false).in_lake = true;
  for (const ml::ExperimentKey& key : active) {
    // Registry keys are canonical text; one that no longer parses names no listed series.
    auto symbol = Symbol::Parse(key.symbol);
    auto timeframe = Timeframe::Parse(key.timeframe);
    if (!symbol || !timeframe) continue;
    auto it = position.find(SeriesId{*symbol, *timeframe});
    if (it == position.end()) continue;
    std::vector<int>& horizons = out[it->second].active_horizons;
    if (std::find(horizons.begin(), horizons.end(), key.horizon_minutes) == horizons.end()) {
      horizons.insert(std::upper_bound(horizons.begin(), horizons.end(), key.horizon_minutes), key.horizon_minutes);
    }
  }
  return out;
}

void AddWatchlistRoutes(App& app) {
  const Settings& settings = app.settings();
  app.AddRoute({"GET", "/api/watchlist",
                "The series to chart: WATCHLIST first, then every other series with bars in the lake; exchange, "
                "time zone and the horizons with an active model",
                "data", {}, "", WatchlistResponseSchema()},
               [settings](const Request&) {
                 auto configured = ParseWatchlist(settings);
                 if (!configured) return ErrorResponse(configured.error());
                 auto bronze = lake::layers::LayerTable::OpenBronze(settings.data_dir);
                 if (!bronze) return ErrorResponse(bronze.error());
                 auto lake = bronze->Partitions();
                 if (!lake) return ErrorResponse(lake.error());
                 auto index = ml::ExperimentRegistry(settings.data_dir).ReadIndex();
                 if (!index) return ErrorResponse(index.error());
                 std::vector<ml::ExperimentKey> active;
                 for (const auto& [key, entry] : *index) {
                   if (!entry.active_experiment.empty() || entry.curated) active.push_back(key);
                 }
                 boost::json::array series;
                 for (const WatchlistEntry& entry : BuildWatchlist(*configured, *lake, active)) {
                   series.push_back(EntryJson(entry));
                 }
                 return JsonResponse(200, JsonText(boost::json::object{{"series", std::move(series)}}));
               });
}

}  // namespace rc::server
