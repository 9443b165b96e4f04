#include "serving/drift_tracker.h"

#include <algorithm>
#include <spdlog/spdlog.h>

#include "lake/layers/layers.h"
#include "ml/silver_source.h"
#include "serving/process_memory.h"

namespace rc::serving {
namespace {

using lake::ColumnBatch;
using lake::layers::LayerTable;

}  // namespace

void DriftTracker::OnLogged(const ColumnBatch& rows, int64_t version) {
  MutexLock lock(mutex_);
  if (rows.num_rows() == 0) return;
  if (!seeded_) {
    // Before the seeding read starts, that read will hold these rows; during
    // it, only the version tells whether it does.
    if (seeding_) logged_while_seeding_.emplace_back(version, rows);
    return;
  }
  AddLoggedRows(rows);
}

void DriftTracker::AddLoggedRows(const ColumnBatch& rows) {
  const auto& symbols = rows.Strings(rows.KnownColumn("symbol"));
  const auto& timeframes = rows.Strings(rows.KnownColumn("timeframe"));
  std::vector<LoggedPrediction> logged = LoggedPredictions(rows);
  // Rows come grouped by the order they were served, mostly one series: split by series.
  std::map<Key, std::vector<LoggedPrediction>> by_series;
  for (size_t row = 0; row < logged.size(); ++row) {
    auto symbol = Symbol::Parse(symbols[row]);
    auto tf = Timeframe::Parse(timeframes[row]);
    if (!symbol || !tf) continue;  // GoldRows wrote canonical names; nothing else reaches gold
    by_series[{*symbol, *tf}].push_back(std::move(logged[row]));
  }
  for (auto& [key, predictions] : by_series) AddLogged(series_[key], std::move(predictions), window_);
}

void DriftTracker::AddLogged(Series& series, std::vector<LoggedPrediction> logged, size_t window) {
  for (LoggedPrediction& p : logged) {
    ++series.predictions;
    if (p.realized_close) {
      ++series.matured;
      series.window.emplace(p.ts, std::move(p));
    } else {
      const int64_t target = p.target_ts;
      series.pending.emplace(target, Pending{arrivals_++, std::move(p)});
    }
  }
  Trim(series, window);
}

void DriftTracker::Trim(Series& series, size_t window) {
  while (series.window.size() > window) series.window.erase(series.window.begin());
}

Status DriftTracker::SeedOnce(const std::string& data_dir, size_t window) {
  {
    MutexLock lock(mutex_);
    if (seeded_) return Ok();
    seeding_ = true;  // only the scheduler checks: no second seeding runs meanwhile
    logged_while_seeding_.clear();
  }
  // The read runs unlocked: the gold log's commits (and OnLogged) go on.
  using Logged = std::vector<std::pair<Key, std::vector<LoggedPrediction>>>;
  auto step = [this](SeedStep at) {
    if (options_.during_seed) options_.during_seed(at);
  };
  auto read = [&]() -> Result<std::pair<int64_t, Logged>> {
    step(SeedStep::kBeforeSnapshot);
    RC_ASSIGN_OR_RETURN(LayerTable gold, LayerTable::OpenGold(data_dir));
    RC_ASSIGN_OR_RETURN(auto snapshot, gold.table().Latest());
    RC_ASSIGN_OR_RETURN(auto partitions, LayerTable::PartitionsAt(*snapshot));
    Logged logged;
    for (const auto& [symbol, tf] : partitions) {
      RC_ASSIGN_OR_RETURN(ColumnBatch rows, gold.ReadAt(*snapshot, symbol, tf));
      logged.emplace_back(Key{symbol, tf}, LoggedPredictions(rows));
    }
    return std::make_pair(snapshot->version, std::move(logged));
  };
  auto seeded = read();
  step(SeedStep::kAfterRead);
  MutexLock lock(mutex_);
  seeding_ = false;
  auto logged_meanwhile = std::move(logged_while_seeding_);
  logged_while_seeding_.clear();
  if (!seeded) return tl::unexpected(seeded.error());  // the next check seeds again, from scratch
  series_.clear();
  window_ = window;
  for (auto& [key, predictions] : seeded->second) AddLogged(series_[key], std::move(predictions), window);
  seeded_ = true;
  commits_during_seed_ = static_cast<int64_t>(logged_meanwhile.size());
  for (const auto& [version, rows] : logged_meanwhile) {
    if (version > seeded->first) AddLoggedRows(rows);  // committed after the snapshot that was read
  }
  ReleaseFreedMemory();  // the seeding read held the whole of gold
  return Ok();
}

Status DriftTracker::Realize(const Key& key, Series& series, const DriftOptions& options, SeriesQuality& quality) {
  if (series.pending.empty()) return Ok();
  ml::SilverQuery query;
  query.from = series.pending.begin()->first;  // nothing older can realize anything pending
  auto slice = ml::LoadSilver(options.data_dir, key.first, key.second, query);
  if (!slice) return slice.error().code == ErrorCode::kNotFound ? Ok() : Status(tl::unexpected(slice.error()));
  const std::vector<int64_t>& bars = slice->table.ts;
  const std::vector<double>& close = slice->table.columns.at("close");
  silver_bars_read_ += static_cast<int64_t>(bars.size());
  if (bars.empty()) return Ok();
  const int64_t newest = bars.back();
  std::vector<Pending> realized;
  for (auto it = series.pending.begin(); it != series.pending.end() && it->first <= newest;) {
    const auto bar = std::lower_bound(bars.begin(), bars.end(), it->first);
    if (bar != bars.end() && *bar == it->first) {
      it->second.prediction.realized_close = close[static_cast<size_t>(bar - bars.begin())];
      series.unpersisted[it->first] = *it->second.prediction.realized_close;
      realized.push_back(std::move(it->second));
    } else {
      ++dropped_gaps_;  // silver moved past the target without it: it never matures
    }
    it = series.pending.erase(it);
  }
  series.silver_version = slice->silver_version;
  // In the order the predictions were made, as RunDriftCheck reports them.
  std::sort(realized.begin(), realized.end(), [](const Pending& a, const Pending& b) {
    return std::tie(a.prediction.ts, a.arrival) < std::tie(b.prediction.ts, b.arrival);
  });
  for (Pending& done : realized) {
    ReportRealized(done.prediction, key.first, key.second, options);
    ++series.matured;
    series.window.emplace(done.prediction.ts, std::move(done.prediction));
  }
  quality.filled_now = static_cast<int64_t>(realized.size());
  return Ok();
}

Result<std::vector<SeriesQuality>> DriftTracker::Check(const DriftOptions& options) {
  RC_RETURN_IF_ERROR(SeedOnce(options.data_dir, options.window));
  MutexLock lock(mutex_);
  window_ = options.window;
  silver_bars_read_ = 0;
  std::vector<SeriesQuality> report;
  for (auto& [key, series] : series_) {
    if (options.symbol && *options.symbol != key.first) continue;
    if (options.timeframe && *options.timeframe != key.second) continue;
    SeriesQuality quality{key.first, key.second};
    RC_RETURN_IF_ERROR(Realize(key, series, options, quality));
    Trim(series, options.window);
    quality.predictions = series.predictions;
    quality.matured = series.matured;
    std::vector<const LoggedPrediction*> window;
    window.reserve(series.window.size());
    for (const auto& [ts, prediction] : series.window) window.push_back(&prediction);
    MeasureWindow(window, options, quality);
    report.push_back(std::move(quality));
  }
  return report;
}

Result<int64_t> DriftTracker::PersistIfDue(const std::string& data_dir) {
  MutexLock lock(mutex_);
  if (std::chrono::steady_clock::now() - last_persist_ < options_.persist_every) return 0;
  return PersistLocked(data_dir);
}

Result<int64_t> DriftTracker::Persist(const std::string& data_dir) {
  MutexLock lock(mutex_);
  return PersistLocked(data_dir);
}

Result<int64_t> DriftTracker::PersistLocked(const std::string& data_dir) {
  last_persist_ = std::chrono::steady_clock::now();
  const bool any = std::any_of(series_.begin(), series_.end(), [](const auto& s) { return !s.second.unpersisted.empty(); });
  if (!any) return 0;
  RC_ASSIGN_OR_RETURN(LayerTable gold, LayerTable::OpenGold(data_dir));
  int64_t filled = 0;
  Status status = Ok();
  for (auto& [key, series] : series_) {
    if (series.unpersisted.empty()) continue;
    auto here = CommitRealizedClosesInFiles(gold, key.first, key.second, series.unpersisted, series.silver_version);
    if (!here) {
      status = tl::unexpected(here.error());
      break;
    }
    series.unpersisted.clear();
    filled += *here;
  }
  if (!status) return tl::unexpected(status.error());
  return filled;
}

DriftTracker::Stats DriftTracker::stats() const {
  MutexLock lock(mutex_);
  Stats out;
  out.series = static_cast<int64_t>(series_.size());
  for (const auto& [key, series] : series_) {
    out.pending += static_cast<int64_t>(series.pending.size());
    out.windowed += static_cast<int64_t>(series.window.size());
    out.unpersisted += static_cast<int64_t>(series.unpersisted.size());
  }
  out.dropped_gaps = dropped_gaps_;
  out.silver_bars_read = silver_bars_read_;
  out.commits_during_seed = commits_during_seed_;
  return out;
}

}  // namespace rc::serving
