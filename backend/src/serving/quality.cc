#include "serving/quality.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <map>
#include <numeric>

#include "core/calendar.h"
#include "core/json_text.h"
#include "lake/layers/layers.h"
#include "ml/silver_source.h"
#include "monitoring/standard_metrics.h"

namespace rc::serving {
namespace {

using lake::ColumnBatch;
using lake::layers::LayerTable;

constexpr int kBandLevels[3] = {50, 80, 95};

}  // namespace

std::vector<LoggedPrediction> LoggedPredictions(const ColumnBatch& rows) {
  const auto& ts = rows.Int64s(rows.KnownColumn("ts"));
  const auto& target = rows.Int64s(rows.KnownColumn("target_ts"));
  const auto& horizon = rows.Int32s(rows.KnownColumn("horizon_minutes"));
  const auto& regimes = rows.Strings(rows.KnownColumn("regime"));
  const auto& last = rows.Doubles(rows.KnownColumn("last_close"));
  const auto& expected = rows.Doubles(rows.KnownColumn("expected_close"));
  const auto& expected_ret = rows.Doubles(rows.KnownColumn("expected_return"));
  const size_t realized_col = rows.KnownColumn("realized_close");
  const auto& realized = rows.Doubles(realized_col);
  size_t lowers[3], uppers[3];
  for (int level = 0; level < 3; ++level) {
    lowers[level] = rows.KnownColumn("lower_" + std::to_string(kBandLevels[level]));
    uppers[level] = rows.KnownColumn("upper_" + std::to_string(kBandLevels[level]));
  }
  std::vector<LoggedPrediction> out(rows.num_rows());
  for (size_t row = 0; row < rows.num_rows(); ++row) {
    LoggedPrediction& p = out[row];
    p.ts = ts[row];
    p.target_ts = target[row];
    p.horizon_minutes = horizon[row];
    if (auto state = regime::ParseRegime(regimes[row])) p.regime = *state;
    p.last_close = last[row];
    p.expected_close = expected[row];
    p.expected_return = expected_ret[row];
    for (int level = 0; level < 3; ++level) {
      const size_t lo = lowers[level], hi = uppers[level];
      if (rows.column(lo).IsNull(row) || rows.column(hi).IsNull(row)) continue;
      p.bands[level] = std::make_pair(rows.Doubles(lo)[row], rows.Doubles(hi)[row]);
    }
    if (!rows.column(realized_col).IsNull(row)) p.realized_close = realized[row];
  }
  return out;
}

void ReportRealized(const LoggedPrediction& p, const Symbol& symbol, Timeframe tf, const DriftOptions& options) {
  if (!options.on_realized || !p.regime || !p.realized_close || !(p.last_close > 0) || !(*p.realized_close > 0)) {
    return;
  }
  std::vector<ml::BandOut> bands;
  for (int level = 0; level < 3; ++level) {
    if (!p.bands[level]) return;  // the live bands learn from predictions with all three only
    ml::BandOut band;
    band.level = kBandLevels[level] / 100.0;
    band.lower = p.bands[level]->first;
    band.upper = p.bands[level]->second;
    band.lower_return = std::log(band.lower / p.last_close);
    band.upper_return = std::log(band.upper / p.last_close);
    bands.push_back(band);
  }
  options.on_realized(symbol, tf, p.horizon_minutes, *p.regime, std::log(*p.realized_close / p.last_close), bands);
}

void MeasureWindow(const std::vector<const LoggedPrediction*>& window, const DriftOptions& options,
                   SeriesQuality& quality) {
  quality.measured = static_cast<int64_t>(window.size());
  if (window.empty()) return;
  double ape = 0, sq = 0;
  int64_t inside[3] = {0, 0, 0}, banded[3] = {0, 0, 0};
  for (const LoggedPrediction* p : window) {
    const double realized = *p->realized_close;
    ape += std::fabs(p->expected_close / realized - 1.0);
    const double err = p->expected_return - std::log(realized / p->last_close);
    sq += err * err;
    for (int level = 0; level < 3; ++level) {
      if (!p->bands[level]) continue;
      ++banded[level];
      inside[level] += p->bands[level]->first <= realized && realized <= p->bands[level]->second;
    }
  }
  const double n = static_cast<double>(window.size());
  quality.mape = ape / n;
  quality.rmse = std::sqrt(sq / n);
  auto cov = [&](int level) { return banded[level] ? double(inside[level]) / double(banded[level]) : 0.0; };
  quality.coverage_50 = cov(0);
  quality.coverage_80 = cov(1);
  quality.coverage_95 = cov(2);
  quality.drift = window.size() >= options.min_matured && quality.mape > options.mape_threshold;
  const std::string sym = quality.symbol.str(), tfs(quality.timeframe.ToString());
  auto& gauge = monitoring::PredictionQualityMetric();
  gauge.WithLabels({sym, tfs, "mape"}).Set(quality.mape);
  gauge.WithLabels({sym, tfs, "rmse"}).Set(quality.rmse);
  gauge.WithLabels({sym, tfs, "coverage_50"}).Set(quality.coverage_50);
  gauge.WithLabels({sym, tfs, "coverage_80"}).Set(quality.coverage_80);
  gauge.WithLabels({sym, tfs, "coverage_95"}).Set(quality.coverage_95);
  gauge.WithLabels({sym, tfs, "matured_predictions"}).Set(n);
}

std::vector<size_t> FillRealizedCloses(ColumnBatch& gold_rows, const std::map<int64_t, double>& close_at) {
  const size_t realized_col = gold_rows.KnownColumn("realized_close");
  const auto& target = gold_rows.Int64s(gold_rows.KnownColumn("target_ts"));
  std::vector<size_t> filled;
  for (size_t row = 0; row < gold_rows.num_rows(); ++row) {
    if (!gold_rows.column(realized_col).IsNull(row)) continue;
    auto hit = close_at.find(target[row]);
    if (hit == close_at.end()) continue;
    gold_rows.Doubles(realized_col)[row] = hit->second;
    gold_rows.column(realized_col).validity[row] = 1;
    filled.push_back(row);
  }
  return filled;
}

namespace {

// What a realized-close write to gold records: the silver version the closes came from.
lake::delta::Lineage RealizedCloseLineage(int64_t silver_version) {
  lake::delta::Lineage lineage;
  lineage.source_versions["silver/features"] = silver_version;
  lineage.attributes["operation"] = "fill realized_close";
  return lineage;
}

}  // namespace

Result<int64_t> CommitRealizedClosesInFiles(LayerTable& gold, const Symbol& symbol, Timeframe tf,
                                            const std::map<int64_t, double>& close_at, int64_t silver_version) {
  if (close_at.empty()) return 0;
  RC_ASSIGN_OR_RETURN(auto base, gold.table().Latest());
  lake::delta::UpdateOptions update;
  update.partition = LayerTable::SeriesPartition(symbol, tf);
  update.time_column = "target_ts";
  update.time_min = close_at.begin()->first;
  update.time_max = close_at.rbegin()->first;
  update.write.lineage = RealizedCloseLineage(silver_version);
  int64_t filled = 0;
  auto updated = gold.table().UpdateFiles(*base, update, [&](ColumnBatch& rows) -> Result<bool> {
    const auto here = static_cast<int64_t>(FillRealizedCloses(rows, close_at).size());
    filled += here;
    return here > 0;
  });
  if (!updated) return tl::unexpected(updated.error());
  return filled;
}

Result<std::vector<SeriesQuality>> RunDriftCheck(const DriftOptions& options) {
  RC_ASSIGN_OR_RETURN(LayerTable gold, LayerTable::OpenGold(options.data_dir));
  RC_ASSIGN_OR_RETURN(auto partitions, gold.Partitions());
  std::vector<SeriesQuality> report;
  for (const auto& [symbol, tf] : partitions) {
    if (options.symbol && *options.symbol != symbol) continue;
    if (options.timeframe && *options.timeframe != tf) continue;
    RC_ASSIGN_OR_RETURN(ColumnBatch rows, gold.Read(symbol, tf));
    std::vector<LoggedPrediction> logged = LoggedPredictions(rows);
    SeriesQuality quality{symbol, tf};
    quality.predictions = static_cast<int64_t>(logged.size());
    // 1. Fill in realized closes whose target bar is in silver now.
    const bool pending = std::any_of(logged.begin(), logged.end(), [](const auto& p) { return !p.realized_close; });
    if (pending) {
      auto slice = ml::LoadSilver(options.data_dir, symbol, tf);
      if (slice) {
        std::map<int64_t, double> close_at;
        const auto& close = slice->table.columns.at("close");
        for (size_t bar = 0; bar < slice->table.ts.size(); ++bar) close_at[slice->table.ts[bar]] = close[bar];
        const std::vector<size_t> filled = FillRealizedCloses(rows, close_at);
        const auto& realized = rows.Doubles(rows.KnownColumn("realized_close"));
        for (size_t row : filled) logged[row].realized_close = realized[row];
        quality.filled_now = static_cast<int64_t>(filled.size());
        if (quality.filled_now > 0) {
          std::map<int64_t, double> filled_closes;
          for (size_t row : filled) filled_closes[logged[row].target_ts] = *logged[row].realized_close;
          auto committed = CommitRealizedClosesInFiles(gold, symbol, tf, filled_closes, slice->silver_version);
          if (!committed) return tl::unexpected(committed.error());
          // Only once committed, so a failed commit never feeds an outcome twice.
          for (size_t row : filled) ReportRealized(logged[row], symbol, tf, options);
        }
      } else if (slice.error().code != ErrorCode::kNotFound) {
        return tl::unexpected(slice.error());
      }
    }
    // 2. Measure the most recent matured predictions.
    std::vector<const LoggedPrediction*> matured;
    for (const LoggedPrediction& p : logged) {
      if (p.realized_close) matured.push_back(&p);
    }
    quality.matured = static_cast<int64_t>(matured.size());
    if (matured.size() > options.window) matured.erase(matured.begin(), matured.end() - options.window);
    MeasureWindow(matured, options, quality);
    report.push_back(std::move(quality));
  }
  return report;
}

Status UpdateIngestionLag(const std::string& data_dir, int64_t now) {
  RC_ASSIGN_OR_RETURN(LayerTable bronze, LayerTable::OpenBronze(data_dir));
  RC_ASSIGN_OR_RETURN(auto partitions, bronze.Partitions());
  for (const auto& [symbol, tf] : partitions) {
    lake::layers::ReadOptions read;
    read.columns = {"ts"};
    RC_ASSIGN_OR_RETURN(ColumnBatch rows, bronze.Read(symbol, tf, read));
    if (rows.num_rows() == 0) continue;
    const auto& ts = rows.Int64s(0);
    const int64_t newest = *std::max_element(ts.begin(), ts.end());
    const int64_t close = ExchangeCalendar::ForSymbol(symbol).BarClose(newest, tf);
    monitoring::IngestionLagSeconds()
        .WithLabels({symbol.str(), std::string(tf.ToString())})
        .Set(static_cast<double>(now - close) / 1e6);
  }
  return Ok();
}

}  // namespace rc::serving
