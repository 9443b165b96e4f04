#include "data/pipeline/lake_rows.h"

#include <cmath>

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

std::optional<double> GetOptional(const ColumnBatch& batch, size_t col, size_t row) {
  if (batch.column(col).IsNull(row)) return std::nullopt;
  return batch.Doubles(col)[row];
}

// Resizes every column of `batch` to `rows` entries.
void ResizeAll(ColumnBatch& batch, size_t rows) {
  for (size_t col = 0; col < batch.num_columns(); ++col) {
    std::visit([rows](auto& values) { values.resize(rows); }, batch.column(col).values);
  }
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

Result<ColumnBatch> RawToBatch(const Schema& schema, const Symbol& symbol, Timeframe tf,
                               const std::vector<RawRecord>& rows) {
  ColumnBatch batch(schema);
  ResizeAll(batch, rows.size());
  RC_RETURN_IF_ERROR(FillKeys(batch, symbol, tf, rows.size()));
  RC_ASSIGN_OR_RETURN(size_t ts, Col(schema, "ts"));
  RC_ASSIGN_OR_RETURN(size_t open, Col(schema, "open"));
  RC_ASSIGN_OR_RETURN(size_t high, Col(schema, "high"));
  RC_ASSIGN_OR_RETURN(size_t low, Col(schema, "low"));
  RC_ASSIGN_OR_RETURN(size_t close, Col(schema, "close"));
  RC_ASSIGN_OR_RETURN(size_t volume, Col(schema, "volume"));
  RC_ASSIGN_OR_RETURN(size_t provider, Col(schema, "provider"));
  RC_ASSIGN_OR_RETURN(size_t fetched_at, Col(schema, "fetched_at"));
  RC_ASSIGN_OR_RETURN(size_t batch_id, Col(schema, "batch_id"));
  for (size_t row = 0; row < rows.size(); ++row) {
    const RawRecord& r = rows[row];
    batch.Int64s(ts)[row] = r.bar.open_time;
    PutOptional(batch, open, row, r.bar.open);
    PutOptional(batch, high, row, r.bar.high);
    PutOptional(batch, low, row, r.bar.low);
    PutOptional(batch, close, row, r.bar.close);
    PutOptional(batch, volume, row, r.bar.volume);
    batch.Strings(provider)[row] = r.provider;
    batch.Int64s(fetched_at)[row] = r.fetched_at;
    batch.Strings(batch_id)[row] = r.batch_id;
  }
  RC_RETURN_IF_ERROR(batch.Validate());
  return batch;
}

Result<std::vector<RawRecord>> RawFromBatch(const ColumnBatch& batch) {
  const Schema& schema = batch.schema();
  RC_ASSIGN_OR_RETURN(size_t ts, Col(schema, "ts"));
  RC_ASSIGN_OR_RETURN(size_t open, Col(schema, "open"));
  RC_ASSIGN_OR_RETURN(size_t high, Col(schema, "high"));
  RC_ASSIGN_OR_RETURN(size_t low, Col(schema, "low"));
  RC_ASSIGN_OR_RETURN(size_t close, Col(schema, "close"));
  RC_ASSIGN_OR_RETURN(size_t volume, Col(schema, "volume"));
  RC_ASSIGN_OR_RETURN(size_t provider, Col(schema, "provider"));
  RC_ASSIGN_OR_RETURN(size_t fetched_at, Col(schema, "fetched_at"));
  RC_ASSIGN_OR_RETURN(size_t batch_id, Col(schema, "batch_id"));
  std::vector<RawRecord> rows(batch.num_rows());
  for (size_t row = 0; row < rows.size(); ++row) {
    RawRecord& r = rows[row];
    r.bar.open_time = batch.Int64s(ts)[row];
    r.bar.open = GetOptional(batch, open, row);
    r.bar.high = GetOptional(batch, high, row);
    r.bar.low = GetOptional(batch, low, row);
    r.bar.close = GetOptional(batch, close, row);
    r.bar.volume = GetOptional(batch, volume, row);
    r.provider = batch.Strings(provider)[row];
    r.fetched_at = batch.Int64s(fetched_at)[row];
    r.batch_id = batch.Strings(batch_id)[row];
  }
  return rows;
}

Result<ColumnBatch> BronzeToBatch(const Schema& schema, const Symbol& symbol, Timeframe tf,
                                  const std::vector<BronzeBar>& rows) {
  ColumnBatch batch(schema);
  ResizeAll(batch, rows.size());
  RC_RETURN_IF_ERROR(FillKeys(batch, symbol, tf, rows.size()));
  RC_ASSIGN_OR_RETURN(size_t ts, Col(schema, "ts"));
  RC_ASSIGN_OR_RETURN(size_t open, Col(schema, "open"));
  RC_ASSIGN_OR_RETURN(size_t high, Col(schema, "high"));
  RC_ASSIGN_OR_RETURN(size_t low, Col(schema, "low"));
  RC_ASSIGN_OR_RETURN(size_t close, Col(schema, "close"));
  RC_ASSIGN_OR_RETURN(size_t volume, Col(schema, "volume"));
  RC_ASSIGN_OR_RETURN(size_t session, Col(schema, "session"));
  RC_ASSIGN_OR_RETURN(size_t gap, Col(schema, "gap_before"));
  RC_ASSIGN_OR_RETURN(size_t provider, Col(schema, "provider"));
  RC_ASSIGN_OR_RETURN(size_t batch_id, Col(schema, "batch_id"));
  for (size_t row = 0; row < rows.size(); ++row) {
    const BronzeBar& b = rows[row];
    batch.Int64s(ts)[row] = b.bar.open_time;
    batch.Doubles(open)[row] = b.bar.open;
    batch.Doubles(high)[row] = b.bar.high;
    batch.Doubles(low)[row] = b.bar.low;
    batch.Doubles(close)[row] = b.bar.close;
    batch.Doubles(volume)[row] = b.bar.volume;
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
  RC_ASSIGN_OR_RETURN(size_t ts, Col(schema, "ts"));
  RC_ASSIGN_OR_RETURN(size_t open, Col(schema, "open"));
  RC_ASSIGN_OR_RETURN(size_t high, Col(schema, "high"));
  RC_ASSIGN_OR_RETURN(size_t low, Col(schema, "low"));
  RC_ASSIGN_OR_RETURN(size_t close, Col(schema, "close"));
  RC_ASSIGN_OR_RETURN(size_t volume, Col(schema, "volume"));
  RC_ASSIGN_OR_RETURN(size_t session, Col(schema, "session"));
  RC_ASSIGN_OR_RETURN(size_t gap, Col(schema, "gap_before"));
  RC_ASSIGN_OR_RETURN(size_t provider, Col(schema, "provider"));
  RC_ASSIGN_OR_RETURN(size_t batch_id, Col(schema, "batch_id"));
  std::vector<BronzeBar> rows(batch.num_rows());
  for (size_t row = 0; row < rows.size(); ++row) {
    BronzeBar& b = rows[row];
    b.bar = Bar{batch.Int64s(ts)[row],    batch.Doubles(open)[row],  batch.Doubles(high)[row],
                batch.Doubles(low)[row],  batch.Doubles(close)[row], batch.Doubles(volume)[row]};
    RC_ASSIGN_OR_RETURN(b.session, ParseSession(batch.Strings(session)[row]));
    b.gap_before = batch.Bools(gap)[row] != 0;
    b.provider = batch.Strings(provider)[row];
    b.batch_id = batch.Strings(batch_id)[row];
  }
  return rows;
}

Result<ColumnBatch> SilverToBatch(const Schema& schema, const Symbol& symbol, Timeframe tf,
                                  const SilverResult& silver) {
  const size_t rows = silver.bars.size();
  ColumnBatch batch(schema);
  ResizeAll(batch, rows);
  RC_RETURN_IF_ERROR(FillKeys(batch, symbol, tf, rows));
  RC_ASSIGN_OR_RETURN(size_t ts, Col(schema, "ts"));
  RC_ASSIGN_OR_RETURN(size_t open, Col(schema, "open"));
  RC_ASSIGN_OR_RETURN(size_t high, Col(schema, "high"));
  RC_ASSIGN_OR_RETURN(size_t low, Col(schema, "low"));
  RC_ASSIGN_OR_RETURN(size_t close, Col(schema, "close"));
  RC_ASSIGN_OR_RETURN(size_t volume, Col(schema, "volume"));
  RC_ASSIGN_OR_RETURN(size_t version, Col(schema, "feature_set_version"));
  for (size_t row = 0; row < rows; ++row) {
    const Bar& b = silver.bars[row];
    batch.Int64s(ts)[row] = b.open_time;
    batch.Doubles(open)[row] = b.open;
    batch.Doubles(high)[row] = b.high;
    batch.Doubles(low)[row] = b.low;
    batch.Doubles(close)[row] = b.close;
    batch.Doubles(volume)[row] = b.volume;
    batch.Strings(version)[row] = silver.feature_set_version;
  }
  auto put_column = [&](const std::string& name, const std::vector<double>& values) -> Status {
    RC_ASSIGN_OR_RETURN(size_t col, Col(schema, name));
    if (values.size() != rows) return Internal("column " + name + " has " + std::to_string(values.size()) + " rows");
    for (size_t row = 0; row < rows; ++row) PutOptional(batch, col, row, values[row]);
    return Ok();
  };
  for (size_t col = 0; col < silver.features.names.size(); ++col) {
    RC_RETURN_IF_ERROR(put_column(silver.features.names[col], silver.features.columns[col]));
  }
  for (const auto& [name, values] : silver.targets) RC_RETURN_IF_ERROR(put_column(name, values));
  RC_RETURN_IF_ERROR(batch.Validate());
  return batch;
}

}  // namespace rc::data::pipeline
