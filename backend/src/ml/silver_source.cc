#include "ml/silver_source.h"

#include <cmath>

#include "features/feature_set.h"
#include "lake/layers/layers.h"
#include "regime/regime_input.h"

namespace rc::ml {

Result<std::vector<Symbol>> ListSilverSymbols(const std::string& data_dir, Timeframe tf) {
  auto silver = lake::layers::LayerTable::OpenSilverExisting(data_dir);
  if (!silver) {
    if (silver.error().code == ErrorCode::kNotFound) {
      return NotFound("no silver table in " + data_dir + ": run `regimecast pipeline` first");
    }
    return tl::unexpected(silver.error());
  }
  RC_ASSIGN_OR_RETURN(auto partitions, silver->Partitions());
  std::vector<Symbol> out;
  for (const auto& [symbol, timeframe] : partitions) {
    if (timeframe == tf) out.push_back(symbol);
  }
  return out;
}

Result<SilverSlice> LoadSilver(const std::string& data_dir, const Symbol& symbol, Timeframe tf,
                               const SilverQuery& query) {
  auto silver = lake::layers::LayerTable::OpenSilverExisting(data_dir);
  if (!silver) {
    if (silver.error().code == ErrorCode::kNotFound) {
      return NotFound("no silver table in " + data_dir + ": run `regimecast pipeline` first");
    }
    return tl::unexpected(silver.error());
  }
  SilverSlice slice;
  if (query.version) {
    slice.silver_version = *query.version;
  } else {
    RC_ASSIGN_OR_RETURN(slice.silver_version, silver->Version());
  }
  lake::layers::ReadOptions read;
  read.version = slice.silver_version;
  read.from = query.from;
  read.to = query.until;
  if (query.closed_by) read.to = std::min(read.to.value_or(INT64_MAX), *query.closed_by);
  RC_ASSIGN_OR_RETURN(lake::ColumnBatch rows, silver->Read(symbol, tf, read));
  if (query.closed_by && rows.num_rows() > 0) {
    // Bars opening at or before closed_by may still be forming then: keep only closed ones.
    const auto& calendar = ExchangeCalendar::ForSymbol(symbol);
    const int ts_idx = rows.schema().FieldIndex("ts");
    if (ts_idx < 0) return DataCorrupt("silver lacks ts", "silver");
    const auto& opens = rows.Int64s(static_cast<size_t>(ts_idx));
    size_t keep = opens.size();
    while (keep > 0 && calendar.BarClose(opens[keep - 1], tf) > *query.closed_by) --keep;
    if (keep < opens.size()) rows = rows.Slice(0, keep);
  }
  if (rows.num_rows() == 0) {
    return NotFound("silver has no rows for " + symbol.str() + " " + std::string(tf.ToString()) +
                    (query.until || query.closed_by ? " up to " + FormatIsoUtc(query.closed_by.value_or(query.until.value_or(0)))
                                                     : std::string()) +
                    ": ingest data and run `regimecast pipeline`");
  }
  const lake::Schema& schema = rows.schema();
  const int ts_col = schema.FieldIndex("ts");
  const int version_col = schema.FieldIndex("feature_set_version");
  if (ts_col < 0 || version_col < 0) return DataCorrupt("silver lacks ts or feature_set_version", "silver");
  slice.table.ts = rows.Int64s(static_cast<size_t>(ts_col));
  const auto& versions = rows.Strings(static_cast<size_t>(version_col));
  slice.feature_set_version = versions.front();
  for (const std::string& v : versions) {
    if (v != slice.feature_set_version) {
      return DataCorrupt("silver partition mixes feature sets " + slice.feature_set_version + " and " + v +
                             ": re-run `regimecast pipeline`",
                         "feature_set_version");
    }
  }
  for (size_t col = 0; col < schema.fields.size(); ++col) {
    if (schema.fields[col].type != lake::ColumnType::kDouble) continue;
    std::vector<double> values = rows.Doubles(col);
    const lake::Column& column = rows.column(col);
    for (size_t row = 0; row < values.size(); ++row) {
      if (column.IsNull(row)) values[row] = std::nan("");
    }
    slice.table.columns.emplace(schema.fields[col].name, std::move(values));
  }
  RC_ASSIGN_OR_RETURN(const features::FeatureSet* set, features::FeatureSet::ByName(slice.feature_set_version));
  slice.model_features = set->ModelFeatureNames();
  RC_RETURN_IF_ERROR(slice.table.Validate());
  return slice;
}

int64_t ExpectedNewestBar(const ExchangeCalendar& calendar, Timeframe tf, int64_t wall_now, int64_t fallback) {
  for (int64_t lookback_days = 7; lookback_days <= 28; lookback_days *= 2) {
    const auto opens = calendar.TradingBars(wall_now - lookback_days * kMicrosPerDay, wall_now, tf);
    for (auto it = opens.rbegin(); it != opens.rend(); ++it) {
      if (calendar.BarClose(*it, tf) <= wall_now) return *it;
    }
  }
  return fallback;
}

int64_t MarketNow(const ExchangeCalendar& calendar, Timeframe tf, int64_t last_bar_open, int64_t wall_now) {
  const int64_t expected_open = ExpectedNewestBar(calendar, tf, wall_now, last_bar_open);
  const int64_t newest = std::max(expected_open, last_bar_open);
  return std::min(wall_now, calendar.BarClose(newest, tf));
}

Result<SilverRegime> DetectSilverRegime(const SilverSlice& slice, const Symbol& symbol, Timeframe tf,
                                        int64_t wall_now) {
  RC_ASSIGN_OR_RETURN(auto inputs, regime::RegimeInputsFromColumns(slice.table));
  SilverRegime out;
  regime::RegimeDetector detector;
  out.history.reserve(inputs.size());
  for (const auto& input : inputs) out.history.push_back(detector.Update(input));
  out.market_now = MarketNow(ExchangeCalendar::ForSymbol(symbol), tf, slice.table.ts.back(), wall_now);
  out.current = detector.StateAt(out.market_now, tf.DurationMicros());
  return out;
}

}  // namespace rc::ml
