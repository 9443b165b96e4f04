#include "lake/delta/internal/stats.h"

#include <boost/json.hpp>
#include <cmath>
#include <limits>

#include "core/json_fields.h"
#include "core/strings.h"
#include "core/time.h"

namespace rc::lake::delta::internal {
namespace json = boost::json;
namespace {

constexpr size_t kMaxStringStatBytes = 32;

// One pass over a column: min and max of the non-null values. Without
// validity (no nulls) the loop is branch-light; the statistics of every file
// written go through here (silver: ~50 columns per file).
template <typename T>
void MinMax(const ColumnVector<T>& values, const Column& col, std::optional<T>& mn, std::optional<T>& mx) {
  const size_t n = values.size();
  if (n == 0) return;
  if (col.validity.empty()) {
    const T* first = &values[0];
    const T* lo = first;
    const T* hi = first;
    for (size_t i = 1; i < n; ++i) {
      if (values[i] < *lo) lo = &values[i];
      if (*hi < values[i]) hi = &values[i];
    }
    mn = *lo;
    mx = *hi;
    return;
  }
  for (size_t i = 0; i < n; ++i) {
    if (col.validity[i] == 0) continue;
    const T& v = values[i];
    if (!mn || v < *mn) mn = v;
    if (!mx || *mx < v) mx = v;
  }
}

// Min and max of the non-null values of a floating-point column; false when
// a non-null value is NaN or infinite (no min/max is recorded then). NaN is
// looked for with its own flag so that the loop carries no branch (an
// infinity shows in the min or the max). Not inlined into ComputeStats: there
// the accumulators were kept on the stack, a store-to-load round trip per
// value (perf: 6% of a 500-symbol pipeline run).
template <typename T>
__attribute__((noinline)) bool FiniteMinMax(const ColumnVector<T>& values, const Column& col,
                                            std::optional<double>& mn, std::optional<double>& mx) {
  const size_t n = values.size();
  const T* v = values.data();
  const uint8_t* valid = col.validity.empty() ? nullptr : col.validity.data();
  // Two accumulator pairs (even and odd rows) halve the min/max dependency chain.
  T lo0 = std::numeric_limits<T>::infinity(), lo1 = lo0;
  T hi0 = -std::numeric_limits<T>::infinity(), hi1 = hi0;
  bool nan = false;
  size_t seen = 0;
  auto step = [&](size_t i, T& lo, T& hi) {
    const T x = v[i];
    const bool ok = valid == nullptr || valid[i] != 0;
    lo = ok && x < lo ? x : lo;
    hi = ok && x > hi ? x : hi;
    nan |= ok && x != x;
    seen += ok ? 1 : 0;
  };
  size_t i = 0;
  for (; i + 1 < n; i += 2) {
    step(i, lo0, hi0);
    step(i + 1, lo1, hi1);
  }
  if (i < n) step(i, lo0, hi0);
  const T low = lo0 < lo1 ? lo0 : lo1;
  const T high = hi0 > hi1 ? hi0 : hi1;
  if (nan || (seen > 0 && (!std::isfinite(low) || !std::isfinite(high)))) return false;
  if (seen > 0) mn = static_cast<double>(low), mx = static_cast<double>(high);
  return true;
}

}  // namespace

StatsAccumulator::StatsAccumulator(const Schema& schema) : schema_(schema), columns_(schema.fields.size()) {}

namespace {
template <typename T, typename U>
void Merge(std::optional<U>& into_min, std::optional<U>& into_max, const std::optional<T>& mn, const std::optional<T>& mx) {
  if (!mn) return;
  if (!into_min || static_cast<U>(*mn) < *into_min) into_min = static_cast<U>(*mn);
  if (!into_max || *into_max < static_cast<U>(*mx)) into_max = static_cast<U>(*mx);
}

// One batch's min/max of a column of T merged into the running U pair (int32
// and dates widen into the int64 pair, as int64 and timestamps go in as is).
template <typename T, typename U>
void MergeMinMaxOf(const ColumnVector<T>& values, const Column& col, std::optional<U>& into_min,
                   std::optional<U>& into_max) {
  std::optional<T> mn, mx;
  MinMax(values, col, mn, mx);
  Merge(into_min, into_max, mn, mx);
}
}  // namespace

void StatsAccumulator::Add(const ColumnBatch& batch) {
  rows_ += static_cast<int64_t>(batch.num_rows());
  for (size_t c = 0; c < schema_.fields.size(); ++c) {
    const Field& f = schema_.fields[c];
    const Column& col = batch.column(c);
    ColumnStats& acc = columns_[c];
    for (uint8_t valid : col.validity) acc.nulls += valid == 0 ? 1 : 0;
    switch (f.type) {
      case ColumnType::kBool:
        break;  // Spark collects no min/max for booleans.
      case ColumnType::kInt32:
      case ColumnType::kDate:
        MergeMinMaxOf(batch.Int32s(c), col, acc.int_min, acc.int_max);
        break;
      case ColumnType::kInt64:
      case ColumnType::kTimestampMicros:
        MergeMinMaxOf(batch.Int64s(c), col, acc.int_min, acc.int_max);
        break;
      case ColumnType::kFloat:
      case ColumnType::kDouble: {
        std::optional<double> mn, mx;
        const bool finite = f.type == ColumnType::kFloat ? FiniteMinMax(batch.Floats(c), col, mn, mx)
                                                         : FiniteMinMax(batch.Doubles(c), col, mn, mx);
        acc.non_finite |= !finite;
        if (finite) Merge(acc.double_min, acc.double_max, mn, mx);
        break;
      }
      case ColumnType::kString: {
        std::optional<std::string> mn, mx;
        MinMax(batch.Strings(c), col, mn, mx);
        if (mn) {
          if (!acc.string_min || *mn < *acc.string_min) acc.string_min = std::move(mn);
          if (!acc.string_max || *acc.string_max < *mx) acc.string_max = std::move(mx);
        }
        break;
      }
    }
  }
}

std::string StatsAccumulator::Json() const {
  json::object min_values;
  json::object max_values;
  json::object null_count;
  for (size_t c = 0; c < schema_.fields.size(); ++c) {
    const Field& f = schema_.fields[c];
    const ColumnStats& acc = columns_[c];
    null_count[f.name] = acc.nulls;
    switch (f.type) {
      case ColumnType::kBool:
        break;
      case ColumnType::kInt32:
      case ColumnType::kInt64:
        if (acc.int_min) min_values[f.name] = *acc.int_min, max_values[f.name] = *acc.int_max;
        break;
      case ColumnType::kFloat:
      case ColumnType::kDouble:
        if (acc.double_min && !acc.non_finite) min_values[f.name] = *acc.double_min, max_values[f.name] = *acc.double_max;
        break;
      case ColumnType::kString: {
        const auto& mn = acc.string_min;
        const auto& mx = acc.string_max;
        // Only valid UTF-8 can go into JSON (Boost.JSON escapes controls).
        if (mn && mn->size() <= kMaxStringStatBytes && mx->size() <= kMaxStringStatBytes && IsValidUtf8(*mn) &&
            IsValidUtf8(*mx)) {
          min_values[f.name] = *mn, max_values[f.name] = *mx;
        }
        break;
      }
      case ColumnType::kTimestampMicros:
        if (acc.int_min) min_values[f.name] = FormatIsoMillis(*acc.int_min), max_values[f.name] = FormatIsoMillis(*acc.int_max);
        break;
      case ColumnType::kDate:
        if (acc.int_min) {
          min_values[f.name] = FormatIsoDate(static_cast<int32_t>(*acc.int_min));
          max_values[f.name] = FormatIsoDate(static_cast<int32_t>(*acc.int_max));
        }
        break;
    }
  }
  json::object stats;
  stats["numRecords"] = rows_;
  stats["minValues"] = std::move(min_values);
  stats["maxValues"] = std::move(max_values);
  stats["nullCount"] = std::move(null_count);
  return json::serialize(stats);
}

std::string ComputeStats(const ColumnBatch& batch) {
  StatsAccumulator stats(batch.schema());
  stats.Add(batch);
  return stats.Json();
}

namespace {
std::optional<int64_t> TimeValue(const json::value& v, ColumnType type) {
  if (type == ColumnType::kTimestampMicros) {
    if (!v.is_string()) return std::nullopt;
    auto t = ParseIsoUtc(std::string_view(v.get_string()));
    if (!t) return std::nullopt;
    return *t;
  }
  return JsonInt64(v);
}
}  // namespace

std::optional<TimeBounds> ReadTimeBounds(std::string_view stats_json, std::string_view column, ColumnType type) {
  if (stats_json.empty()) return std::nullopt;
  if (type != ColumnType::kTimestampMicros && type != ColumnType::kInt64) return std::nullopt;
  auto doc = ParseJsonDocument(stats_json, "stats");
  if (!doc || !doc->is_object()) return std::nullopt;
  const auto& obj = doc->get_object();
  auto mins = obj.find("minValues");
  auto maxs = obj.find("maxValues");
  if (mins == obj.end() || maxs == obj.end() || !mins->value().is_object() || !maxs->value().is_object()) {
    return std::nullopt;
  }
  auto mn_it = mins->value().get_object().find(column);
  auto mx_it = maxs->value().get_object().find(column);
  if (mn_it == mins->value().get_object().end() || mx_it == maxs->value().get_object().end()) return std::nullopt;
  auto mn = TimeValue(mn_it->value(), type);
  auto mx = TimeValue(mx_it->value(), type);
  if (!mn || !mx) return std::nullopt;
  TimeBounds b{*mn, *mx};
  if (type == ColumnType::kTimestampMicros && b.max <= INT64_MAX - 999) b.max += 999;
  return b;
}

std::optional<int64_t> ReadNumRecords(std::string_view stats_json) {
  if (stats_json.empty()) return std::nullopt;
  auto doc = ParseJsonDocument(stats_json, "stats");
  if (!doc || !doc->is_object()) return std::nullopt;
  auto it = doc->get_object().find("numRecords");
  if (it == doc->get_object().end()) return std::nullopt;
  return JsonInt64(it->value());
}

}  // namespace rc::lake::delta::internal
