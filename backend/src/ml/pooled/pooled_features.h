// File: ml/pooled/pooled_features.h
//
// The inputs of the pooled (global) model: every series of the lake on one
// scale. Each row's features and target are divided by the series' own
// trailing volatility at that bar (closes up to the bar only, the same
// `TrailingVolPerBar` the bands scale by), so TCS and a simulator series with
// 3x its volatility land on the same axes and one model can learn from both.
// Cross-sectional features (the mean normalised return over every series with
// a bar at the same timestamp) use bars closed by that timestamp only.
//
//   std::vector<rc::ml::PooledSeries> series = {PooledSeriesFromDataset("TCS.NS", tcs), ...};
//   RC_ASSIGN_OR_RETURN(auto features, rc::ml::BuildPooledFeatures(series));
//   features[0].X.row(t), features[0].z[t], features[0].scale[t]
#pragma once

#include <Eigen/Dense>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "core/error.h"
#include "ml/dataset.h"

namespace rc::ml {

// One series as the pooled model sees it: time-ordered bars, their closes and
// the forward log return over the horizon (NaN where it has not realized).
struct PooledSeries {
  std::string name;              // e.g. "TCS.NS"
  std::vector<int64_t> ts;       // bar open time, UTC micros, strictly increasing
  std::vector<double> close;     // > 0
  std::vector<double> y;         // forward log return over horizon_bars; NaN at the tail
  int horizon_bars = 1;          // the same for every series of one pooled run
};

PooledSeries PooledSeriesFromDataset(std::string name, const Dataset& dataset);

// The normalised rows of one series (one per bar, same order as its input).
struct PooledFeatures {
  Eigen::MatrixXd X;             // PooledFeatureNames() columns; NaN during warm-up
  std::vector<double> z;         // target: y / scale, clipped to +-kPooledClip; NaN when y or scale is
  std::vector<double> scale;     // sigma_t * sqrt(horizon_bars): a normalised forecast times this is a log return
};

inline constexpr double kPooledClip = 8.0;  // normalised values beyond +-8 sigma are clipped (outliers, splits)

// Own returns over 1/3/12/36 bars in sigma units, log(sigma_20 / sigma_250),
// the cross-sectional mean of the 1- and 12-bar normalised returns at the same
// timestamp, and the 12-bar return relative to that mean.
const std::vector<std::string>& PooledFeatureNames();

// Rows with ts < `from_ts` are left NaN and stay out of the cross-section,
// which changes no row at or after it (each row reads closes up to itself and
// the cross-section at its own ts): serving asks for the newest bar only.
// Errors: kInvalidArgument naming "series" (empty), "series[i].ts" (ragged or
// out of order), "series[i].close" (not positive) or "series[i].horizon_bars"
// (< 1 or different from series[0]'s).
Result<std::vector<PooledFeatures>> BuildPooledFeatures(const std::vector<PooledSeries>& series,
                                                        int64_t from_ts = std::numeric_limits<int64_t>::min());

}  // namespace rc::ml
