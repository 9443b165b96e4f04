#include "lake/delta/internal/stats.h"

#include <boost/json.hpp>
#include <cmath>

#include "core/json_fields.h"
#include "core/strings.h"
#include "core/time.h"

namespace rc::lake::delta::internal {
namespace json = boost::json;
namespace {

constexpr size_t kMaxStringStatBytes = 32;

template <typename T>
void MinMax(const std::vector<T>& values, const Column& col, std::optional<T>& mn, std::optional<T>& mx) {
  for (size_t i = 0; i < values.size(); ++i) {
    if (col.IsNull(i)) continue;
    const T& v = values[i];
    if (!mn || v < *mn) mn = v;
    if (!mx || *mx < v) mx = v;
  }
}

}  // namespace

std::string ComputeStats(const ColumnBatch& batch) {
  json::object min_values;
  json::object max_values;
  json::object null_count;
  const Schema& schema = batch.schema();
  for (size_t c = 0; c < schema.fields.size(); ++c) {
    const Field& f = schema.fields[c];
    const Column& col = batch.column(c);
    int64_t nulls = 0;
    for (size_t r = 0; r < batch.num_rows(); ++r) nulls += col.IsNull(r) ? 1 : 0;
    null_count[f.name] = nulls;
    switch (f.type) {
      case ColumnType::kBool:
        break;  // Spark collects no min/max for booleans.
      case ColumnType::kInt32: {
        std::optional<int32_t> mn, mx;
        MinMax(batch.Int32s(c), col, mn, mx);
        if (mn) min_values[f.name] = *mn, max_values[f.name] = *mx;
        break;
      }
      case ColumnType::kInt64: {
        std::optional<int64_t> mn, mx;
        MinMax(batch.Int64s(c), col, mn, mx);
        if (mn) min_values[f.name] = *mn, max_values[f.name] = *mx;
        break;
      }
      case ColumnType::kFloat:
      case ColumnType::kDouble: {
        std::optional<double> mn, mx;
        bool non_finite = false;
        for (size_t r = 0; r < batch.num_rows(); ++r) {
          if (col.IsNull(r)) continue;
          double v = f.type == ColumnType::kFloat ? static_cast<double>(batch.Floats(c)[r]) : batch.Doubles(c)[r];
          if (!std::isfinite(v)) {
            non_finite = true;
            break;
          }
          if (!mn || v < *mn) mn = v;
          if (!mx || v > *mx) mx = v;
        }
        if (mn && !non_finite) min_values[f.name] = *mn, max_values[f.name] = *mx;
        break;
      }
      case ColumnType::kString: {
        std::optional<std::string> mn, mx;
        MinMax(batch.Strings(c), col, mn, mx);
        // Only valid UTF-8 can go into JSON (Boost.JSON escapes controls).
        if (mn && mn->size() <= kMaxStringStatBytes && mx->size() <= kMaxStringStatBytes && IsValidUtf8(*mn) &&
            IsValidUtf8(*mx)) {
          min_values[f.name] = *mn, max_values[f.name] = *mx;
        }
        break;
      }
      case ColumnType::kTimestampMicros: {
        std::optional<int64_t> mn, mx;
        MinMax(batch.Int64s(c), col, mn, mx);
        if (mn) min_values[f.name] = FormatIsoMillis(*mn), max_values[f.name] = FormatIsoMillis(*mx);
        break;
      }
      case ColumnType::kDate: {
        std::optional<int32_t> mn, mx;
        MinMax(batch.Int32s(c), col, mn, mx);
        if (mn) min_values[f.name] = FormatIsoDate(*mn), max_values[f.name] = FormatIsoDate(*mx);
        break;
      }
    }
  }
  json::object stats;
  stats["numRecords"] = static_cast<int64_t>(batch.num_rows());
  stats["minValues"] = std::move(min_values);
  stats["maxValues"] = std::move(max_values);
  stats["nullCount"] = std::move(null_count);
  return json::serialize(stats);
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
