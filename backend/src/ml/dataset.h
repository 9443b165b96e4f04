// File: ml/dataset.h
//
// The training/prediction input of every model family: one row per bar, time
// ordered. Built by the caller from any column source through BuildDataset
// (silver, a CSV, a simulator), so wiring a new source is a few lines:
//
//   rc::regime::ColumnTable t;  t.ts = ...;  t.columns["close"] = ...;  t.columns["ret_1"] = ...;
//   t.columns["target_ret_180m"] = ...;
//   RC_ASSIGN_OR_RETURN(int h, rc::ml::HorizonBars(rc::Timeframe::k5m, 180));          // 36
//   rc::ml::DatasetSpec spec{.feature_names = {"ret_1", "ret_12", "rv_20"}, .horizon_bars = h,
//                            .target_column = rc::ml::TargetColumnName(180)};
//   RC_ASSIGN_OR_RETURN(rc::ml::Dataset ds, rc::ml::BuildDataset(t, spec));            // regimes detected too
#pragma once

#include <Eigen/Dense>
#include <cstdint>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/timeframe.h"
#include "features/targets.h"
#include "regime/column_table.h"
#include "regime/detector.h"
#include "regime/regime.h"

namespace rc::ml {

struct Dataset {
  std::vector<int64_t> ts;                 // bar open time, UTC micros, strictly increasing
  Eigen::MatrixXd X;                       // rows = bars, cols = features; NaN allowed (row not trainable)
  std::vector<std::string> feature_names;  // X's columns, in order
  Eigen::VectorXd y;                       // forward log return over horizon_bars; NaN at the tail
  std::vector<double> last_close;          // close of the bar (the price the prediction starts from)
  std::vector<regime::Regime> regime;      // regime of the bar (causal detector output)
  std::vector<double> regime_confidence;   // confidence of `regime`, in [0,1]
  int horizon_bars = 1;                    // >= 1

  size_t rows() const { return ts.size(); }
  // True when row `row` has every feature finite (it can be fed to every family).
  bool FeaturesFinite(size_t row) const;
  // True when the row can be trained on: finite features and finite target.
  bool Trainable(size_t row) const;
  // Rows [begin, end) as a new Dataset (same horizon and feature names).
  Dataset Slice(size_t begin, size_t end) const;
  // OK when every per-row vector has rows() entries, X has feature_names.size()
  // columns, ts is strictly increasing, closes are positive and horizon_bars >= 1.
  // Errors: kInvalidArgument naming the field ("ts", "X", "last_close", ...).
  Status Validate() const;
};

struct DatasetSpec {
  std::vector<std::string> feature_names;   // model feature columns, in order; must be non-empty
  int horizon_bars = 1;                     // >= 1, see HorizonBars
  std::string target_column;                // e.g. "target_ret_180m"; empty = no target (all NaN, predict only)
  std::string close_column = "close";
  regime::RegimeColumnNames regime_columns; // used when regimes are detected from the table
  regime::DetectorOptions detector;         // idem
  // When false, regimes come from `regimes` passed to BuildDataset instead of the detector.
  bool detect_regimes = true;
};

// Builds a Dataset from named columns. Regimes are detected from the table's
// regime columns (a missing one is an error) unless spec.detect_regimes is false,
// in which case `regimes` must have one entry per row (or be empty = all unknown).
// Errors: kInvalidArgument naming the missing/ragged column, "ts" when out of
// order, "feature_names" when empty, "horizon_bars" when < 1, "regimes" on a
// length mismatch, "close" when a close is not positive/finite.
Result<Dataset> BuildDataset(const regime::ColumnTable& table, const DatasetSpec& spec,
                             const std::vector<regime::Regime>& regimes = {});

// Horizon in bars of trading time (180 minutes on 5m bars = 36 bars) and the
// silver target column name ("target_ret_180m"): the feature library's
// definitions, so training and silver can never disagree on them.
using features::HorizonBars;
using features::TargetColumnName;

}  // namespace rc::ml
