// Implementation of the columnar batch (lake/column_batch.h). Every operation
// dispatches once per column on the storage variant and then works on whole
// vectors, so no per-row type switch is paid.
#include "lake/column_batch.h"

#include <algorithm>
#include <stdexcept>
#include <unordered_set>
#include <utility>

namespace rc::lake {
namespace {

// The variant alternative that stores `type` (see ColumnValues).
ColumnValues EmptyValuesFor(ColumnType type) {
  switch (type) {
    case ColumnType::kBool:
      return ColumnVector<uint8_t>{};
    case ColumnType::kInt32:
    case ColumnType::kDate:
      return ColumnVector<int32_t>{};
    case ColumnType::kInt64:
    case ColumnType::kTimestampMicros:
      return ColumnVector<int64_t>{};
    case ColumnType::kFloat:
      return ColumnVector<float>{};
    case ColumnType::kDouble:
      return ColumnVector<double>{};
    case ColumnType::kString:
      return ColumnVector<std::string>{};
  }
  return ColumnVector<double>{};
}

size_t ValuesSize(const ColumnValues& values) {
  return std::visit([](const auto& vec) { return vec.size(); }, values);
}

}  // namespace

std::string_view ColumnTypeName(ColumnType type) {
  switch (type) {
    case ColumnType::kBool:
      return "bool";
    case ColumnType::kInt32:
      return "int32";
    case ColumnType::kInt64:
      return "int64";
    case ColumnType::kFloat:
      return "float";
    case ColumnType::kDouble:
      return "double";
    case ColumnType::kString:
      return "string";
    case ColumnType::kTimestampMicros:
      return "timestamp";
    case ColumnType::kDate:
      return "date";
  }
  return "unknown";
}

int Schema::FieldIndex(std::string_view name) const {
  for (size_t idx = 0; idx < fields.size(); ++idx) {
    if (fields[idx].name == name) return static_cast<int>(idx);
  }
  return -1;
}

size_t ColumnBatch::KnownColumn(std::string_view name) const {
  const int idx = schema_.FieldIndex(name);
  if (idx < 0) throw std::logic_error("no column '" + std::string(name) + "' in the batch");
  return static_cast<size_t>(idx);
}

ColumnBatch::ColumnBatch(Schema schema) : schema_(std::move(schema)) {
  columns_.reserve(schema_.fields.size());
  for (const Field& field : schema_.fields) columns_.push_back(Column{EmptyValuesFor(field.type), {}});
}

size_t ColumnBatch::num_rows() const { return columns_.empty() ? 0 : ValuesSize(columns_[0].values); }

void ColumnBatch::SetNull(size_t idx, size_t row) {
  Column& col = columns_[idx];
  const size_t rows = ValuesSize(col.values);
  if (col.validity.size() < rows) col.validity.resize(rows, 1);
  col.validity[row] = 0;
}

Status ColumnBatch::Validate() const {
  if (columns_.size() != schema_.fields.size()) {
    return InvalidArgument("columns", "batch has " + std::to_string(columns_.size()) + " columns but schema has " +
                                          std::to_string(schema_.fields.size()) + " fields");
  }
  std::unordered_set<std::string_view> names;
  const size_t rows = num_rows();
  for (size_t idx = 0; idx < columns_.size(); ++idx) {
    const Field& field = schema_.fields[idx];
    const Column& col = columns_[idx];
    if (field.name.empty()) return InvalidArgument("schema", "column " + std::to_string(idx) + " has an empty name");
    if (!names.insert(field.name).second) return InvalidArgument(field.name, "duplicate column name");
    if (col.values.index() != EmptyValuesFor(field.type).index()) {
      return InvalidArgument(field.name, "storage does not match type " + std::string(ColumnTypeName(field.type)));
    }
    const size_t len = ValuesSize(col.values);
    if (len != rows) {
      return InvalidArgument(field.name, "has " + std::to_string(len) + " rows, expected " + std::to_string(rows));
    }
    if (!col.validity.empty() && col.validity.size() != rows) {
      return InvalidArgument(field.name, "validity has " + std::to_string(col.validity.size()) +
                                             " entries, expected " + std::to_string(rows));
    }
    if (!field.nullable && std::find(col.validity.begin(), col.validity.end(), 0) != col.validity.end()) {
      return InvalidArgument(field.name, "null in a non-nullable column");
    }
  }
  return Ok();
}

Status ColumnBatch::Append(const ColumnBatch& other) {
  if (!(other.schema_ == schema_)) return InvalidArgument("schema", "cannot append a batch with a different schema");
  RC_RETURN_IF_ERROR(other.Validate());
  const size_t old_rows = num_rows();
  const size_t add_rows = other.num_rows();
  for (size_t idx = 0; idx < columns_.size(); ++idx) {
    Column& dst = columns_[idx];
    const Column& src = other.columns_[idx];
    std::visit(
        [&](auto& vec) {
          using Vec = std::decay_t<decltype(vec)>;
          const Vec& from = std::get<Vec>(src.values);
          vec.insert(vec.end(), from.begin(), from.end());
        },
        dst.values);
    // Validity stays empty while neither side has nulls.
    if (!dst.validity.empty() || !src.validity.empty()) {
      dst.validity.resize(old_rows, 1);
      if (src.validity.empty()) {
        dst.validity.resize(old_rows + add_rows, 1);
      } else {
        dst.validity.insert(dst.validity.end(), src.validity.begin(), src.validity.end());
      }
    }
  }
  return Ok();
}

ColumnBatch ColumnBatch::Slice(size_t offset, size_t count) const {
  ColumnBatch out(schema_);
  const size_t rows = num_rows();
  const size_t begin = std::min(offset, rows);
  const size_t end = begin + std::min(count, rows - begin);
  for (size_t idx = 0; idx < columns_.size(); ++idx) {
    const Column& src = columns_[idx];
    Column& dst = out.columns_[idx];
    std::visit(
        [&](const auto& vec) {
          using Vec = std::decay_t<decltype(vec)>;
          dst.values = Vec(vec.begin() + static_cast<std::ptrdiff_t>(begin),
                           vec.begin() + static_cast<std::ptrdiff_t>(end));
        },
        src.values);
    if (!src.validity.empty()) {
      dst.validity.assign(src.validity.begin() + static_cast<std::ptrdiff_t>(begin),
                          src.validity.begin() + static_cast<std::ptrdiff_t>(end));
    }
  }
  return out;
}

ColumnBatch ColumnBatch::Take(const std::vector<size_t>& indices) const {
  ColumnBatch out(schema_);
  for (size_t idx = 0; idx < columns_.size(); ++idx) {
    const Column& src = columns_[idx];
    Column& dst = out.columns_[idx];
    std::visit(
        [&](const auto& vec) {
          using Vec = std::decay_t<decltype(vec)>;
          Vec taken;
          taken.reserve(indices.size());
          for (size_t row : indices) taken.push_back(vec[row]);
          dst.values = std::move(taken);
        },
        src.values);
    if (!src.validity.empty()) {
      dst.validity.reserve(indices.size());
      for (size_t row : indices) dst.validity.push_back(src.validity[row]);
    }
  }
  return out;
}

Result<std::pair<Schema, std::vector<size_t>>> ColumnBatch::ProjectedColumns(
    const std::vector<std::string>& names) const {
  Schema schema;
  std::vector<size_t> picked;
  for (const std::string& name : names) {
    const int idx = schema_.FieldIndex(name);
    if (idx < 0) return NotFound("column '" + name + "'");
    schema.fields.push_back(schema_.fields[static_cast<size_t>(idx)]);
    picked.push_back(static_cast<size_t>(idx));
  }
  return std::make_pair(std::move(schema), std::move(picked));
}

Result<ColumnBatch> ColumnBatch::Project(const std::vector<std::string>& names) const& {
  RC_ASSIGN_OR_RETURN(auto projected, ProjectedColumns(names));
  auto& [schema, picked] = projected;
  ColumnBatch out(std::move(schema));
  for (size_t pos = 0; pos < picked.size(); ++pos) out.columns_[pos] = columns_[picked[pos]];
  return out;
}

Result<ColumnBatch> ColumnBatch::Project(const std::vector<std::string>& names) && {
  RC_ASSIGN_OR_RETURN(auto projected, ProjectedColumns(names));
  auto& [schema, picked] = projected;
  ColumnBatch out(std::move(schema));
  for (size_t pos = 0; pos < picked.size(); ++pos) {
    // A column named twice is copied for all but its last use.
    const bool used_again = std::find(picked.begin() + static_cast<std::ptrdiff_t>(pos) + 1, picked.end(),
                                      picked[pos]) != picked.end();
    out.columns_[pos] = used_again ? columns_[picked[pos]] : std::move(columns_[picked[pos]]);
  }
  return out;
}

}  // namespace rc::lake
