#include "data/pipeline/lake_rows.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <tuple>
#include <type_traits>

namespace rc::data::pipeline {
namespace {

using lake::ColumnBatch;
using lake::ColumnType;
using lake::Schema;

Result<size_t> Col(const Schema& schema, std::string_view name) {
  const int idx = schema.FieldIndex(name);
  if (idx < 0) return DataCorrupt("lake table has no column '" + std::string(name) + "'", std::string(name));
  return static_cast<size_t>(idx);
}

// Sets row `row` of double column `col` to `value`, or null when absent/NaN.
void PutOptional(ColumnBatch& batch, size_t col, size_t row, std::optional<double> value) {
  auto& values = batch.Doubles(col);
  if (value && std::isfinite(*value)) {
    values[row] = *value;
  } else {
    values[row] = 0;
    batch.SetNull(col, row);
  }
}

// Resizes every column of `batch` to `rows` entries.
void ResizeAll(ColumnBatch& batch, size_t rows) {
  for (size_t col = 0; col < batch.num_columns(); ++col) {
    std::visit([rows](auto& values) { values.resize(rows); }, batch.column(col).values);
  }
}

// Indexes of the bar columns every layer has.
struct BarColumns {
  size_t ts, open, high, low, close, volume;
};

Result<BarColumns> FindBarColumns(const Schema& schema) {
  BarColumns c{};
  RC_ASSIGN_OR_RETURN(c.ts, Col(schema, "ts"));
  RC_ASSIGN_OR_RETURN(c.open, Col(schema, "open"));
  RC_ASSIGN_OR_RETURN(c.high, Col(schema, "high"));
  RC_ASSIGN_OR_RETURN(c.low, Col(schema, "low"));
  RC_ASSIGN_OR_RETURN(c.close, Col(schema, "close"));
  RC_ASSIGN_OR_RETURN(c.volume, Col(schema, "volume"));
  return c;
}

// Indexes of bronze's columns (bars, session, gap_before, provider, batch_id).
struct BronzeColumns {
  BarColumns bar;
  size_t session, gap, provider, batch_id;
};

Result<BronzeColumns> FindBronzeColumns(const Schema& schema) {
  BronzeColumns c{};
  RC_ASSIGN_OR_RETURN(c.bar, FindBarColumns(schema));
  RC_ASSIGN_OR_RETURN(c.session, Col(schema, "session"));
  RC_ASSIGN_OR_RETURN(c.gap, Col(schema, "gap_before"));
  RC_ASSIGN_OR_RETURN(c.provider, Col(schema, "provider"));
  RC_ASSIGN_OR_RETURN(c.batch_id, Col(schema, "batch_id"));
  return c;
}

Status FillKeys(ColumnBatch& batch, const Symbol& symbol, Timeframe tf, size_t rows) {
  RC_ASSIGN_OR_RETURN(size_t symbol_col, Col(batch.schema(), "symbol"));
  RC_ASSIGN_OR_RETURN(size_t tf_col, Col(batch.schema(), "timeframe"));
  std::fill_n(batch.Strings(symbol_col).begin(), rows, symbol.str());
  std::fill_n(batch.Strings(tf_col).begin(), rows, std::string(tf.ToString()));
  return Ok();
}

}  // namespace

Result<MarketSession> ParseSession(std::string_view name) {
  for (MarketSession s : {MarketSession::kRegular, MarketSession::kPre, MarketSession::kPost, MarketSession::kClosed}) {
    if (MarketSessionName(s) == name) return s;
  }
  return DataCorrupt("unknown session '" + std::string(name.substr(0, 20)) + "'", "session");
}

Result<ColumnBatch> RawToBatch(const Schema& schema, const Symbol& symbol, Timeframe tf, const std::vector<RawBar>& bars,
                               const std::string& provider, TimestampUs fetched_at, const std::string& batch_id) {
  const size_t rows = bars.size();
  ColumnBatch batch(schema);
  ResizeAll(batch, rows);
  RC_RETURN_IF_ERROR(FillKeys(batch, symbol, tf, rows));
  RC_ASSIGN_OR_RETURN(const BarColumns c, FindBarColumns(schema));
  RC_ASSIGN_OR_RETURN(size_t provider_col, Col(schema, "provider"));
  RC_ASSIGN_OR_RETURN(size_t fetched_at_col, Col(schema, "fetched_at"));
  RC_ASSIGN_OR_RETURN(size_t batch_id_col, Col(schema, "batch_id"));
  auto& ts = batch.Int64s(c.ts);
  for (size_t row = 0; row < rows; ++row) {
    const RawBar& bar = bars[row];
    ts[row] = bar.open_time;
    PutOptional(batch, c.open, row, bar.open);
    PutOptional(batch, c.high, row, bar.high);
    PutOptional(batch, c.low, row, bar.low);
    PutOptional(batch, c.close, row, bar.close);
    PutOptional(batch, c.volume, row, bar.volume);
  }
  std::fill_n(batch.Strings(provider_col).begin(), rows, provider);
  std::fill_n(batch.Int64s(fetched_at_col).begin(), rows, fetched_at);
  std::fill_n(batch.Strings(batch_id_col).begin(), rows, batch_id);
  RC_RETURN_IF_ERROR(batch.Validate());
  return batch;
}

namespace {

// Fills field `member` of every record from double column `col` (null -> nullopt).
void FillOptional(const ColumnBatch& batch, size_t col, std::vector<RawRecord>& rows,
                  std::optional<double> RawBar::*member) {
  const auto& values = batch.Doubles(col);
  const auto& validity = batch.column(col).validity;
  for (size_t row = 0; row < rows.size(); ++row) {
    if (validity.empty() || validity[row] != 0) rows[row].bar.*member = values[row];
  }
}

}  // namespace

Result<std::vector<RawRecord>> RawFromBatch(ColumnBatch batch) {
  const Schema& schema = batch.schema();
  RC_ASSIGN_OR_RETURN(const BarColumns c, FindBarColumns(schema));
  RC_ASSIGN_OR_RETURN(size_t provider, Col(schema, "provider"));
  RC_ASSIGN_OR_RETURN(size_t fetched_at, Col(schema, "fetched_at"));
  RC_ASSIGN_OR_RETURN(size_t batch_id, Col(schema, "batch_id"));
  // Column by column: each pass reads one contiguous column.
  std::vector<RawRecord> rows(batch.num_rows());
  const auto& ts = batch.Int64s(c.ts);
  const auto& fetched = batch.Int64s(fetched_at);
  auto& providers = batch.Strings(provider);
  auto& batch_ids = batch.Strings(batch_id);
  for (size_t row = 0; row < rows.size(); ++row) {
    RawRecord& r = rows[row];
    r.bar.open_time = ts[row];
    r.fetched_at = fetched[row];
    r.provider = std::move(providers[row]);
    r.batch_id = std::move(batch_ids[row]);
  }
  FillOptional(batch, c.open, rows, &RawBar::open);
  FillOptional(batch, c.high, rows, &RawBar::high);
  FillOptional(batch, c.low, rows, &RawBar::low);
  FillOptional(batch, c.close, rows, &RawBar::close);
  FillOptional(batch, c.volume, rows, &RawBar::volume);
  return rows;
}

Result<ColumnBatch> BronzeToBatch(const Schema& schema, const Symbol& symbol, Timeframe tf,
                                  const std::vector<BronzeBar>& rows) {
  ColumnBatch batch(schema);
  ResizeAll(batch, rows.size());
  RC_RETURN_IF_ERROR(FillKeys(batch, symbol, tf, rows.size()));
  RC_ASSIGN_OR_RETURN(const BronzeColumns bronze, FindBronzeColumns(schema));
  const BarColumns& c = bronze.bar;
  const auto [session, gap, provider, batch_id] = std::tie(bronze.session, bronze.gap, bronze.provider, bronze.batch_id);
  for (size_t row = 0; row < rows.size(); ++row) {
    const BronzeBar& b = rows[row];
    batch.Int64s(c.ts)[row] = b.bar.open_time;
    batch.Doubles(c.open)[row] = b.bar.open;
    batch.Doubles(c.high)[row] = b.bar.high;
    batch.Doubles(c.low)[row] = b.bar.low;
    batch.Doubles(c.close)[row] = b.bar.close;
    batch.Doubles(c.volume)[row] = b.bar.volume;
    batch.Strings(session)[row] = std::string(MarketSessionName(b.session));
    batch.Bools(gap)[row] = b.gap_before ? 1 : 0;
    batch.Strings(provider)[row] = b.provider;
    batch.Strings(batch_id)[row] = b.batch_id;
  }
  RC_RETURN_IF_ERROR(batch.Validate());
  return batch;
}

Result<std::vector<BronzeBar>> BronzeFromBatch(const ColumnBatch& batch) {
  const Schema& schema = batch.schema();
  RC_ASSIGN_OR_RETURN(const BronzeColumns bronze, FindBronzeColumns(schema));
  const BarColumns& c = bronze.bar;
  const auto [session, gap, provider, batch_id] = std::tie(bronze.session, bronze.gap, bronze.provider, bronze.batch_id);
  std::vector<BronzeBar> rows(batch.num_rows());
  for (size_t row = 0; row < rows.size(); ++row) {
    BronzeBar& b = rows[row];
    b.bar = Bar{batch.Int64s(c.ts)[row],    batch.Doubles(c.open)[row],  batch.Doubles(c.high)[row],
                batch.Doubles(c.low)[row],  batch.Doubles(c.close)[row], batch.Doubles(c.volume)[row]};
    RC_ASSIGN_OR_RETURN(b.session, ParseSession(batch.Strings(session)[row]));
    b.gap_before = batch.Bools(gap)[row] != 0;
    b.provider = batch.Strings(provider)[row];
    b.batch_id = batch.Strings(batch_id)[row];
  }
  return rows;
}

namespace {

// Resizes every column of `chunk` to `rows` without initialising new
// fixed-width values (the caller writes them all) and clears its validity.
void ResizeChunk(ColumnBatch& chunk, size_t rows) {
  for (size_t col = 0; col < chunk.num_columns(); ++col) {
    chunk.column(col).validity.clear();
    std::visit(
        [rows](auto& values) {
          using T = typename std::decay_t<decltype(values)>::value_type;
          if constexpr (std::is_same_v<T, std::string>) {
            values.resize(rows);  // kept strings keep their capacity
          } else {
            values.resize_for_overwrite(rows);
          }
        },
        chunk.column(col).values);
  }
}

// Writes bar_of(row) for row < rows into the bar columns `c` of `chunk`
// (already `rows` long), one output column per stream.
template <typename BarOf>
void PutBars(ColumnBatch& chunk, const BarColumns& c, size_t rows, const BarOf& bar_of) {
  auto& ts = chunk.Int64s(c.ts);
  auto& open = chunk.Doubles(c.open);
  auto& high = chunk.Doubles(c.high);
  auto& low = chunk.Doubles(c.low);
  auto& close = chunk.Doubles(c.close);
  auto& volume = chunk.Doubles(c.volume);
  for (size_t row = 0; row < rows; ++row) {
    const Bar& b = bar_of(row);
    ts[row] = b.open_time;
    open[row] = b.open;
    high[row] = b.high;
    low[row] = b.low;
    close[row] = b.close;
    volume[row] = b.volume;
  }
}

// Marks the non-finite values of double column `col` of `chunk` null (value
// 0), as SilverToBatch does for whole columns.
void NullNonFinite(ColumnBatch& chunk, size_t col) {
  auto& values = chunk.Doubles(col);
  auto& validity = chunk.column(col).validity;
  const size_t rows = values.size();
  for (size_t row = 0; row < rows; ++row) {
    if (std::isfinite(values[row])) continue;
    if (validity.empty()) validity.assign(rows, 1);
    validity[row] = 0;
    values[row] = 0;
  }
}

}  // namespace

Result<BronzeFromRaw> BuildBronzeFromBatch(const Symbol& symbol, Timeframe tf, ColumnBatch raw, TimestampUs now) {
  const Schema& schema = raw.schema();
  RC_ASSIGN_OR_RETURN(const BarColumns c, FindBarColumns(schema));
  RC_ASSIGN_OR_RETURN(size_t fetched_at, Col(schema, "fetched_at"));
  RC_RETURN_IF_ERROR(Col(schema, "provider"));
  RC_RETURN_IF_ERROR(Col(schema, "batch_id"));
  BronzeFromRaw out;
  out.stats.input = static_cast<int64_t>(raw.num_rows());
  // 1. Latest fetch wins (as KeepLatestFetch).
  const std::vector<size_t> order = LatestFetchOrder(raw.Int64s(c.ts), raw.Int64s(fetched_at));
  out.stats.duplicates = static_cast<int64_t>(raw.num_rows() - order.size());
  auto value = [&raw](size_t col, size_t row) -> std::optional<double> {
    if (raw.column(col).IsNull(row)) return std::nullopt;
    return raw.Doubles(col)[row];
  };
  auto raw_bar = [&](size_t idx) {
    const size_t row = order[idx];
    return RawBar{raw.Int64s(c.ts)[row], value(c.open, row),  value(c.high, row),
                  value(c.low, row),     value(c.close, row), value(c.volume, row)};
  };
  out.rows.reserve(order.size());
  ApplyBronzeRules(symbol, tf, order.size(), raw_bar, now, std::nullopt, out.stats, out.rows);
  for (BronzeRow& row : out.rows) row.raw_row = order[row.raw_row];
  out.raw = std::move(raw);
  return out;
}

Status FillBronzeChunk(const BronzeFromRaw& bronze, std::span<const BronzeRow> rows, ColumnBatch& chunk) {
  const Schema& schema = chunk.schema();
  RC_ASSIGN_OR_RETURN(const BronzeColumns out, FindBronzeColumns(schema));
  RC_ASSIGN_OR_RETURN(size_t raw_provider, Col(bronze.raw.schema(), "provider"));
  RC_ASSIGN_OR_RETURN(size_t raw_batch_id, Col(bronze.raw.schema(), "batch_id"));
  ResizeChunk(chunk, rows.size());
  PutBars(chunk, out.bar, rows.size(), [rows](size_t row) -> const Bar& { return rows[row].bar; });
  auto& sessions = chunk.Strings(out.session);
  auto& gaps = chunk.Bools(out.gap);
  auto& providers = chunk.Strings(out.provider);
  auto& batch_ids = chunk.Strings(out.batch_id);
  const auto& source_providers = bronze.raw.Strings(raw_provider);
  const auto& source_batch_ids = bronze.raw.Strings(raw_batch_id);
  for (size_t row = 0; row < rows.size(); ++row) {
    const BronzeRow& b = rows[row];
    sessions[row].assign(MarketSessionName(b.session));  // into the kept string: no allocation
    gaps[row] = b.gap_before ? 1 : 0;
    providers[row].assign(source_providers[b.raw_row]);
    batch_ids[row].assign(source_batch_ids[b.raw_row]);
  }
  return Ok();
}

Result<SilverChunks> SilverChunks::Start(const Symbol& symbol, Timeframe tf, std::vector<Bar> regular_bars,
                                         const features::FeatureSet& set, const std::vector<int>& horizons_minutes,
                                         size_t chunk_rows) {
  if (chunk_rows == 0) return InvalidArgument("chunk_rows", "must be >= 1");
  RC_ASSIGN_OR_RETURN(SilverResult silver,
                      BuildSilverWithoutFeatures(tf, std::move(regular_bars), set, horizons_minutes));
  return SilverChunks(std::move(silver), set, ExchangeCalendar::ForSymbol(symbol), chunk_rows);
}

SilverChunks::SilverChunks(SilverResult silver, const features::FeatureSet& set, const ExchangeCalendar& calendar,
                           size_t chunk_rows)
    : silver_(std::move(silver)),
      set_(&set),
      state_(set.NewState(calendar)),
      feature_names_(set.ColumnNames()),
      chunk_rows_(chunk_rows) {}

std::optional<TimestampUs> SilverChunks::newest_open() const {
  if (silver_.bars.empty()) return std::nullopt;
  return silver_.bars.back().open_time;
}

Result<bool> SilverChunks::Next(ColumnBatch& chunk) {
  const size_t total = silver_.bars.size();
  if (next_row_ >= total) return false;
  const size_t first = next_row_;
  const size_t rows = std::min(chunk_rows_, total - first);
  const Schema& schema = chunk.schema();
  RC_ASSIGN_OR_RETURN(const BarColumns c, FindBarColumns(schema));
  RC_ASSIGN_OR_RETURN(size_t version, Col(schema, "feature_set_version"));
  std::vector<size_t> feature_cols(feature_names_.size());
  for (size_t f = 0; f < feature_names_.size(); ++f) {
    RC_ASSIGN_OR_RETURN(feature_cols[f], Col(schema, feature_names_[f]));
  }
  std::vector<size_t> target_cols(silver_.targets.size());
  for (size_t t = 0; t < silver_.targets.size(); ++t) {
    RC_ASSIGN_OR_RETURN(target_cols[t], Col(schema, silver_.targets[t].first));
  }
  ResizeChunk(chunk, rows);
  const std::span<const Bar> bars(silver_.bars.data() + first, rows);
  PutBars(chunk, c, rows, [bars](size_t row) -> const Bar& { return bars[row]; });
  for (auto& version_cell : chunk.Strings(version)) version_cell.assign(silver_.feature_set_version);
  std::vector<double*> feature_values(feature_cols.size());
  for (size_t f = 0; f < feature_cols.size(); ++f) feature_values[f] = chunk.Doubles(feature_cols[f]).data();
  set_->ComputeInto(*state_, bars, feature_values);
  for (size_t col : feature_cols) NullNonFinite(chunk, col);
  for (size_t t = 0; t < target_cols.size(); ++t) {
    const std::vector<double>& target = silver_.targets[t].second;
    std::copy_n(target.begin() + static_cast<std::ptrdiff_t>(first), rows, chunk.Doubles(target_cols[t]).begin());
    NullNonFinite(chunk, target_cols[t]);
  }
  next_row_ += rows;
  return true;
}

Result<ColumnBatch> SilverToBatch(const Schema& schema, const Symbol& symbol, Timeframe tf, SilverResult silver) {
  const size_t rows = silver.bars.size();
  ColumnBatch batch(schema);
  // Each feature/target vector becomes its column as is (no copy of ~8 MB per
  // column per 1M rows); its non-finite values (warm-up NaNs) become nulls.
  auto put_column = [&](const std::string& name, std::vector<double>& values) -> Status {
    RC_ASSIGN_OR_RETURN(size_t col, Col(schema, name));
    if (values.size() != rows) return Internal("column " + name + " has " + std::to_string(values.size()) + " rows");
    lake::Column& column = batch.column(col);
    for (size_t row = 0; row < rows; ++row) {
      if (std::isfinite(values[row])) continue;
      if (column.validity.empty()) column.validity.assign(rows, 1);
      column.validity[row] = 0;
      values[row] = 0;
    }
    column.values = std::move(values);
    return Ok();
  };
  for (size_t col = 0; col < silver.features.names.size(); ++col) {
    RC_RETURN_IF_ERROR(put_column(silver.features.names[col], silver.features.columns[col]));
  }
  for (auto& [name, values] : silver.targets) RC_RETURN_IF_ERROR(put_column(name, values));
  ResizeAll(batch, rows);  // the bar and key columns (the moved ones have their size)
  RC_RETURN_IF_ERROR(FillKeys(batch, symbol, tf, rows));
  RC_ASSIGN_OR_RETURN(const BarColumns c, FindBarColumns(schema));
  RC_ASSIGN_OR_RETURN(size_t version, Col(schema, "feature_set_version"));
  for (size_t row = 0; row < rows; ++row) {
    const Bar& b = silver.bars[row];
    batch.Int64s(c.ts)[row] = b.open_time;
    batch.Doubles(c.open)[row] = b.open;
    batch.Doubles(c.high)[row] = b.high;
    batch.Doubles(c.low)[row] = b.low;
    batch.Doubles(c.close)[row] = b.close;
    batch.Doubles(c.volume)[row] = b.volume;
    batch.Strings(version)[row] = silver.feature_set_version;
  }
  RC_RETURN_IF_ERROR(batch.Validate());
  return batch;
}

boost::json::object BronzeBarJson(const BronzeBar& b) {
  return boost::json::object{{"ts", FormatIsoUtc(b.bar.open_time)}, {"open", b.bar.open},   {"high", b.bar.high},
                             {"low", b.bar.low},                    {"close", b.bar.close}, {"volume", b.bar.volume},
                             {"session", MarketSessionName(b.session)}, {"gap_before", b.gap_before}};
}

}  // namespace rc::data::pipeline
