#include "serving/gold_log.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <spdlog/spdlog.h>

#include "core/json_text.h"
#include "core/calendar.h"
#include "lake/layers/layers.h"
#include "monitoring/standard_metrics.h"

namespace rc::serving {
namespace {

using lake::ColumnBatch;
using lake::layers::LayerTable;

// Open time of the bar `bars_ahead` regular bars after `from_open`.
int64_t TargetBarOpen(const ExchangeCalendar& calendar, Timeframe tf, int64_t from_open, int bars_ahead) {
  int64_t window = std::max<int64_t>(7, bars_ahead * tf.DurationMicros() / kMicrosPerDay * 3 + 7) * kMicrosPerDay;
  for (int attempt = 0; attempt < 6; ++attempt, window *= 2) {
    const auto opens = calendar.TradingBars(from_open + 1, from_open + window, tf);
    if (opens.size() >= static_cast<size_t>(bars_ahead)) return opens[static_cast<size_t>(bars_ahead - 1)];
  }
  return from_open + bars_ahead * tf.DurationMicros();  // a calendar with no sessions ahead: plain arithmetic
}

}  // namespace

Result<ColumnBatch> GoldRows(const std::vector<PredictionOutcome>& outcomes) {
  ColumnBatch rows(lake::layers::GoldPredictionsSchema());
  const size_t n = outcomes.size();
  for (size_t col = 0; col < rows.num_columns(); ++col) {
    std::visit([n](auto& values) { values.resize(n); }, rows.column(col).values);
  }
  const size_t symbol = rows.KnownColumn("symbol"), timeframe = rows.KnownColumn("timeframe"), ts = rows.KnownColumn("ts"),
               horizon = rows.KnownColumn("horizon_minutes"), target = rows.KnownColumn("target_ts"),
               last_close = rows.KnownColumn("last_close"), expected_close = rows.KnownColumn("expected_close"),
               expected_return = rows.KnownColumn("expected_return"), regime = rows.KnownColumn("regime"),
               confidence = rows.KnownColumn("regime_confidence"), weights_json = rows.KnownColumn("weights_json"),
               experiment = rows.KnownColumn("experiment_id"), degraded = rows.KnownColumn("degraded"),
               realized = rows.KnownColumn("realized_close");
  for (size_t row = 0; row < n; ++row) {
    const PredictionOutcome& outcome = outcomes[row];
    const ml::Prediction& p = outcome.prediction;
    const auto& q = outcome.query;
    rows.Strings(symbol)[row] = q.symbol.str();
    rows.Strings(timeframe)[row] = std::string(q.timeframe.ToString());
    rows.Int64s(ts)[row] = p.data_last_ts;
    rows.Int32s(horizon)[row] = q.horizon_minutes;
    rows.Int64s(target)[row] =
        TargetBarOpen(ExchangeCalendar::ForSymbol(q.symbol), q.timeframe, p.data_last_ts, p.horizon_bars);
    rows.Doubles(last_close)[row] = outcome.last_close;
    rows.Doubles(expected_close)[row] = p.expected_price;
    rows.Doubles(expected_return)[row] = p.expected_return;
    for (int level : {50, 80, 95}) {
      const size_t lower = rows.KnownColumn("lower_" + std::to_string(level));
      const size_t upper = rows.KnownColumn("upper_" + std::to_string(level));
      const auto band = std::find_if(p.bands.begin(), p.bands.end(),
                                     [&](const ml::BandOut& b) { return std::lround(b.level * 100) == level; });
      if (band == p.bands.end()) {
        rows.SetNull(lower, row);
        rows.SetNull(upper, row);
      } else {
        rows.Doubles(lower)[row] = band->lower;
        rows.Doubles(upper)[row] = band->upper;
      }
    }
    rows.Strings(regime)[row] = std::string(regime::ToString(p.regime));
    rows.Doubles(confidence)[row] = p.regime_confidence;
    boost::json::object weights;
    for (const auto& [family, w] : p.weights) weights[family] = w;
    rows.Strings(weights_json)[row] = JsonText(weights);
    rows.Strings(experiment)[row] = p.experiment_id;
    rows.Bools(degraded)[row] = p.degraded ? 1 : 0;
    rows.SetNull(realized, row);
  }
  RC_RETURN_IF_ERROR(rows.Validate());
  return rows;
}

GoldLog::GoldLog(std::string data_dir, GoldLogOptions options, StorageHealth* health)
    : data_dir_(std::move(data_dir)), options_(options), health_(health), thread_([this] { Loop(); }) {}

GoldLog::~GoldLog() {
  if (auto closed = Close(); !closed) {
    spdlog::error("gold prediction log: final commit failed, {} predictions lost: {}", stats().pending,
                  closed.error().ToString());
  }
}

void GoldLog::Append(PredictionOutcome outcome) {
  bool commit_here = false;
  {
    MutexLock lock(queue_mutex_);
    if (queue_.empty()) oldest_ = std::chrono::steady_clock::now();
    queue_.push_back(std::move(outcome));
    if (queue_.size() > options_.max_pending) {
      // Commits keep failing (disk full?): keep the newest, count what goes.
      const size_t excess = queue_.size() - options_.max_pending;
      queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(excess));
      stats_.dropped += static_cast<int64_t>(excess);
      monitoring::GoldLogDroppedRowsTotal().WithLabels(std::vector<std::string>{}).Inc(static_cast<double>(excess));
      spdlog::error("gold prediction log: {} queued predictions dropped (commits failing: {})", excess,
                    stats_.last_error);
    }
    commit_here = closed_;
    // The first row starts the max_delay clock of a loop asleep on an empty
    // queue; a full batch commits at once.
    if (!commit_here && (queue_.size() == 1 || queue_.size() >= options_.max_rows)) wake_.Signal();
  }
  if (commit_here) {
    if (auto committed = Flush(); !committed) {
      spdlog::error("gold prediction log: commit after close failed: {}", committed.error().ToString());
    }
  }
}

Status GoldLog::Flush() { return CommitQueued(); }

Status GoldLog::CommitQueued() {
  MutexLock writing(write_mutex_);
  std::vector<PredictionOutcome> batch;
  {
    MutexLock lock(queue_mutex_);
    batch.swap(queue_);
  }
  if (batch.empty()) return Ok();
  auto commit = [&]() RC_REQUIRES(write_mutex_) -> Status {
    RC_ASSIGN_OR_RETURN(ColumnBatch rows, GoldRows(batch));
    RC_ASSIGN_OR_RETURN(LayerTable gold, LayerTable::OpenGold(data_dir_));
    lake::delta::Lineage lineage;
    lineage.attributes["operation"] = "log predictions";
    lineage.attributes["rows"] = std::to_string(batch.size());
    RC_ASSIGN_OR_RETURN(lake::delta::CommitResult appended, gold.Append(rows, lineage));
    if (options_.on_committed) options_.on_committed(rows, appended.version);
    if (options_.compact_every > 0 && ++commits_since_compaction_ >= options_.compact_every) {
      commits_since_compaction_ = 0;
      lake::delta::CompactOptions compact;
      compact.min_files = options_.compact_min_files;
      compact.small_file_bytes = options_.compact_small_file_bytes;
      // Compaction failing is not a lost prediction: log it and go on.
      auto compacted = gold.table().Compact(compact);
      if (health_ != nullptr) health_->Record("gold_compaction", compacted ? Ok() : Status(tl::unexpected(compacted.error())));
      if (!compacted) {
        spdlog::warn("gold prediction log: compaction failed: {}", compacted.error().ToString());
      } else if (compacted->version) {
        spdlog::info("gold prediction log: compacted {} files into {} ({} partitions)", compacted->files_removed,
                     compacted->files_added, compacted->partitions);
      }
    }
    return Ok();
  };
  Status status = commit();
  if (health_ != nullptr) health_->Record("gold_log", status);
  MutexLock lock(queue_mutex_);
  if (status) {
    ++stats_.commits;
    stats_.rows_committed += static_cast<int64_t>(batch.size());
    stats_.last_error.clear();
  } else {
    ++stats_.failed_commits;
    stats_.last_error = status.error().ToString();
    // Back in front, in order, for the next round.
    batch.insert(batch.end(), std::make_move_iterator(queue_.begin()), std::make_move_iterator(queue_.end()));
    queue_.swap(batch);
    if (!queue_.empty()) oldest_ = std::chrono::steady_clock::now();
  }
  return status;
}

void GoldLog::Loop() {
  int64_t failures_in_a_row = 0;
  while (true) {
    {
      MutexLock lock(queue_mutex_);
      while (!closing_ && queue_.empty()) wake_.Wait(queue_mutex_);
      if (closing_) break;
      // A full batch commits at once; otherwise the oldest row waits at most max_delay.
      const auto due = oldest_ + options_.max_delay;
      while (!closing_ && queue_.size() < options_.max_rows && wake_.WaitUntil(queue_mutex_, due)) {
      }
      if (closing_) break;  // Close() commits the rest on its own thread
    }
    if (auto committed = CommitQueued(); !committed) {
      // A full disk fails every 250 ms retry: log the first and then every 100th,
      // not four lines a second (the log may live on that disk).
      if (failures_in_a_row++ % 100 == 0) {
        spdlog::error("gold prediction log: commit failed ({} in a row), will retry: {}", failures_in_a_row,
                      committed.error().ToString());
      }
      std::this_thread::sleep_for(options_.max_delay);  // do not hammer a full disk
    } else if (failures_in_a_row > 0) {
      spdlog::info("gold prediction log: committed again after {} failed attempts", failures_in_a_row);
      failures_in_a_row = 0;
    }
  }
}

Status GoldLog::Close() {
  {
    MutexLock lock(queue_mutex_);
    if (closed_) return Ok();
    closing_ = true;
  }
  wake_.SignalAll();
  if (thread_.joinable()) thread_.join();
  {
    MutexLock lock(queue_mutex_);
    closed_ = true;
  }
  return CommitQueued();
}

GoldLog::Stats GoldLog::stats() const {
  MutexLock lock(queue_mutex_);
  Stats out = stats_;
  out.pending = static_cast<int64_t>(queue_.size());
  return out;
}

}  // namespace rc::serving
