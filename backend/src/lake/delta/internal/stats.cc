#include "lake/delta/internal/stats.h"

#include <boost/json.hpp>
#include <cmath>
#include <cstdio>

#include "core/time.h"
#include "lake/delta/internal/json_util.h"

namespace rc::lake::delta::internal {
namespace json = boost::json;
namespace {

constexpr size_t kMaxStringStatBytes = 32;

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

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

std::string FormatDate(int32_t days) {
  // civil_from_days (Howard Hinnant's algorithm).
  int64_t z = static_cast<int64_t>(days) + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t d = doy - (153 * mp + 2) / 5 + 1;
  int64_t m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
  char buf[80];
  std::snprintf(buf, sizeof(buf), "%04lld-%02lld-%02lld", static_cast<long long>(y), static_cast<long long>(m),
                static_cast<long long>(d));
  return buf;
}

std::string FormatIsoMillis(int64_t micros) {
  int64_t ms = FloorDiv(micros, 1000);
  int64_t secs = FloorDiv(ms, 1000);
  int64_t frac = ms - secs * 1000;
  int64_t days = FloorDiv(secs, 86400);
  int64_t sod = secs - days * 86400;
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%sT%02lld:%02lld:%02lld.%03lldZ", FormatDate(static_cast<int32_t>(days)).c_str(),
                static_cast<long long>(sod / 3600), static_cast<long long>((sod / 60) % 60),
                static_cast<long long>(sod % 60), static_cast<long long>(frac));
  return buf;
}

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
        if (mn) min_values[f.name] = FormatDate(*mn), max_values[f.name] = FormatDate(*mx);
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
  return AsInt64(v);
}
}  // namespace

std::optional<TimeBounds> ReadTimeBounds(std::string_view stats_json, std::string_view column, ColumnType type) {
  if (stats_json.empty()) return std::nullopt;
  if (type != ColumnType::kTimestampMicros && type != ColumnType::kInt64) return std::nullopt;
  auto doc = ParseJson(stats_json, "stats");
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
  auto doc = ParseJson(stats_json, "stats");
  if (!doc || !doc->is_object()) return std::nullopt;
  auto it = doc->get_object().find("numRecords");
  if (it == doc->get_object().end()) return std::nullopt;
  return AsInt64(it->value());
}

}  // namespace rc::lake::delta::internal
