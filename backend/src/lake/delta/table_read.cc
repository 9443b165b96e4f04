// Table's reads: one data file's columns (partition values filled in, types
// widened to the table's schema) and scans of a snapshot with column and time
// pruning. The rest of Table: lake/delta/internal/table_support.h.
#include "lake/delta/table.h"

#include <algorithm>
#include <optional>
#include <set>

#include "core/time.h"
#include "lake/delta/internal/stats.h"
#include "lake/delta/internal/table_support.h"
#include "lake/paths.h"

namespace rc::lake::delta {

namespace {

// Fills `col` with `n` copies of a partition value parsed to `type`.
Status FillPartitionColumn(Column& col, const Field& field, const std::optional<std::string>& value, size_t n) {
  std::visit([n](auto& v) { v.resize(n); }, col.values);
  if (!value) {
    col.validity.assign(n, 0);
    return Ok();
  }
  col.validity.clear();
  const std::string& s = *value;
  auto bad = [&]() {
    return DataCorrupt("partition value '" + s + "' of column '" + field.name + "' is not a valid " +
                           std::string(ColumnTypeName(field.type)),
                       field.name);
  };
  auto parse_int = [&](int64_t& out) -> bool {
    if (s.empty()) return false;
    char* end = nullptr;
    errno = 0;
    long long v = std::strtoll(s.c_str(), &end, 10);
    if (errno != 0 || end != s.c_str() + s.size()) return false;
    out = v;
    return true;
  };
  switch (field.type) {
    case ColumnType::kString:
      std::fill(std::get<ColumnVector<std::string>>(col.values).begin(),
                std::get<ColumnVector<std::string>>(col.values).end(), s);
      break;
    case ColumnType::kBool: {
      uint8_t b;
      if (s == "true") {
        b = 1;
      } else if (s == "false") {
        b = 0;
      } else {
        return bad();
      }
      std::fill(std::get<ColumnVector<uint8_t>>(col.values).begin(), std::get<ColumnVector<uint8_t>>(col.values).end(),
                b);
      break;
    }
    case ColumnType::kInt32: {
      int64_t v = 0;
      if (!parse_int(v) || v < INT32_MIN || v > INT32_MAX) return bad();
      auto& vec = std::get<ColumnVector<int32_t>>(col.values);
      std::fill(vec.begin(), vec.end(), static_cast<int32_t>(v));
      break;
    }
    case ColumnType::kInt64: {
      int64_t v = 0;
      if (!parse_int(v)) return bad();
      auto& vec = std::get<ColumnVector<int64_t>>(col.values);
      std::fill(vec.begin(), vec.end(), v);
      break;
    }
    case ColumnType::kFloat:
    case ColumnType::kDouble: {
      char* end = nullptr;
      double d = std::strtod(s.c_str(), &end);
      if (s.empty() || end != s.c_str() + s.size()) return bad();
      if (field.type == ColumnType::kFloat) {
        auto& vec = std::get<ColumnVector<float>>(col.values);
        std::fill(vec.begin(), vec.end(), static_cast<float>(d));
      } else {
        auto& vec = std::get<ColumnVector<double>>(col.values);
        std::fill(vec.begin(), vec.end(), d);
      }
      break;
    }
    case ColumnType::kTimestampMicros: {
      auto t = ParseIsoUtc(s, field.name);
      if (!t) return bad();
      auto& vec = std::get<ColumnVector<int64_t>>(col.values);
      std::fill(vec.begin(), vec.end(), *t);
      break;
    }
    case ColumnType::kDate: {
      if (s.size() != 10) return bad();
      auto t = ParseIsoUtc(s, field.name);
      if (!t) return bad();
      int64_t days = *t / kMicrosPerDay - ((*t % kMicrosPerDay) < 0 ? 1 : 0);
      auto& vec = std::get<ColumnVector<int32_t>>(col.values);
      std::fill(vec.begin(), vec.end(), static_cast<int32_t>(days));
      break;
    }
  }
  return Ok();
}

// Converts a column read from a file to the table's type (Delta readers allow
// integer and float widening, and INT64 as timestamp: docs/formats.md §2.9).
Result<Column> CastColumn(Column col, ColumnType from, const Field& to, const std::string& file) {
  if (from == to.type) return col;
  auto mismatch = [&]() {
    return DataCorrupt("column '" + to.name + "' in '" + file + "' has type " + std::string(ColumnTypeName(from)) +
                           ", the table has " + std::string(ColumnTypeName(to.type)),
                       to.name);
  };
  Column out;
  out.validity = std::move(col.validity);
  auto widen = [&](auto src_tag, auto dst_tag) {
    using Src = decltype(src_tag);
    using Dst = decltype(dst_tag);
    const auto& src = std::get<ColumnVector<Src>>(col.values);
    ColumnVector<Dst> dst;
    dst.resize_for_overwrite(src.size());  // every value is written below
    for (size_t i = 0; i < src.size(); ++i) dst[i] = static_cast<Dst>(src[i]);
    out.values = std::move(dst);
  };
  if (from == ColumnType::kInt32 && (to.type == ColumnType::kInt64 || to.type == ColumnType::kTimestampMicros)) {
    widen(int32_t{}, int64_t{});
  } else if (from == ColumnType::kInt64 && to.type == ColumnType::kTimestampMicros) {
    out.values = std::move(col.values);
  } else if (from == ColumnType::kFloat && to.type == ColumnType::kDouble) {
    widen(float{}, double{});
  } else if (from == ColumnType::kInt32 && to.type == ColumnType::kDouble) {
    widen(int32_t{}, double{});
  } else if (from == ColumnType::kInt64 && to.type == ColumnType::kDouble) {
    widen(int64_t{}, double{});
  } else {
    return mismatch();
  }
  return out;
}

}  // namespace

Result<Table::DataFileRead> Table::ReadDataFile(const Snapshot& snap, const LiveFile& file,
                                                const std::vector<std::string>& columns,
                                                const std::optional<parquet::ReadOptions::Range>& range) const {
  const std::string abs = dir_ + "/" + file.rel_path;
  auto bytes = fs().ReadFile(abs);
  if (!bytes) return tl::unexpected(WithContext(bytes.error(), "reading data file of version " +
                                                                   std::to_string(file.version)));
  auto reader = parquet::Reader::OpenBuffer(std::move(*bytes));
  if (!reader) return tl::unexpected(WithContext(reader.error(), "data file '" + file.rel_path + "'"));
  const Schema& fschema = reader->info().schema;
  std::vector<std::string> present;
  for (const auto& c : columns) {
    if (fschema.FieldIndex(c) >= 0) present.push_back(c);
  }
  DataFileRead out;
  Schema out_schema;
  for (const auto& c : columns) out_schema.fields.push_back(snap.schema().fields[static_cast<size_t>(snap.schema().FieldIndex(c))]);
  out.batch = ColumnBatch(out_schema);
  if (range && fschema.FieldIndex(range->column) < 0) {
    // No time column in this file: every row's time is null, none matches.
    out.rows = 0;
    return out;
  }
  ColumnBatch got;
  if (present.empty()) {
    out.rows = static_cast<size_t>(reader->info().num_rows);
  } else {
    parquet::ReadOptions ro;
    ro.columns = present;
    ro.time_range = range;
    auto read = reader->Read(ro);
    if (!read) return tl::unexpected(WithContext(read.error(), "data file '" + file.rel_path + "'"));
    got = std::move(*read);
    out.rows = got.num_rows();
  }
  for (size_t i = 0; i < columns.size(); ++i) {
    const Field& want = out_schema.fields[i];
    int gi = got.num_columns() == 0 ? -1 : got.schema().FieldIndex(want.name);
    if (gi < 0) {
      if (!want.nullable) {
        return DataCorrupt("data file '" + file.rel_path + "' lacks non-nullable column '" + want.name + "'",
                           want.name);
      }
      Column& col = out.batch.column(i);
      std::visit([&](auto& v) { v.resize(out.rows); }, col.values);
      col.validity.assign(out.rows, 0);
      continue;
    }
    ColumnType from = got.schema().fields[static_cast<size_t>(gi)].type;
    RC_ASSIGN_OR_RETURN(Column col, CastColumn(std::move(got.column(static_cast<size_t>(gi))), from, want, file.rel_path));
    if (!want.nullable && !col.validity.empty() &&
        std::find(col.validity.begin(), col.validity.end(), 0) != col.validity.end()) {
      return DataCorrupt("data file '" + file.rel_path + "' has nulls in non-nullable column '" + want.name + "'",
                         want.name);
    }
    out.batch.column(i) = std::move(col);
  }
  return out;
}

Result<ColumnBatch> Table::Scan(const Snapshot& snap, const ScanOptions& options) const {
  const Schema& schema = snap.schema();
  std::vector<std::string> out_cols = options.columns;
  if (out_cols.empty()) {
    for (const auto& f : schema.fields) out_cols.push_back(f.name);
  }
  Schema out_schema;
  std::set<std::string> seen;
  for (const auto& c : out_cols) {
    int idx = schema.FieldIndex(c);
    if (idx < 0) return NotFound("column '" + c + "' is not in table '" + dir_ + "'");
    if (!seen.insert(c).second) return InvalidArgument("columns", "column '" + c + "' requested twice");
    out_schema.fields.push_back(schema.fields[static_cast<size_t>(idx)]);
  }
  for (const auto& [k, v] : options.partition_filter) {
    if (!snap.IsPartitionColumn(k)) return InvalidArgument("partition_filter", "'" + k + "' is not a partition column");
  }
  std::optional<parquet::ReadOptions::Range> range;
  std::vector<std::string> file_cols;
  for (const auto& c : out_cols) {
    if (!snap.IsPartitionColumn(c)) file_cols.push_back(c);
  }
  ColumnType time_type = ColumnType::kTimestampMicros;
  if (options.time_column) {
    int idx = schema.FieldIndex(*options.time_column);
    if (idx < 0) return NotFound("time column '" + *options.time_column + "' is not in table '" + dir_ + "'");
    time_type = schema.fields[static_cast<size_t>(idx)].type;
    if (time_type != ColumnType::kTimestampMicros && time_type != ColumnType::kInt64) {
      return InvalidArgument("time_column", "'" + *options.time_column + "' must be a timestamp or long column");
    }
    if (snap.IsPartitionColumn(*options.time_column)) {
      return InvalidArgument("time_column", "the time column must not be a partition column");
    }
    if (options.time_min > options.time_max) return InvalidArgument("time_range", "from is after to");
    range = parquet::ReadOptions::Range{*options.time_column, options.time_min, options.time_max};
    if (std::find(file_cols.begin(), file_cols.end(), *options.time_column) == file_cols.end()) {
      file_cols.push_back(*options.time_column);
    }
  }
  if (options.limit && *options.limit < 0) return InvalidArgument("limit", "must be >= 0");
  ColumnBatch result(out_schema);
  int64_t remaining = options.limit.value_or(INT64_MAX);
  // A filter on every partition column is one partition: its files from the
  // snapshot's index. Otherwise every file is checked against the filter.
  const bool one_partition = !snap.partition_columns().empty() &&
                             options.partition_filter.size() == snap.partition_columns().size();
  const std::vector<const LiveFile*> all_files = one_partition ? std::vector<const LiveFile*>() : snap.FilesInOrder();
  const std::vector<const LiveFile*>& files = one_partition ? snap.PartitionFiles(options.partition_filter) : all_files;
  for (const LiveFile* f : files) {
    if (remaining <= 0) break;
    bool match = true;
    for (const auto& [k, v] : options.partition_filter) {
      if (internal::PartitionValueOf(f->add.partition_values, k) != v) match = false;
    }
    if (!match) continue;
    if (range) {
      auto bounds = internal::ReadTimeBounds(f->add.stats, range->column, time_type);
      if (bounds && (bounds->max < range->min || bounds->min > range->max)) continue;
    }
    RC_ASSIGN_OR_RETURN(DataFileRead data, ReadDataFile(snap, *f, file_cols, range));
    if (data.rows == 0) continue;
    ColumnBatch fb(out_schema);
    for (size_t i = 0; i < out_schema.fields.size(); ++i) {
      const Field& field = out_schema.fields[i];
      if (snap.IsPartitionColumn(field.name)) {
        const std::optional<std::string> value = internal::PartitionValueOf(f->add.partition_values, field.name);
        RC_RETURN_IF_ERROR(FillPartitionColumn(fb.column(i), field, value, data.rows));
      } else {
        auto pos = std::find(file_cols.begin(), file_cols.end(), field.name) - file_cols.begin();
        fb.column(i) = std::move(data.batch.column(static_cast<size_t>(pos)));
      }
    }
    if (range) {
      auto pos = static_cast<size_t>(std::find(file_cols.begin(), file_cols.end(), range->column) - file_cols.begin());
      const Column& tc = data.batch.column(pos);
      // The time column may have been moved into fb: read it from there then.
      int out_idx = out_schema.FieldIndex(range->column);
      const Column& times = out_idx >= 0 ? fb.column(static_cast<size_t>(out_idx)) : tc;
      const auto& tv = std::get<ColumnVector<int64_t>>(times.values);
      std::vector<size_t> keep;
      keep.reserve(data.rows);
      for (size_t r = 0; r < data.rows; ++r) {
        if (!times.IsNull(r) && tv[r] >= range->min && tv[r] <= range->max) keep.push_back(r);
      }
      if (keep.size() != data.rows) fb = fb.Take(keep);
    }
    if (static_cast<int64_t>(fb.num_rows()) > remaining) fb = fb.Slice(0, static_cast<size_t>(remaining));
    remaining -= static_cast<int64_t>(fb.num_rows());
    if (result.num_rows() == 0) {
      result = std::move(fb);  // the first file's rows (often the only one's) are not copied
    } else {
      RC_RETURN_IF_ERROR(result.Append(fb));
    }
  }
  return result;
}


}  // namespace rc::lake::delta
