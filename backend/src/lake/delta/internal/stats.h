// File: lake/delta/internal/stats.h
// add.stats (docs/formats.md §2.4): computed from the rows of one data file, and
// read back for file skipping.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "lake/column_batch.h"

namespace rc::lake::delta::internal {

// {"numRecords":N,"minValues":{...},"maxValues":{...},"nullCount":{...}} for
// the columns of `batch` (always all four keys). min/max are written for
// numbers, dates, timestamps (FormatIsoMillis in core/time.h, "...T08:09:10.000Z", min truncated
// down and max truncated down as Spark does) and strings of at most 32 bytes;
// non-finite doubles and NaN drop the column's min/max.
std::string ComputeStats(const ColumnBatch& batch);

// ComputeStats of a file written in chunks: Add each chunk's rows (batches of
// the schema given), then Json() is what ComputeStats of all the rows at once
// would give (min of the mins, max of the maxes, summed null counts; a double
// column with a NaN or infinity in any chunk has no min/max).
class StatsAccumulator {
 public:
  explicit StatsAccumulator(const Schema& schema);
  void Add(const ColumnBatch& batch);
  std::string Json() const;

 private:
  struct ColumnStats {
    int64_t nulls = 0;
    std::optional<int64_t> int_min, int_max;  // int32, int64, date, timestamp
    std::optional<double> double_min, double_max;
    bool non_finite = false;
    std::optional<std::string> string_min, string_max;
  };
  Schema schema_;
  int64_t rows_ = 0;
  std::vector<ColumnStats> columns_;
};

// Time bounds of `column` from a stats JSON string, as UTC microseconds; the
// max is widened by 999 us to undo the ms truncation. nullopt when the stats
// are absent, malformed or lack the column (the file must then be read).
struct TimeBounds {
  int64_t min = 0;
  int64_t max = 0;
};
std::optional<TimeBounds> ReadTimeBounds(std::string_view stats_json, std::string_view column, ColumnType type);

// numRecords from a stats JSON string, nullopt when unknown.
std::optional<int64_t> ReadNumRecords(std::string_view stats_json);

}  // namespace rc::lake::delta::internal
