// File: data/providers/replay_provider.h
//
// PRIMARY_DATA_PROVIDER=replay: stored bars played as a live market. The
// source (REPLAY_SOURCE) is a CSV file — the NSE export layout detected from
// its header (IST wall-clock open times), else the generic layout of
// csv_import.h with times of the series' exchange — or `lake:raw`, the raw
// table of DATA_DIR (latest fetch wins). Symbol and timeframe come from
// WATCHLIST: a CSV is the first watched series, lake:raw serves every watched
// series it holds.
//
// The market runs on a ReplayMarketClock (core/market_clock.h): REPLAY_START
// (default: the source's first bar) advancing REPLAY_SPEED times faster than
// the wall clock while the exchange is open, jumping over closed hours. A fetch
// returns only bars whose CLOSE time is <= the clock's now — never a future
// bar — plus, with REPLAY_FORMING_BAR, the bar in progress flagged
// `last_bar_forming` and carrying only its open price (the one value known
// while it forms). FetchResult::fetched_at is replay time.
//
// The clock's wall anchor is remembered in <DATA_DIR>/replay/clock (a replay
// is a market that keeps running: a restarted server, or the next CLI call,
// finds it where the wall clock says it is, and backfills like after a live
// outage). A different source, start or speed starts the replay afresh;
// deleting the file does too.
//
//   data::ProviderDeps deps{.lake_raw = pipeline::LakeRawReader(settings.data_dir)};
//   RC_ASSIGN_OR_RETURN(auto clock, data::MakeMarketClock(settings, deps.lake_raw));
//   deps.market_clock = clock;                       // the scheduler waits on the same clock
//   RC_ASSIGN_OR_RETURN(auto chain, data::MakeProviderChain(settings, "", {}, deps));
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/market_clock.h"
#include "core/settings.h"
#include "data/providers/provider.h"

namespace rc::data {

inline constexpr std::string_view kLakeRawSource = "lake:raw";

// Every stored bar of one series, ascending and unique (for lake:raw the
// pipeline supplies one: pipeline::LakeRawReader). Errors: as the store.
using SeriesReader = std::function<Result<std::vector<RawBar>>(const Symbol&, Timeframe)>;

struct ReplaySeries {
  Symbol symbol;
  Timeframe timeframe;
  std::vector<RawBar> bars;  // ascending, unique open_time
};

// The bars of a replay CSV file (layout detected from its header, bad rows
// reject the file). A file with a symbol column ("NSE:TCS", "TCS" or
// "TCS.NS") must hold only `series` when one is given. Errors: kNotFound (no
// file), kInvalidArgument (no recognisable columns; field REPLAY_SOURCE for
// bars of another symbol), kDataCorrupt whose message lists
// "line N: <field> ..." for every bad row (up to 50), kIo.
Result<std::vector<RawBar>> ReadReplayCsv(const std::filesystem::path& path, const std::string& exchange_time_zone,
                                          const std::optional<Symbol>& series = std::nullopt);

// The series REPLAY_SOURCE holds for WATCHLIST. Errors: kInvalidArgument
// naming REPLAY_SOURCE (unset, or lake:raw without a reader) or WATCHLIST
// (an entry that is not SYMBOL:TF, or none); kNotFound when the source has no
// bar for any watched series; the CSV errors above.
Result<std::vector<ReplaySeries>> LoadReplaySeries(const Settings& settings, const SeriesReader& lake_raw);

// The replay clock of `series` for `settings`: the first series' exchange
// calendar, REPLAY_START or the earliest bar, REPLAY_SPEED, and the wall anchor
// remembered in <DATA_DIR>/replay/clock (written when new).
// Errors: kInvalidArgument (no series), kIo writing the anchor.
Result<std::shared_ptr<ReplayMarketClock>> MakeReplayClock(const Settings& settings,
                                                           const std::vector<ReplaySeries>& series,
                                                           std::shared_ptr<const WallClock> wall = SystemWallClock());

// The clock the scheduler runs on (MARKET_CLOCK): with `auto`, replay time
// when PRIMARY_DATA_PROVIDER is replay (loading the source to find its first
// bar), otherwise wall time; `replay` with a live provider chain plays replay
// time from REPLAY_START on the first WATCHLIST series' calendar, so a drill
// asks recorded provider servers for the bars of that time (their anchor is
// kept as for a replay). Errors: kInvalidArgument naming MARKET_CLOCK (wall
// with the replay provider), REPLAY_START (replay without it) or WATCHLIST;
// the errors of LoadReplaySeries and MakeReplayClock.
Result<std::shared_ptr<const MarketClock>> MakeMarketClock(const Settings& settings, const SeriesReader& lake_raw,
                                                           std::shared_ptr<const WallClock> wall = SystemWallClock());

// Thread-safe (the bars never change; the clock is thread-safe).
class ReplayProvider final : public Provider {
 public:
  ReplayProvider(std::vector<ReplaySeries> series, std::shared_ptr<const MarketClock> clock, bool forming_bar = false);

  std::string_view name() const override { return "replay"; }
  // Errors: kInvalidArgument (bad range), kNotFound for a series the source
  // does not hold.
  Result<FetchResult> Fetch(const FetchRequest& request) override;
  // History starts at the source's first bar of `timeframe`.
  Coverage CoverageFor(Timeframe timeframe, TimestampUs now) const override;

  const MarketClock& clock() const { return *clock_; }

 private:
  std::vector<ReplaySeries> series_;
  std::shared_ptr<const MarketClock> clock_;
  bool forming_bar_ = false;
};

}  // namespace rc::data
