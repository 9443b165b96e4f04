#include "data/providers/replay_provider.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "core/calendar.h"
#include "core/strings.h"
#include "data/providers/csv_import.h"

namespace rc::data {
namespace {

// The wall anchor of a replay, kept between processes. Plain `key=value`
// lines: it is our own small state file, read back only by this code.
struct ReplayAnchor {
  std::string source;
  TimestampUs start = 0;
  std::string speed;  // as text, so a float never compares unequal to itself
  TimestampUs wall_anchor = 0;
};

std::filesystem::path AnchorFile(const Settings& settings) {
  return std::filesystem::path(settings.data_dir) / "replay" / "clock";
}

std::optional<ReplayAnchor> ReadAnchor(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) return std::nullopt;
  ReplayAnchor anchor;
  std::string line;
  while (std::getline(in, line)) {
    const size_t eq = line.find('=');
    if (line.empty() || line[0] == '#' || eq == std::string::npos) continue;
    const std::string key = line.substr(0, eq), value = line.substr(eq + 1);
    try {
      if (key == "source") anchor.source = value;
      if (key == "start") anchor.start = std::stoll(value);
      if (key == "speed") anchor.speed = value;
      if (key == "wall_anchor") anchor.wall_anchor = std::stoll(value);
    } catch (const std::exception&) {
      spdlog::warn("replay: ignoring unreadable clock state {} ({}='{}')", file.string(), key, value.substr(0, 40));
      return std::nullopt;
    }
  }
  if (anchor.wall_anchor <= 0) return std::nullopt;
  return anchor;
}

Status WriteAnchor(const std::filesystem::path& file, const ReplayAnchor& anchor) {
  std::error_code ec;
  std::filesystem::create_directories(file.parent_path(), ec);
  if (ec) return IoError("cannot create " + file.parent_path().string() + ": " + ec.message());
  const std::filesystem::path tmp = file.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << "# Regimecast replay clock: replay time `start` was wall time `wall_anchor` (UTC microseconds).\n"
        << "# Delete this file to start the replay again.\n"
        << "source=" << anchor.source << "\nstart=" << anchor.start << "\nspeed=" << anchor.speed
        << "\nwall_anchor=" << anchor.wall_anchor << "\n";
    if (!out.flush()) return IoError("cannot write " + tmp.string());
  }
  std::filesystem::rename(tmp, file, ec);  // atomic: a reader sees the old or the new state
  if (ec) return IoError("cannot replace " + file.string() + ": " + ec.message());
  return Ok();
}

std::string SpeedText(double speed) {
  std::ostringstream out;
  out << speed;
  return out.str();
}

// "NSE:TCS" (the NSE export), "TCS" or "TCS.NS" all name TCS.NS.
bool NamesSymbol(std::string_view named, const Symbol& symbol) {
  const size_t colon = named.rfind(':');
  const std::string_view ticker = colon == std::string_view::npos ? named : named.substr(colon + 1);
  return EqualsIgnoringAsciiCase(ticker, symbol.str()) || EqualsIgnoringAsciiCase(ticker, symbol.Ticker());
}

}  // namespace

Result<std::vector<RawBar>> ReadReplayCsv(const std::filesystem::path& path, const std::string& exchange_time_zone,
                                          const std::optional<Symbol>& series) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return NotFound("REPLAY_SOURCE file " + path.string());
  std::ifstream in(path, std::ios::binary);
  if (!in) return IoError("cannot open " + path.string());
  std::string header;
  std::getline(in, header);
  if (!header.empty() && header.back() == '\r') header.pop_back();
  CsvImportOptions options = CsvOptionsForHeader(header, exchange_time_zone);
  options.on_error = CsvErrorPolicy::kReject;  // a market with holes nobody asked for is not a replay
  in.clear();
  in.seekg(0);
  RC_ASSIGN_OR_RETURN(CsvImportResult imported, ImportCsv(in, options, path.string()));
  if (series) {
    for (const std::string& named : imported.symbols) {
      if (!NamesSymbol(named, *series)) {
        return InvalidArgument("REPLAY_SOURCE", path.string() + " holds bars of '" + named.substr(0, 40) +
                                                    "', not of " + series->str() + " (the first WATCHLIST series)");
      }
    }
  }
  return std::move(imported.bars);
}

Result<std::vector<ReplaySeries>> LoadReplaySeries(const Settings& settings, const SeriesReader& lake_raw) {
  const std::string source(TrimAscii(settings.replay_source));
  if (source.empty()) return InvalidArgument("REPLAY_SOURCE", "must name a CSV file or lake:raw");
  RC_ASSIGN_OR_RETURN(std::vector<WatchedSeries> watched, ParseWatchlist(settings));
  if (watched.empty()) return InvalidArgument("WATCHLIST", "names no series to replay");
  std::vector<ReplaySeries> out;
  if (source != kLakeRawSource) {
    // One file, one series: the first watched one.
    const WatchedSeries& first = watched.front();
    auto bars = ReadReplayCsv(source, ExchangeCalendar::ForSymbol(first.symbol).time_zone(), first.symbol);
    if (!bars) return tl::unexpected(WithContext(bars.error(), "REPLAY_SOURCE"));
    if (bars->empty()) return NotFound("REPLAY_SOURCE " + source + " holds no bars");
    out.push_back({first.symbol, first.timeframe, std::move(*bars)});
    return out;
  }
  if (!lake_raw) return InvalidArgument("REPLAY_SOURCE", "lake:raw needs the lake (not available to this caller)");
  for (const WatchedSeries& w : watched) {
    RC_ASSIGN_OR_RETURN(std::vector<RawBar> bars, lake_raw(w.symbol, w.timeframe));
    if (!bars.empty()) out.push_back({w.symbol, w.timeframe, std::move(bars)});
  }
  if (out.empty()) {
    return NotFound("REPLAY_SOURCE lake:raw: the raw table of " + settings.data_dir +
                    " has no bars for any WATCHLIST series");
  }
  return out;
}

namespace {

// A replay clock on `calendar_symbol`'s exchange from REPLAY_START (or
// `default_start`), its wall anchor kept per `source` in <DATA_DIR>/replay/clock.
Result<std::shared_ptr<ReplayMarketClock>> ReplayClockFrom(const Settings& settings, const std::string& source,
                                                           const Symbol& calendar_symbol, TimestampUs default_start,
                                                           std::shared_ptr<const WallClock> wall) {
  ReplayAnchor wanted{source, settings.replay_start.value_or(default_start), SpeedText(settings.replay_speed), 0};
  const std::filesystem::path file = AnchorFile(settings);
  const auto kept = ReadAnchor(file);
  if (kept && kept->source == wanted.source && kept->start == wanted.start && kept->speed == wanted.speed) {
    wanted.wall_anchor = kept->wall_anchor;
  } else {
    wanted.wall_anchor = wall->Now();
    RC_RETURN_IF_ERROR(WriteAnchor(file, wanted));
  }
  const ExchangeCalendar& calendar = ExchangeCalendar::ForSymbol(calendar_symbol);
  auto clock = std::make_shared<ReplayMarketClock>(
      calendar, ReplayClockOptions{.start = wanted.start, .speed = settings.replay_speed, .wall_anchor = wanted.wall_anchor},
      std::move(wall));
  spdlog::info("replay: {} from {} at {}x on the {} calendar (wall anchor {}, kept in {})",
               wanted.source, FormatIsoUtc(clock->start()), wanted.speed, calendar.name(),
               FormatIsoUtc(clock->wall_anchor()), file.string());
  return clock;
}

}  // namespace

Result<std::shared_ptr<ReplayMarketClock>> MakeReplayClock(const Settings& settings,
                                                           const std::vector<ReplaySeries>& series,
                                                           std::shared_ptr<const WallClock> wall) {
  if (series.empty() || series.front().bars.empty()) return InvalidArgument("REPLAY_SOURCE", "holds no bars");
  TimestampUs first_bar = series.front().bars.front().open_time;
  for (const ReplaySeries& s : series) first_bar = std::min(first_bar, s.bars.front().open_time);
  return ReplayClockFrom(settings, std::string(TrimAscii(settings.replay_source)), series.front().symbol, first_bar,
                         std::move(wall));
}

Result<std::shared_ptr<const MarketClock>> MakeMarketClock(const Settings& settings, const SeriesReader& lake_raw,
                                                           std::shared_ptr<const WallClock> wall) {
  const bool replay_provider = settings.primary_data_provider == "replay";
  if (settings.market_clock == "wall") {
    // The replay serves bars closed by replay time; a scheduler on wall time would find every bar missing.
    if (replay_provider) {
      return InvalidArgument("MARKET_CLOCK", "wall cannot drive PRIMARY_DATA_PROVIDER=replay (use auto or replay)");
    }
    return std::make_shared<const WallMarketClock>(std::move(wall));
  }
  if (replay_provider) {
    RC_ASSIGN_OR_RETURN(auto series, LoadReplaySeries(settings, lake_raw));
    RC_ASSIGN_OR_RETURN(auto clock, MakeReplayClock(settings, series, std::move(wall)));
    return std::shared_ptr<const MarketClock>(std::move(clock));
  }
  if (settings.market_clock == "auto") return std::make_shared<const WallMarketClock>(std::move(wall));
  // MARKET_CLOCK=replay with live providers: a drill on replay time against
  // servers that answer for it (recorded sessions, outage rehearsals).
  if (!settings.replay_start) {
    return InvalidArgument("REPLAY_START", "MARKET_CLOCK=replay with PRIMARY_DATA_PROVIDER=" +
                                               settings.primary_data_provider + " needs the time to start from");
  }
  RC_ASSIGN_OR_RETURN(std::vector<WatchedSeries> watched, ParseWatchlist(settings));
  if (watched.empty()) return InvalidArgument("WATCHLIST", "names no series whose exchange the replay clock follows");
  RC_ASSIGN_OR_RETURN(auto clock, ReplayClockFrom(settings, "providers:" + settings.primary_data_provider,
                                                  watched.front().symbol, *settings.replay_start, std::move(wall)));
  return std::shared_ptr<const MarketClock>(std::move(clock));
}

ReplayProvider::ReplayProvider(std::vector<ReplaySeries> series, std::shared_ptr<const MarketClock> clock,
                               bool forming_bar)
    : series_(std::move(series)), clock_(std::move(clock)), forming_bar_(forming_bar) {}

Coverage ReplayProvider::CoverageFor(Timeframe timeframe, TimestampUs /*now*/) const {
  Coverage coverage{0, 0};
  for (const ReplaySeries& s : series_) {
    if (s.timeframe != timeframe || s.bars.empty()) continue;
    const TimestampUs first = s.bars.front().open_time;
    coverage.earliest = coverage.earliest == 0 ? first : std::min(coverage.earliest, first);
  }
  return coverage;
}

Result<FetchResult> ReplayProvider::Fetch(const FetchRequest& request) {
  RC_RETURN_IF_ERROR(ValidateRequest(request));
  auto it = std::find_if(series_.begin(), series_.end(), [&](const ReplaySeries& s) {
    return s.symbol == request.symbol && s.timeframe == request.timeframe;
  });
  if (it == series_.end()) {
    return NotFound("replay: REPLAY_SOURCE holds no bars of " + request.symbol.str() + " " +
                    std::string(request.timeframe.ToString()));
  }
  const std::vector<RawBar>& bars = it->bars;
  FetchResult result;
  result.provider = "replay";
  result.fetched_at = clock_->Now();
  // Close times ascend with open times, so "closed by now" is a prefix.
  const auto closed_end = std::partition_point(bars.begin(), bars.end(), [&](const RawBar& b) {
    return BarCloseTime(request.symbol, request.timeframe, b.open_time) <= result.fetched_at;
  });
  auto by_open = [](const RawBar& b, TimestampUs t) { return b.open_time < t; };
  const auto first = std::lower_bound(bars.begin(), closed_end, request.from, by_open);
  const auto last = std::lower_bound(first, closed_end, request.to, by_open);
  result.bars.assign(first, last);
  if (forming_bar_ && closed_end != bars.end() && closed_end->open_time <= result.fetched_at &&
      closed_end->open_time >= request.from && closed_end->open_time < request.to) {
    // Only the open is known while a bar forms; the rest of the stored bar is the future.
    RawBar forming;
    forming.open_time = closed_end->open_time;
    forming.open = closed_end->open;
    result.bars.push_back(forming);
    result.last_bar_forming = true;
  }
  return result;
}

}  // namespace rc::data
