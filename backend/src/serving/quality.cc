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

size_t Idx(const ColumnBatch& batch, std::string_view name) { return static_cast<size_t>(batch.schema().FieldIndex(name)); }

// Calls `on_realized` for the `filled` rows (in row = prediction order) with
// the realized log return and the served bands as log returns.
void ReportRealized(const ColumnBatch& rows, const std::vector<size_t>& filled, const Symbol& symbol, Timeframe tf,
                    const decltype(DriftOptions::on_realized)& on_realized) {
  const auto& last = rows.Doubles(Idx(rows, "last_close"));
  const auto& realized = rows.Doubles(Idx(rows, "realized_close"));
  const auto& horizon = rows.Int32s(Idx(rows, "horizon_minutes"));
  const auto& regimes = rows.Strings(Idx(rows, "regime"));
  const int levels[3] = {50, 80, 95};
  for (size_t row : filled) {
    std::vector<ml::BandOut> bands;
    for (int level : levels) {
      const size_t lo = Idx(rows, "lower_" + std::to_string(level)), hi = Idx(rows, "upper_" + std::to_string(level));
      if (rows.column(lo).IsNull(row) || rows.column(hi).IsNull(row)) break;
      ml::BandOut band;
      band.level = level / 100.0;
      band.lower = rows.Doubles(lo)[row];
      band.upper = rows.Doubles(hi)[row];
      band.lower_return = std::log(band.lower / last[row]);
      band.upper_return = std::log(band.upper / last[row]);
      bands.push_back(band);
    }
    auto state = regime::ParseRegime(regimes[row]);
    if (bands.size() != 3 || !state || !(last[row] > 0) || !(realized[row] > 0)) continue;
    on_realized(symbol, tf, horizon[row], *state, std::log(realized[row] / last[row]), bands);
  }
}

}  // namespace

Result<std::vector<SeriesQuality>> RunDriftCheck(const DriftOptions& options) {
  RC_ASSIGN_OR_RETURN(LayerTable gold, LayerTable::OpenGold(options.data_dir));
  RC_ASSIGN_OR_RETURN(auto partitions, gold.Partitions());
  std::vector<SeriesQuality> report;
  for (const auto& [symbol, tf] : partitions) {
    if (options.symbol && *options.symbol != symbol) continue;
    if (options.timeframe && *options.timeframe != tf) continue;
    RC_ASSIGN_OR_RETURN(ColumnBatch rows, gold.Read(symbol, tf));
    SeriesQuality quality{symbol, tf};
    quality.predictions = static_cast<int64_t>(rows.num_rows());
    const size_t realized_col = Idx(rows, "realized_close");
    // 1. Fill in realized closes whose target bar is in silver now.
    bool pending = false;
    for (size_t row = 0; row < rows.num_rows(); ++row) pending |= rows.column(realized_col).IsNull(row);
    if (pending) {
      auto slice = ml::LoadSilver(options.data_dir, symbol, tf);
      if (slice) {
        std::map<int64_t, double> close_at;
        const auto& close = slice->table.columns.at("close");
        for (size_t bar = 0; bar < slice->table.ts.size(); ++bar) close_at[slice->table.ts[bar]] = close[bar];
        const auto& target = rows.Int64s(Idx(rows, "target_ts"));
        auto& validity = rows.column(realized_col).validity;
        std::vector<size_t> filled;
        for (size_t row = 0; row < rows.num_rows(); ++row) {
          if (!rows.column(realized_col).IsNull(row)) continue;
          auto hit = close_at.find(target[row]);
          if (hit == close_at.end()) continue;
          rows.Doubles(realized_col)[row] = hit->second;
          validity[row] = 1;
          filled.push_back(row);
        }
        quality.filled_now = static_cast<int64_t>(filled.size());
        if (quality.filled_now > 0) {
          lake::delta::Lineage lineage;
          lineage.source_versions["silver/features"] = slice->silver_version;
          lineage.attributes["operation"] = "fill realized_close";
          RC_RETURN_IF_ERROR(gold.ReplacePartition(symbol, tf, rows, lineage));
          // Only once committed, so a failed commit never feeds an outcome twice.
          if (options.on_realized) ReportRealized(rows, filled, symbol, tf, options.on_realized);
        }
      } else if (slice.error().code != ErrorCode::kNotFound) {
        return tl::unexpected(slice.error());
      }
    }
    // 2. Measure the most recent matured predictions.
    std::vector<size_t> matured;
    for (size_t row = 0; row < rows.num_rows(); ++row) {
      if (!rows.column(realized_col).IsNull(row)) matured.push_back(row);
    }
    quality.matured = static_cast<int64_t>(matured.size());
    if (matured.size() > options.window) matured.erase(matured.begin(), matured.end() - options.window);
    quality.measured = static_cast<int64_t>(matured.size());
    if (!matured.empty()) {
      const auto& expected = rows.Doubles(Idx(rows, "expected_close"));
      const auto& expected_ret = rows.Doubles(Idx(rows, "expected_return"));
      const auto& last = rows.Doubles(Idx(rows, "last_close"));
      const auto& realized = rows.Doubles(realized_col);
      double ape = 0, sq = 0;
      int64_t inside[3] = {0, 0, 0}, banded[3] = {0, 0, 0};
      const size_t lowers[3] = {Idx(rows, "lower_50"), Idx(rows, "lower_80"), Idx(rows, "lower_95")};
      const size_t uppers[3] = {Idx(rows, "upper_50"), Idx(rows, "upper_80"), Idx(rows, "upper_95")};
      for (size_t row : matured) {
        ape += std::fabs(expected[row] / realized[row] - 1.0);
        const double err = expected_ret[row] - std::log(realized[row] / last[row]);
        sq += err * err;
        for (int level = 0; level < 3; ++level) {
          const size_t lo = lowers[level], hi = uppers[level];
          if (rows.column(lo).IsNull(row) || rows.column(hi).IsNull(row)) continue;
          ++banded[level];
          inside[level] += rows.Doubles(lo)[row] <= realized[row] && realized[row] <= rows.Doubles(hi)[row];
        }
      }
      const double n = static_cast<double>(matured.size());
      quality.mape = ape / n;
      quality.rmse = std::sqrt(sq / n);
      auto cov = [&](int level) { return banded[level] ? double(inside[level]) / double(banded[level]) : 0.0; };
      quality.coverage_50 = cov(0);
      quality.coverage_80 = cov(1);
      quality.coverage_95 = cov(2);
      quality.drift = matured.size() >= options.min_matured && quality.mape > options.mape_threshold;
      const std::string sym = symbol.str(), tfs(tf.ToString());
      auto& gauge = monitoring::PredictionQualityMetric();
      gauge.WithLabels({sym, tfs, "mape"}).Set(quality.mape);
      gauge.WithLabels({sym, tfs, "rmse"}).Set(quality.rmse);
      gauge.WithLabels({sym, tfs, "coverage_50"}).Set(quality.coverage_50);
      gauge.WithLabels({sym, tfs, "coverage_80"}).Set(quality.coverage_80);
      gauge.WithLabels({sym, tfs, "coverage_95"}).Set(quality.coverage_95);
      gauge.WithLabels({sym, tfs, "matured_predictions"}).Set(n);
    }
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
