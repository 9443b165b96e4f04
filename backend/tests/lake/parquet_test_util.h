// File: lake/parquet_test_util.h
//
// Helpers shared by the Parquet tests: random column batches of every
// ColumnType (seeded), and a batch comparison that ignores the unspecified
// value slots of null rows and compares floating point by bit pattern.
#pragma once

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "lake/column_batch.h"

namespace rc::lake::testing {

enum class NullPattern { kNone, kSome, kAll };

inline std::string RandomString(std::mt19937_64& rng, size_t max_len) {
  std::uniform_int_distribution<size_t> len_dist(0, max_len);
  std::uniform_int_distribution<int> char_dist(0, 255);
  std::string out(len_dist(rng), '\0');
  for (char& c : out) c = static_cast<char>(char_dist(rng));
  return out;
}

// Fills column `idx` of `batch` (already sized schema) with `rows` values.
// `distinct` bounds the number of distinct values (small = dictionary friendly).
inline void FillColumn(ColumnBatch* batch, size_t idx, size_t rows, NullPattern nulls, size_t distinct,
                       std::mt19937_64& rng) {
  const Field& field = batch->schema().fields[idx];
  std::uniform_int_distribution<size_t> pick(0, distinct == 0 ? 0 : distinct - 1);
  std::uniform_int_distribution<int> coin(0, 3);
  switch (field.type) {
    case ColumnType::kBool: {
      auto& vec = batch->Bools(idx);
      for (size_t row = 0; row < rows; ++row) vec.push_back(static_cast<uint8_t>(pick(rng) % 2));
      break;
    }
    case ColumnType::kInt32:
    case ColumnType::kDate: {
      auto& vec = batch->Int32s(idx);
      for (size_t row = 0; row < rows; ++row) {
        // Wrap in unsigned arithmetic (defined), then convert (modular since C++20).
        const uint32_t spread = static_cast<uint32_t>(pick(rng) * 2654435761u);
        vec.push_back(static_cast<int32_t>(spread - (row % 5 == 0 ? uint32_t{INT32_MAX / 2} : 0u)));
      }
      break;
    }
    case ColumnType::kInt64:
    case ColumnType::kTimestampMicros: {
      auto& vec = batch->Int64s(idx);
      for (size_t row = 0; row < rows; ++row) {
        vec.push_back(static_cast<int64_t>(pick(rng) * 0x9E3779B97F4A7C15ull) / 3);
      }
      break;
    }
    case ColumnType::kFloat: {
      auto& vec = batch->Floats(idx);
      for (size_t row = 0; row < rows; ++row) {
        const size_t v = pick(rng);
        vec.push_back(v == 1 ? -0.0f : v == 2 ? std::nanf("") : static_cast<float>(v) * 1.25f - 3.0f);
      }
      break;
    }
    case ColumnType::kDouble: {
      auto& vec = batch->Doubles(idx);
      for (size_t row = 0; row < rows; ++row) {
        const size_t v = pick(rng);
        vec.push_back(v == 1 ? -0.0 : v == 2 ? std::nan("") : static_cast<double>(v) * 0.1 - 7.0);
      }
      break;
    }
    case ColumnType::kString: {
      std::vector<std::string> pool;
      for (size_t v = 0; v < std::max<size_t>(distinct, 1); ++v) pool.push_back(RandomString(rng, 12));
      auto& vec = batch->Strings(idx);
      for (size_t row = 0; row < rows; ++row) vec.push_back(pool[pick(rng) % pool.size()]);
      break;
    }
  }
  if (field.nullable && nulls != NullPattern::kNone) {
    for (size_t row = 0; row < rows; ++row) {
      if (nulls == NullPattern::kAll || coin(rng) == 0) batch->SetNull(idx, row);
    }
  }
}

inline const std::vector<Field>& AllTypeFields(bool nullable) {
  static const std::vector<Field> kNullable = {
      {"b", ColumnType::kBool, true},    {"i32", ColumnType::kInt32, true},
      {"i64", ColumnType::kInt64, true}, {"f32", ColumnType::kFloat, true},
      {"f64", ColumnType::kDouble, true}, {"s", ColumnType::kString, true},
      {"ts", ColumnType::kTimestampMicros, true}, {"d", ColumnType::kDate, true}};
  static const std::vector<Field> kRequired = [] {
    std::vector<Field> fields = kNullable;
    for (Field& f : fields) {
      f.name += "_req";
      f.nullable = false;
    }
    return fields;
  }();
  return nullable ? kNullable : kRequired;
}

template <typename T>
bool SameValue(const T& a, const T& b) {
  if constexpr (std::is_floating_point_v<T>) {
    return std::memcmp(&a, &b, sizeof(T)) == 0;
  } else {
    return a == b;
  }
}

// Compares schema, row count, validity and the values of non-null rows.
inline ::testing::AssertionResult BatchesEqual(const ColumnBatch& expected, const ColumnBatch& actual) {
  if (!(expected.schema() == actual.schema())) return ::testing::AssertionFailure() << "schemas differ";
  if (expected.num_rows() != actual.num_rows()) {
    return ::testing::AssertionFailure() << "rows " << expected.num_rows() << " vs " << actual.num_rows();
  }
  for (size_t col = 0; col < expected.num_columns(); ++col) {
    const Column& a = expected.column(col);
    const Column& b = actual.column(col);
    for (size_t row = 0; row < expected.num_rows(); ++row) {
      if (a.IsNull(row) != b.IsNull(row)) {
        return ::testing::AssertionFailure() << "column " << expected.schema().fields[col].name << " row " << row
                                             << ": null " << a.IsNull(row) << " vs " << b.IsNull(row);
      }
    }
    bool same = true;
    size_t bad_row = 0;
    std::visit(
        [&](const auto& va) {
          using Vec = std::decay_t<decltype(va)>;
          const Vec& vb = std::get<Vec>(b.values);
          for (size_t row = 0; row < va.size() && same; ++row) {
            if (!a.IsNull(row) && !SameValue(va[row], vb[row])) {
              same = false;
              bad_row = row;
            }
          }
        },
        a.values);
    if (!same) {
      return ::testing::AssertionFailure() << "column " << expected.schema().fields[col].name << " differs at row "
                                           << bad_row;
    }
  }
  return ::testing::AssertionSuccess();
}

}  // namespace rc::lake::testing
