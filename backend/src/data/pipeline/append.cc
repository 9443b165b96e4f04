#include "data/pipeline/append.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <optional>
#include <spdlog/spdlog.h>

#include "core/numeric.h"
#include "data/pipeline/lake_rows.h"
#include "data/pipeline/silver.h"
#include "data/pipeline/workers.h"
#include "features/targets.h"
#include "lake/layers/layers.h"
#include "monitoring/standard_metrics.h"

namespace rc::data::pipeline {

using lake::layers::LayerTable;
using lake::layers::WatermarkIn;

// What the next bars of one series need, as of the lake the appender left.
struct LiveAppender::SeriesTail {
  int64_t raw_mark = -1;     // the raw watermark bronze was built from (bronze's recorded txn)
  int64_t bronze_mark = -1;  // bronze's watermark, which silver was built from (silver's recorded txn)
  std::optional<TimestampUs> newest_bronze_open;
  std::optional<TimestampUs> newest_regular_open;  // the gap rule's previous regular bar
  std::unique_ptr<features::FeatureState> features;  // folded over every silver bar
  size_t tail_rows = 0;                              // HorizonBars of the longest horizon
  std::deque<TimestampUs> tail;                      // ts of the last tail_rows silver rows (targets pending)

  // Silver files that may hold a row at or after this are the tail.
  int64_t tail_from() const { return tail.empty() ? INT64_MAX : tail.front(); }
};

namespace {

// The most bars any horizon looks ahead, for `tf`.
Result<size_t> LongestHorizonBars(Timeframe tf, const std::vector<int>& horizons) {
  size_t longest = 0;
  for (int h : horizons) {
    RC_ASSIGN_OR_RETURN(int bars, features::HorizonBars(tf, h));
    longest = std::max(longest, static_cast<size_t>(bars));
  }
  return longest;
}

// Sets row `row` of nullable double column `col` to `value` (non-finite: null, as SilverToBatch writes it).
void SetNullableDouble(lake::ColumnBatch& batch, size_t col, size_t row, double value) {
  lake::Column& column = batch.column(col);
  if (std::isfinite(value)) {
    batch.Doubles(col)[row] = value;
    if (!column.validity.empty()) column.validity[row] = 1;
    return;
  }
  if (column.validity.empty()) column.validity.assign(batch.num_rows(), 1);
  column.validity[row] = 0;
  batch.Doubles(col)[row] = 0;
}

// Silver's tail rewrite for one series: `rows` are the tail files' rows (data
// columns) with the new rows after them. Recomputes every target of the rows
// at or after `tail_from` (the only ones a new bar changes: the rows before
// them look no further than rows already there) with the same
// ForwardLogReturns as BuildSilver, over the contiguous suffix of the series
// from `tail_from`, and splits the rows into those now settled and the new
// tail (the last `tail_rows`).
Result<std::vector<lake::ColumnBatch>> RewriteSilverTail(lake::ColumnBatch rows, int64_t tail_from, size_t tail_rows,
                                                         Timeframe tf, const std::vector<int>& horizons) {
  RC_ASSIGN_OR_RETURN(rows, lake::layers::SortByTime(rows, "ts"));
  const lake::Schema& schema = rows.schema();
  auto col = [&schema](const std::string& name) -> Result<size_t> {
    const int idx = schema.FieldIndex(name);
    if (idx < 0) return DataCorrupt("silver rows lack column '" + name + "'", name);
    return static_cast<size_t>(idx);
  };
  RC_ASSIGN_OR_RETURN(size_t ts_col, col("ts"));
  RC_ASSIGN_OR_RETURN(size_t open_col, col("open"));
  RC_ASSIGN_OR_RETURN(size_t high_col, col("high"));
  RC_ASSIGN_OR_RETURN(size_t low_col, col("low"));
  RC_ASSIGN_OR_RETURN(size_t close_col, col("close"));
  RC_ASSIGN_OR_RETURN(size_t volume_col, col("volume"));
  const auto& ts = rows.Int64s(ts_col);
  const size_t n = rows.num_rows();
  const size_t first = static_cast<size_t>(std::lower_bound(ts.begin(), ts.end(), tail_from) - ts.begin());
  std::vector<Bar> suffix;
  suffix.reserve(n - first);
  for (size_t row = first; row < n; ++row) {
    suffix.push_back(Bar{ts[row], rows.Doubles(open_col)[row], rows.Doubles(high_col)[row],
                         rows.Doubles(low_col)[row], rows.Doubles(close_col)[row], rows.Doubles(volume_col)[row]});
  }
  for (int horizon : horizons) {
    RC_ASSIGN_OR_RETURN(size_t target_col, col(features::TargetColumnName(horizon)));
    RC_ASSIGN_OR_RETURN(std::vector<double> target, features::ForwardLogReturns(suffix, tf, horizon));
    for (size_t k = 0; k < target.size(); ++k) SetNullableDouble(rows, target_col, first + k, target[k]);
  }
  const size_t split = n > tail_rows ? n - tail_rows : 0;
  std::vector<lake::ColumnBatch> out;
  // Settled rows first, the tail last: the tail is the partition's newest file.
  if (split > 0) out.push_back(rows.Slice(0, split));
  out.push_back(rows.Slice(split, n - split));
  return out;
}

}  // namespace

// One series' new bars of a close, staged and waiting for the commits.
struct LiveAppender::SeriesAppend {
  size_t report = 0;  // index in the reports
  std::string key;
  std::vector<BronzeBar> bronze;
  std::vector<TimestampUs> silver_ts;  // the new silver rows' ts
  std::optional<lake::delta::StagedAppend> bronze_staged;
  std::optional<lake::delta::StagedAppend> silver_staged;
};

// The tables of one close and the snapshots every series stages against.
struct LiveAppender::CloseTables {
  const LayerTable& raw;
  const lake::delta::Snapshot& raw_snap;
  const LayerTable& bronze;
  const lake::delta::Snapshot& bronze_base;
  const LayerTable& silver;
  const lake::delta::Snapshot& silver_base;
};

Status LiveAppender::StageSeries(const CloseTables& tables, const Symbol& symbol, Timeframe tf, SeriesTail& tail,
                                 TimestampUs now, SeriesAppend& append, PartitionReport& report) const {
  lake::layers::ReadOptions read{.columns = kRawRecordColumns};
  read.from = *tail.newest_bronze_open + 1;
  RC_ASSIGN_OR_RETURN(lake::ColumnBatch raw_rows, tables.raw.ReadAt(tables.raw_snap, symbol, tf, read));
  RC_ASSIGN_OR_RETURN(auto records, RawFromBatch(std::move(raw_rows)));
  BronzeResult built = BuildBronze(symbol, tf, std::move(records), now, tail.newest_regular_open);
  report.stats = built.stats;
  append.bronze = std::move(built.bars);
  RC_ASSIGN_OR_RETURN(lake::ColumnBatch bronze_batch, BronzeToBatch(tables.bronze.schema(), symbol, tf, append.bronze));
  auto bronze_staged = tables.bronze.StageAppend(tables.bronze_base, symbol, tf, INT64_MAX,
                                                 [&](lake::ColumnBatch) -> Result<std::vector<lake::ColumnBatch>> {
                                                   std::vector<lake::ColumnBatch> out;
                                                   out.push_back(std::move(bronze_batch));
                                                   return out;
                                                 });
  if (!bronze_staged) return tl::unexpected(bronze_staged.error());
  append.bronze_staged = std::move(*bronze_staged);

  // Silver: the new regular bars through the series' feature state.
  SilverResult rows;
  rows.feature_set_version = set_.name();
  rows.features.names = set_.ColumnNames();
  rows.features.columns.resize(rows.features.names.size());
  for (const BronzeBar& b : append.bronze) {
    if (b.session != MarketSession::kRegular) continue;
    tail.features->Update(b.bar);
    const auto row = tail.features->Row();
    for (size_t c = 0; c < row.size(); ++c) rows.features.columns[c].push_back(row[c]);
    rows.bars.push_back(b.bar);
    append.silver_ts.push_back(b.bar.open_time);
  }
  if (rows.bars.empty()) {
    // No regular bar: silver gets nothing but its watermark (the commit's txn).
    append.silver_staged = lake::delta::StagedAppend{LayerTable::SeriesPartition(symbol, tf), {}, {}, 0};
    return Ok();
  }
  for (int h : options_.horizons_minutes) {
    rows.targets.emplace_back(features::TargetColumnName(h),
                              std::vector<double>(rows.bars.size(), kNaN));
  }
  RC_ASSIGN_OR_RETURN(lake::ColumnBatch silver_batch, SilverToBatch(tables.silver.schema(), symbol, tf, std::move(rows)));
  const int64_t tail_from =
      tail.tail.empty() ? silver_batch.Int64s(silver_batch.KnownColumn("ts"))[0] : tail.tail_from();
  auto silver_staged = tables.silver.StageAppend(
      tables.silver_base, symbol, tf, tail.tail_from(),
      [&](lake::ColumnBatch tail_rows) -> Result<std::vector<lake::ColumnBatch>> {
        std::vector<std::string> names;
        for (const auto& field : tail_rows.schema().fields) names.push_back(field.name);
        RC_ASSIGN_OR_RETURN(lake::ColumnBatch added, std::move(silver_batch).Project(names));
        RC_RETURN_IF_ERROR(tail_rows.Append(added));
        return RewriteSilverTail(std::move(tail_rows), tail_from, tail.tail_rows, tf, options_.horizons_minutes);
      });
  if (!silver_staged) return tl::unexpected(silver_staged.error());
  append.silver_staged = std::move(*silver_staged);
  return Ok();
}

LiveAppender::LiveAppender(AppendOptions options)
    : options_(std::move(options)),
      set_(options_.feature_set ? *options_.feature_set : features::FeatureSet::Default()) {}

LiveAppender::~LiveAppender() = default;

void LiveAppender::Forget(const Symbol& symbol, Timeframe tf) {
  MutexLock lock(mu_);
  tails_.erase(LayerTable::PartitionKey(symbol, tf));
}

size_t LiveAppender::series_in_memory() const {
  MutexLock lock(mu_);
  return tails_.size();
}

Result<std::unique_ptr<LiveAppender::SeriesTail>> LiveAppender::Seed(const Symbol& symbol, Timeframe tf) const {
  const std::string key = LayerTable::PartitionKey(symbol, tf);
  RC_ASSIGN_OR_RETURN(LayerTable bronze, LayerTable::OpenBronze(options_.data_dir));
  RC_ASSIGN_OR_RETURN(LayerTable silver, LayerTable::OpenSilverExisting(options_.data_dir));
  RC_ASSIGN_OR_RETURN(auto bronze_snap, bronze.table().Latest());
  RC_ASSIGN_OR_RETURN(auto silver_snap, silver.table().Latest());
  auto tail = std::make_unique<SeriesTail>();
  const auto bronze_recorded = LayerTable::RecordedWatermarksAt(*bronze_snap);
  const auto silver_recorded = LayerTable::RecordedWatermarksAt(*silver_snap);
  if (bronze_recorded.count(key) == 0 || silver_recorded.count(key) == 0) return nullptr;
  tail->raw_mark = bronze_recorded.at(key);
  tail->bronze_mark = silver_recorded.at(key);
  // Silver behind bronze (a crash between the commits): the next close rebuilds.
  if (WatermarkIn(LayerTable::PartitionWatermarks(*bronze_snap), key) != tail->bronze_mark || tail->bronze_mark < 0) {
    return nullptr;
  }
  RC_ASSIGN_OR_RETURN(lake::ColumnBatch bronze_rows,
                      bronze.ReadAt(*bronze_snap, symbol, tf, {.columns = {"ts", "session"}}));
  const auto& bronze_ts = bronze_rows.Int64s(0);
  const auto& sessions = bronze_rows.Strings(1);
  if (bronze_ts.empty()) return nullptr;
  tail->newest_bronze_open = bronze_ts.back();
  for (size_t row = bronze_ts.size(); row-- > 0;) {
    if (sessions[row] == MarketSessionName(MarketSession::kRegular)) {
      tail->newest_regular_open = bronze_ts[row];
      break;
    }
  }
  RC_ASSIGN_OR_RETURN(tail->tail_rows, LongestHorizonBars(tf, options_.horizons_minutes));
  RC_ASSIGN_OR_RETURN(lake::ColumnBatch silver_rows,
                      silver.ReadAt(*silver_snap, symbol, tf,
                                    {.columns = {"ts", "open", "high", "low", "close", "volume"}}));
  tail->features = set_.NewState(ExchangeCalendar::ForSymbol(symbol));
  const size_t n = silver_rows.num_rows();
  for (size_t row = 0; row < n; ++row) {
    tail->features->Update(Bar{silver_rows.Int64s(0)[row], silver_rows.Doubles(1)[row], silver_rows.Doubles(2)[row],
                               silver_rows.Doubles(3)[row], silver_rows.Doubles(4)[row], silver_rows.Doubles(5)[row]});
  }
  for (size_t row = n > tail->tail_rows ? n - tail->tail_rows : 0; row < n; ++row) {
    tail->tail.push_back(silver_rows.Int64s(0)[row]);
  }
  return tail;
}

Result<std::vector<PartitionReport>> LiveAppender::CatchUp(const std::vector<std::pair<Symbol, Timeframe>>& partitions,
                                                           TimestampUs now) {
  for (int h : options_.horizons_minutes) {
    if (h <= 0) return InvalidArgument("horizons_minutes", "horizons must be positive, got " + std::to_string(h));
  }
  MutexLock lock(mu_);
  std::vector<PartitionReport> reports;
  for (const auto& [symbol, tf] : partitions) reports.push_back(PartitionReport{symbol, tf});
  // After any failure the partitions of the call are rebuilt next time: the
  // feature states may have consumed bars that were not committed.
  auto forget_all = [&]() RC_REQUIRES(mu_) {
    for (const auto& [symbol, tf] : partitions) tails_.erase(LayerTable::PartitionKey(symbol, tf));
  };
  auto failed = [&](const Error& error) RC_REQUIRES(mu_) -> Result<std::vector<PartitionReport>> {
    forget_all();
    return tl::unexpected(error);
  };

  RC_ASSIGN_OR_RETURN(LayerTable raw, LayerTable::OpenRaw(options_.data_dir));
  RC_ASSIGN_OR_RETURN(LayerTable bronze, LayerTable::OpenBronze(options_.data_dir));
  lake::layers::SilverColumns silver_columns{set_.ColumnNames(), {}};
  for (int h : options_.horizons_minutes) silver_columns.targets.push_back(features::TargetColumnName(h));
  RC_ASSIGN_OR_RETURN(LayerTable silver, LayerTable::OpenSilver(options_.data_dir, silver_columns));
  RC_ASSIGN_OR_RETURN(auto raw_snap, raw.table().Latest());
  RC_ASSIGN_OR_RETURN(auto bronze_base, bronze.table().Latest());
  RC_ASSIGN_OR_RETURN(auto silver_base, silver.table().Latest());
  const auto raw_marks = LayerTable::PartitionWatermarks(*raw_snap);
  const auto bronze_marks = LayerTable::PartitionWatermarks(*bronze_base);
  const auto bronze_recorded = LayerTable::RecordedWatermarksAt(*bronze_base);
  const auto silver_recorded = LayerTable::RecordedWatermarksAt(*silver_base);

  // Which series can be appended to: the lake is as this appender left it.
  std::vector<SeriesAppend> appends;
  std::vector<std::pair<Symbol, Timeframe>> rebuild;
  for (size_t i = 0; i < partitions.size(); ++i) {
    const auto& [symbol, tf] = partitions[i];
    const std::string key = LayerTable::PartitionKey(symbol, tf);
    auto it = tails_.find(key);
    const SeriesTail* tail = it == tails_.end() ? nullptr : it->second.get();
    bool as_left = tail != nullptr && WatermarkIn(bronze_recorded, key) == tail->raw_mark &&
                   WatermarkIn(silver_recorded, key) == tail->bronze_mark &&
                   WatermarkIn(bronze_marks, key) == tail->bronze_mark;
    if (as_left) {
      // A raw bar at or before the newest bronze bar (a late bar, a re-fetch)
      // changes the history: bronze's dedupe and gap rule, silver's features.
      const auto earliest = LayerTable::EarliestTsChangedAfter(*raw_snap, symbol, tf, tail->raw_mark);
      as_left = !earliest || *earliest > *tail->newest_bronze_open;
    }
    if (!as_left) {
      if (tail != nullptr) {
        spdlog::info("live append {}: the lake changed under the series (bronze built from raw {}, expected {}; silver "
                     "from bronze {}, bronze at {}, expected {}), rebuilding it",
                     key, WatermarkIn(bronze_recorded, key), tail->raw_mark, WatermarkIn(silver_recorded, key),
                     WatermarkIn(bronze_marks, key), tail->bronze_mark);
        tails_.erase(it);
      }
      rebuild.emplace_back(symbol, tf);
      continue;
    }
    if (WatermarkIn(raw_marks, key) == tail->raw_mark) continue;  // nothing new in raw
    appends.push_back(SeriesAppend{i, key});
  }

  // Stage each series' new bronze and silver rows. A failure removes what was
  // staged (nothing of it is visible).
  auto discard_staged = [&]() {
    for (const SeriesAppend& append : appends) {
      if (append.bronze_staged) bronze.table().DiscardStaged(std::vector{*append.bronze_staged});
      if (append.silver_staged) silver.table().DiscardStaged(std::vector{*append.silver_staged});
    }
  };
  auto failed_staging = [&](const Error& error) RC_REQUIRES(mu_) {
    discard_staged();
    return failed(error);
  };
  // The series are independent (each its own partition, tail and feature
  // state; the tables' staging is thread-safe), and a series' staging is
  // mostly waiting for its two files' fsyncs: staged on the pipeline's
  // workers, so a close of hundreds of series does not wait for them in turn.
  const CloseTables tables{raw, *raw_snap, bronze, *bronze_base, silver, *silver_base};
  std::vector<SeriesTail*> staging_tails;
  for (const SeriesAppend& append : appends) staging_tails.push_back(tails_.at(append.key).get());
  const Status staged = ForEachInParallel(
      appends.size(), PartitionWorkers(0, appends.size()), [&](size_t idx) -> Status {
        SeriesAppend& append = appends[idx];
        const auto& partition = partitions[append.report];
        return StageSeries(tables, partition.first, partition.second, *staging_tails[idx], now, append,
                           reports[append.report]);
      });
  if (!staged) return failed_staging(staged.error());

  // ONE bronze commit, then ONE silver commit, for every appended series,
  // each recording the watermarks RunPipeline records: a crash between the
  // two leaves silver behind bronze, which the next close (or run) rebuilds.
  if (!appends.empty()) {
    std::vector<lake::delta::StagedAppend> bronze_staged;
    std::vector<lake::delta::StagedAppend> silver_staged;
    std::map<std::string, int64_t> raw_marks_built;
    for (SeriesAppend& append : appends) {
      raw_marks_built[append.key] = WatermarkIn(raw_marks, append.key);
      bronze_staged.push_back(std::move(*append.bronze_staged));
      silver_staged.push_back(std::move(*append.silver_staged));
    }
    lake::delta::Lineage bronze_lineage;
    bronze_lineage.source_versions["raw/bars"] = raw_snap->version;
    bronze_lineage.attributes["partitions"] = std::to_string(appends.size());
    bronze_lineage.attributes["mode"] = "append";
    auto bronze_commit = bronze.CommitAppends(*bronze_base, std::move(bronze_staged), raw_marks_built, bronze_lineage);
    if (!bronze_commit) {
      silver.table().DiscardStaged(silver_staged);
      return failed(bronze_commit.error());
    }
    std::map<std::string, int64_t> bronze_marks_built;
    for (const SeriesAppend& append : appends) {
      const SeriesTail& tail = *tails_.at(append.key);
      bronze_marks_built[append.key] = append.bronze.empty() ? tail.bronze_mark : bronze_commit->version;
    }
    lake::delta::Lineage silver_lineage;
    silver_lineage.source_versions["bronze/bars"] = bronze_commit->version;
    silver_lineage.attributes = {{"partitions", std::to_string(appends.size())},
                                 {"feature_set_version", set_.name()},
                                 {"mode", "append"}};
    auto silver_commit =
        silver.CommitAppends(*silver_base, std::move(silver_staged), bronze_marks_built, silver_lineage);
    if (!silver_commit) return failed(silver_commit.error());
    for (SeriesAppend& append : appends) {
      SeriesTail& tail = *tails_.at(append.key);
      PartitionReport& report = reports[append.report];
      report.appended = true;
      report.bronze_rows = static_cast<int64_t>(append.bronze.size());
      report.silver_rows = static_cast<int64_t>(append.silver_ts.size());
      report.bronze_version = append.bronze.empty() ? -1 : bronze_commit->version;
      report.silver_version = append.silver_ts.empty() ? -1 : silver_commit->version;
      tail.raw_mark = raw_marks_built.at(append.key);
      tail.bronze_mark = bronze_marks_built.at(append.key);
      for (const BronzeBar& b : append.bronze) {
        tail.newest_bronze_open = b.bar.open_time;
        if (b.session == MarketSession::kRegular) tail.newest_regular_open = b.bar.open_time;
      }
      for (TimestampUs ts : append.silver_ts) {
        tail.tail.push_back(ts);
        if (tail.tail.size() > tail.tail_rows) tail.tail.pop_front();
      }
      monitoring::IngestionBarsTotal().WithLabels({"bronze"}).Inc(static_cast<double>(report.bronze_rows));
      monitoring::IngestionBarsTotal().WithLabels({"silver"}).Inc(static_cast<double>(report.silver_rows));
      if (!append.silver_ts.empty()) {
        const TimestampUs newest_close = BarCloseTime(report.symbol, report.timeframe, append.silver_ts.back());
        monitoring::IngestionLagSeconds()
            .WithLabels({report.symbol.str(), std::string(report.timeframe.ToString())})
            .Set(static_cast<double>(now - newest_close) / 1e6);
      }
    }
  }

  // The others: rebuilt as `pipeline` would, then their state read back.
  if (!rebuild.empty()) {
    PipelineOptions full;
    full.data_dir = options_.data_dir;
    full.horizons_minutes = options_.horizons_minutes;
    full.feature_set = &set_;
    full.now = now;
    full.partitions = rebuild;
    auto rebuilt = RunPipeline(full);
    if (!rebuilt) return failed(rebuilt.error());
    for (PartitionReport& done : *rebuilt) {
      for (PartitionReport& report : reports) {
        if (report.symbol == done.symbol && report.timeframe == done.timeframe) report = done;
      }
    }
    for (const auto& [symbol, tf] : rebuild) {
      auto seeded = Seed(symbol, tf);
      if (!seeded) return failed(seeded.error());
      if (*seeded) tails_[LayerTable::PartitionKey(symbol, tf)] = std::move(*seeded);
    }
  }
  return reports;
}

}  // namespace rc::data::pipeline
