// File: lake/column_batch.h
//
// The lake's in-memory unit: a flat, columnar table (schema + one typed vector
// per column + optional validity). Parquet files are written from and read into
// ColumnBatches; Delta tables append and scan them.
//
//   rc::lake::Schema schema{{{"ts", ColumnType::kTimestampMicros, false}, {"close", ColumnType::kDouble, true}}};
//   rc::lake::ColumnBatch batch(schema);
//   batch.Int64s(0) = {t0, t1};
//   batch.Doubles(1) = {101.5, 0.0};
//   batch.SetNull(1, 1);            // close of row 1 is null
//   RC_RETURN_IF_ERROR(batch.Validate());
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/error.h"
#include "lake/column_memory.h"

namespace rc::lake {

// Logical column types (docs/formats.md §1.3, §2.3 map these to Parquet and Delta).
enum class ColumnType {
  kBool,             // BOOLEAN / boolean
  kInt32,            // INT32 / integer
  kInt64,            // INT64 / long
  kFloat,            // FLOAT / float
  kDouble,           // DOUBLE / double
  kString,           // BYTE_ARRAY UTF8+STRING / string
  kTimestampMicros,  // INT64 TIMESTAMP(UTC, MICROS) / timestamp; values are UTC microseconds
  kDate,             // INT32 DATE / date; values are days since epoch
};
std::string_view ColumnTypeName(ColumnType type);  // "bool", "int32", ..., "timestamp", "date"

struct Field {
  std::string name;
  ColumnType type = ColumnType::kDouble;
  bool nullable = true;
  bool operator==(const Field&) const = default;
};

struct Schema {
  std::vector<Field> fields;
  // Index of the field named `name`, or -1.
  int FieldIndex(std::string_view name) const;
  bool operator==(const Schema&) const = default;
};

// Storage per type: kBool -> uint8_t (0/1), kInt32/kDate -> int32_t,
// kInt64/kTimestampMicros -> int64_t, kFloat -> float, kDouble -> double,
// kString -> std::string. ColumnVector (lake/column_memory.h) is a std::vector
// whose large blocks are reused between batches; it converts to and from
// std::vector<T> by copy.
using ColumnValues = std::variant<ColumnVector<uint8_t>, ColumnVector<int32_t>, ColumnVector<int64_t>,
                                  ColumnVector<float>, ColumnVector<double>, ColumnVector<std::string>>;

struct Column {
  ColumnValues values;
  // Empty = no nulls. Otherwise one byte per row: 1 = value present, 0 = null.
  // A null row still has a slot in `values` (its content is unspecified).
  std::vector<uint8_t> validity;

  bool IsNull(size_t row) const { return !validity.empty() && validity[row] == 0; }
};

class ColumnBatch {
 public:
  ColumnBatch() = default;
  // Creates empty columns of the right storage type for every field.
  explicit ColumnBatch(Schema schema);

  const Schema& schema() const { return schema_; }
  // The index of column `name`, for callers whose batch has a fixed schema
  // (a layer table's): a missing name is a programming error and throws
  // std::logic_error naming it, instead of indexing past the columns.
  size_t KnownColumn(std::string_view name) const;
  size_t num_columns() const { return columns_.size(); }
  // Rows = length of the first column's values (0 for no columns).
  size_t num_rows() const;

  Column& column(size_t idx) { return columns_[idx]; }
  const Column& column(size_t idx) const { return columns_[idx]; }

  // Typed access; the caller must use the accessor that matches the field's
  // storage (std::bad_variant_access otherwise: a programming error).
  ColumnVector<uint8_t>& Bools(size_t idx) { return std::get<ColumnVector<uint8_t>>(columns_[idx].values); }
  ColumnVector<int32_t>& Int32s(size_t idx) { return std::get<ColumnVector<int32_t>>(columns_[idx].values); }
  ColumnVector<int64_t>& Int64s(size_t idx) { return std::get<ColumnVector<int64_t>>(columns_[idx].values); }
  ColumnVector<float>& Floats(size_t idx) { return std::get<ColumnVector<float>>(columns_[idx].values); }
  ColumnVector<double>& Doubles(size_t idx) { return std::get<ColumnVector<double>>(columns_[idx].values); }
  ColumnVector<std::string>& Strings(size_t idx) { return std::get<ColumnVector<std::string>>(columns_[idx].values); }
  const ColumnVector<uint8_t>& Bools(size_t idx) const { return std::get<ColumnVector<uint8_t>>(columns_[idx].values); }
  const ColumnVector<int32_t>& Int32s(size_t idx) const { return std::get<ColumnVector<int32_t>>(columns_[idx].values); }
  const ColumnVector<int64_t>& Int64s(size_t idx) const { return std::get<ColumnVector<int64_t>>(columns_[idx].values); }
  const ColumnVector<float>& Floats(size_t idx) const { return std::get<ColumnVector<float>>(columns_[idx].values); }
  const ColumnVector<double>& Doubles(size_t idx) const { return std::get<ColumnVector<double>>(columns_[idx].values); }
  const ColumnVector<std::string>& Strings(size_t idx) const {
    return std::get<ColumnVector<std::string>>(columns_[idx].values);
  }

  // Marks row `row` of column `idx` null (allocating validity on first use).
  void SetNull(size_t idx, size_t row);

  // Checks: one column per field, storage matches the type, equal lengths,
  // validity empty or of row length, no nulls in non-nullable fields, unique
  // field names. Errors: kInvalidArgument naming the column.
  Status Validate() const;

  // Appends all rows of `other` (same schema). Errors: kInvalidArgument.
  Status Append(const ColumnBatch& other);

  // Rows [offset, offset+count) as a new batch.
  ColumnBatch Slice(size_t offset, size_t count) const;

  // Rows at `indices` (in that order) as a new batch.
  ColumnBatch Take(const std::vector<size_t>& indices) const;

  // Keeps only the named columns, in the given order. Errors: kNotFound.
  Result<ColumnBatch> Project(const std::vector<std::string>& names) const&;
  // The same from a batch about to go away (`std::move(rows).Project(...)`,
  // `rows.Take(...).Project(...)`): the kept columns are moved, not copied.
  Result<ColumnBatch> Project(const std::vector<std::string>& names) &&;

 private:
  // The schema of Project(names) and, per kept column, its index here.
  Result<std::pair<Schema, std::vector<size_t>>> ProjectedColumns(const std::vector<std::string>& names) const;

  Schema schema_;
  std::vector<Column> columns_;
};

}  // namespace rc::lake
