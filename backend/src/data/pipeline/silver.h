// File: data/pipeline/silver.h
//
// Silver: regular-session bronze bars + the feature set's columns + forward
// log-return targets per horizon. The features come from features::FeatureSet
// (the same code the live service streams through), the targets from
// features::ForwardLogReturns; targets never enter features.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/symbol.h"
#include "core/timeframe.h"
#include "data/pipeline/bronze.h"
#include "features/feature_set.h"

namespace rc::data::pipeline {

struct SilverResult {
  std::vector<Bar> bars;                    // the regular-session bars, ascending
  features::FeatureTable features;          // one column per feature-set column
  std::vector<std::pair<std::string, std::vector<double>>> targets;  // target_ret_<H>m -> values (NaN = unknown)
  std::string feature_set_version;          // e.g. "core_v1"
};

// Builds silver from ALL of a partition's bronze bars (only regular-session bars
// are used). Errors: kInvalidArgument (field "horizon") for a horizon that is not
// a positive multiple of the timeframe.
// The symbol selects the exchange calendar for session-anchored features.
Result<SilverResult> BuildSilver(const Symbol& symbol, Timeframe tf, const std::vector<BronzeBar>& bronze,
                                 const features::FeatureSet& set, const std::vector<int>& horizons_minutes);
// BuildSilver without computing the features (`features` stays empty), from
// the regular-session bars: the bars, targets and version that a chunked
// build (SilverChunks in data/pipeline/lake_rows.h) computes the features
// beside. Errors: as BuildSilver.
Result<SilverResult> BuildSilverWithoutFeatures(Timeframe tf, std::vector<Bar> regular_bars,
                                                const features::FeatureSet& set,
                                                const std::vector<int>& horizons_minutes);
// The bars of the regular-session rows of `bronze`, in order (silver's rows).
std::vector<Bar> RegularBars(const std::vector<BronzeBar>& bronze);

}  // namespace rc::data::pipeline
