// File: ml/pooled/time_cut.h
//
// Walk-forward folds of the pooled model, cut on TIME across every series.
// Block k predicts the bars of every series with ts in [test_begin_ts,
// test_end_ts) and trains on the bars (of every series) whose label had fully
// realized before test_begin_ts: row i of a series is in training only when
// its horizon's last bar, ts[i + h], opened before the block starts, which
// also puts ts[i] + embargo (h bars) before it. So no series' return over
// (t, t + h] is in the training set of any series' prediction at t: a
// symbol's future cannot leak through another symbol's row at the same time.
//
//   RC_ASSIGN_OR_RETURN(auto blocks, rc::ml::PlanTimeCutBlocks(series, {.min_train_rows = 1000}));
//   for (const PooledBlock& b : blocks) b.train_rows[s], b.test_rows[s]
#pragma once

#include <cstdint>
#include <vector>

#include "core/error.h"
#include "ml/pooled/pooled_features.h"

namespace rc::ml {

struct TimeCutOptions {
  int min_train_rows = 1000;     // labelled rows (all series) before the first block. >= 50
  int block_timestamps = 250;    // distinct timestamps per block (the pooled retrain cadence). >= 1
};

// OK or kInvalidArgument naming "min_train_rows" / "block_timestamps".
Status ValidateTimeCutOptions(const TimeCutOptions& options);

struct PooledBlock {
  int64_t test_begin_ts = 0, test_end_ts = 0;     // test bars: ts in [begin, end)
  int64_t embargo_us = 0;                         // horizon_bars x the smallest bar spacing
  std::vector<std::vector<size_t>> train_rows;    // per series, rows with ts[i + h] < test_begin_ts
  std::vector<std::vector<size_t>> test_rows;     // per series
};

// Blocks of `block_timestamps` consecutive timestamps of the union of every
// series' bars, from the first timestamp by which `min_train_rows` labels have
// realized to the last bar. Errors: kInvalidArgument from the options, "series"
// when empty or with no two bars to infer a spacing from, "rows" when the
// series never reach min_train_rows realized labels.
Result<std::vector<PooledBlock>> PlanTimeCutBlocks(const std::vector<PooledSeries>& series,
                                                   const TimeCutOptions& options);

}  // namespace rc::ml
