#include "ml/pooled/time_cut.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace rc::ml {
namespace {

// Open time of the last bar of row i's label (ts[i + h]), or INT64_MAX when
// the label runs past the data (it never realizes inside this run).
std::vector<int64_t> LabelEnds(const PooledSeries& s) {
  const size_t h = static_cast<size_t>(s.horizon_bars);
  std::vector<int64_t> ends(s.ts.size(), std::numeric_limits<int64_t>::max());
  for (size_t row = 0; row + h < s.ts.size(); ++row) {
    if (std::isfinite(s.y[row])) ends[row] = s.ts[row + h];
  }
  return ends;
}

}  // namespace

Status ValidateTimeCutOptions(const TimeCutOptions& o) {
  if (o.min_train_rows < 50) return InvalidArgument("min_train_rows", "must be >= 50");
  if (o.block_timestamps < 1) return InvalidArgument("block_timestamps", "must be >= 1");
  return Ok();
}

Result<std::vector<PooledBlock>> PlanTimeCutBlocks(const std::vector<PooledSeries>& series,
                                                   const TimeCutOptions& o) {
  RC_RETURN_IF_ERROR(ValidateTimeCutOptions(o));
  if (series.empty()) return InvalidArgument("series", "needs at least one series");
  int64_t spacing = std::numeric_limits<int64_t>::max();
  std::vector<int64_t> all_ts;
  std::vector<std::vector<int64_t>> ends;
  for (const PooledSeries& s : series) {
    for (size_t row = 1; row < s.ts.size(); ++row) spacing = std::min(spacing, s.ts[row] - s.ts[row - 1]);
    all_ts.insert(all_ts.end(), s.ts.begin(), s.ts.end());
    ends.push_back(LabelEnds(s));
  }
  if (spacing == std::numeric_limits<int64_t>::max() || spacing <= 0) {
    return InvalidArgument("series", "needs a series with two bars to infer the bar spacing");
  }
  std::sort(all_ts.begin(), all_ts.end());
  all_ts.erase(std::unique(all_ts.begin(), all_ts.end()), all_ts.end());
  const int64_t embargo = static_cast<int64_t>(series[0].horizon_bars) * spacing;

  // Rows in training for a block starting at `begin` (label realized strictly before it).
  auto train_rows_at = [&](int64_t begin, size_t s) {
    std::vector<size_t> rows;
    for (size_t row = 0; row < ends[s].size(); ++row) {
      // The second condition is implied by the first on any bar spacing >= `spacing`;
      // it is stated so the embargo holds whatever the calendar did.
      if (ends[s][row] < begin && series[s].ts[row] + embargo < begin) rows.push_back(row);
    }
    return rows;
  };
  auto realized_before = [&](int64_t begin) {
    size_t n = 0;
    for (const auto& e : ends) n += static_cast<size_t>(std::count_if(e.begin(), e.end(), [&](int64_t v) { return v < begin; }));
    return n;
  };
  // The first block starts at the first timestamp with enough realized labels (binary search: monotone).
  size_t lo = 0, hi = all_ts.size();
  while (lo < hi) {
    const size_t mid = (lo + hi) / 2;
    if (realized_before(all_ts[mid]) >= static_cast<size_t>(o.min_train_rows)) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  if (lo == all_ts.size()) {
    return InvalidArgument("rows", "the series never reach " + std::to_string(o.min_train_rows) +
                                       " realized labels before their last bar");
  }
  std::vector<PooledBlock> blocks;
  for (size_t start = lo; start < all_ts.size(); start += static_cast<size_t>(o.block_timestamps)) {
    const size_t stop = std::min(all_ts.size(), start + static_cast<size_t>(o.block_timestamps));
    PooledBlock b;
    b.test_begin_ts = all_ts[start];
    b.test_end_ts = stop < all_ts.size() ? all_ts[stop] : all_ts.back() + 1;
    b.embargo_us = embargo;
    for (size_t s = 0; s < series.size(); ++s) {
      b.train_rows.push_back(train_rows_at(b.test_begin_ts, s));
      std::vector<size_t> test;
      const auto& ts = series[s].ts;
      auto first = std::lower_bound(ts.begin(), ts.end(), b.test_begin_ts);
      auto last = std::lower_bound(ts.begin(), ts.end(), b.test_end_ts);
      for (auto it = first; it != last; ++it) test.push_back(static_cast<size_t>(it - ts.begin()));
      b.test_rows.push_back(std::move(test));
    }
    blocks.push_back(std::move(b));
  }
  return blocks;
}

}  // namespace rc::ml
