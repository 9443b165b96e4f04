#include "data/pipeline/demo.h"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <limits>

#include "core/calendar.h"
#include "data/pipeline/pipeline.h"
#include "data/providers/demo_sample.h"

namespace rc::data::pipeline {
namespace {

namespace fs = std::filesystem;

// Marks a directory as a demo lake, so re-creating it can never delete anything else.
constexpr const char* kDemoMarker = ".regimecast-demo";
constexpr int64_t kProbeSpan = 7 * kMicrosPerDay;

fs::path DemoDir(const Settings& settings) {
  if (!settings.demo_data_dir.empty()) return fs::path(settings.demo_data_dir);
  return fs::path(settings.data_dir) / "demo";
}

// Empties `dir` when it is a previous demo (or absent/empty) and marks it.
Status ResetDemoDir(const fs::path& dir) {
  std::error_code ec;
  if (fs::exists(dir, ec)) {
    const bool empty = fs::is_empty(dir, ec);
    if (!empty && !fs::exists(dir / kDemoMarker, ec)) {
      return Conflict("DEMO_DATA_DIR " + dir.string() + " is not empty and is not a demo lake (no " + kDemoMarker +
                      "); choose another DEMO_DATA_DIR");
    }
    fs::remove_all(dir, ec);
    if (ec) return IoError("cannot clear the previous demo in " + dir.string() + ": " + ec.message());
  }
  fs::create_directories(dir, ec);
  if (ec) return IoError("cannot create " + dir.string() + ": " + ec.message());
  std::ofstream marker(dir / kDemoMarker);
  marker << "Made by Regimecast for the offline demo; replaced at every demo start.\n";
  if (!marker.flush()) return IoError("cannot write " + (dir / kDemoMarker).string());
  return Ok();
}

Status WriteText(const fs::path& file, std::string_view text) {
  std::error_code ec;
  fs::create_directories(file.parent_path(), ec);
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  if (ec || !out.flush()) return IoError("cannot write " + file.string());
  return Ok();
}

bool SameDirectory(const fs::path& a, const fs::path& b) {
  std::error_code ec;
  return fs::weakly_canonical(a, ec).lexically_normal() == fs::weakly_canonical(b, ec).lexically_normal();
}

}  // namespace

Result<bool> DemoWanted(const Settings& settings, const std::function<bool()>& live_provider_answers) {
  if (settings.demo == "on") return true;
  if (settings.demo == "off") return false;
  RC_ASSIGN_OR_RETURN(bool empty, RawLakeIsEmpty(settings.data_dir));
  if (!empty) return false;
  return !live_provider_answers || !live_provider_answers();
}

bool AnyProviderAnswers(ProviderChain& chain, const WatchedSeries& series, TimestampUs now) {
  auto fetched = chain.Fetch({series.symbol, series.timeframe, now - kProbeSpan, now});
  if (!fetched) {
    spdlog::info("no live provider answers for {} {}: {}", series.symbol.str(), series.timeframe.ToString(),
                 fetched.error().message);
    return false;
  }
  return !fetched->bars.empty();
}

Result<DemoPlan> PrepareDemo(const Settings& settings) {
  const fs::path dir = DemoDir(settings);
  if (SameDirectory(dir, settings.data_dir)) {
    return InvalidArgument("DEMO_DATA_DIR", "must differ from DATA_DIR (sample bars never mix with live ones)");
  }
  RC_RETURN_IF_ERROR(ResetDemoDir(dir));
  const DemoSample& sample = ShippedSample();
  const fs::path sample_file = dir / "sample" / sample.file_name;
  RC_RETURN_IF_ERROR(WriteText(sample_file, sample.csv));
  const ExchangeCalendar& calendar = ExchangeCalendar::ForSymbol(sample.symbol);
  RC_ASSIGN_OR_RETURN(std::vector<RawBar> bars, ReadReplayCsv(sample_file, calendar.time_zone()));

  // The history is the bars of the first DEMO_HISTORY_DAYS local days that have bars.
  size_t split = 0;
  int days = 0;
  for (int64_t day = std::numeric_limits<int64_t>::min(); split < bars.size(); ++split) {
    const int64_t bar_day = calendar.LocalDay(bars[split].open_time);
    if (bar_day != day && ++days > settings.demo_history_days) break;
    day = bar_day;
  }
  if (split >= bars.size()) {
    return InvalidArgument("DEMO_HISTORY_DAYS", "the sample has " + std::to_string(days) +
                                                    " trading days; leave at least one to replay, got " +
                                                    std::to_string(settings.demo_history_days));
  }

  // The replay starts at the first bar after the history, or at that day's
  // open when the bar is a pre-open one (the sample has 09:05 IST bars; NSE
  // opens at 09:15), as the replay clock would move it: REPLAY_START, the
  // banner and the clock then name one instant.
  TimestampUs replay_start = bars[split].open_time;
  if (const auto session = calendar.RegularSession(calendar.LocalDay(replay_start));
      session && replay_start < session->open) {
    replay_start = session->open;
  }
  FetchResult history;
  history.provider = "replay";
  history.bars.assign(bars.begin(), bars.begin() + static_cast<std::ptrdiff_t>(split));
  history.fetched_at = replay_start;  // what the demo market knew when the replay begins
  RC_RETURN_IF_ERROR(CommitRaw(dir.string(), sample.symbol, sample.timeframe, history));

  Settings demo = settings;
  demo.data_dir = dir.string();
  demo.primary_data_provider = "replay";
  demo.fallback_data_providers.clear();
  demo.replay_source = sample_file.string();
  demo.replay_start = replay_start;
  demo.watchlist = {sample.symbol.str() + ":" + std::string(sample.timeframe.ToString())};
  demo.csv_dir.clear();
  // Holidays stay where they were (the default follows DATA_DIR).
  if (demo.calendar_dir.empty()) demo.calendar_dir = (fs::path(settings.data_dir) / "calendars").string();
  DemoPlan plan{std::move(demo), {sample.symbol, sample.timeframe}, static_cast<int64_t>(split),
                static_cast<int64_t>(bars.size() - split), replay_start,
                BarCloseTime(sample.symbol, sample.timeframe, bars.back().open_time)};
  return plan;  // the caller announces the demo (kDemoBanner) with these figures
}

}  // namespace rc::data::pipeline
