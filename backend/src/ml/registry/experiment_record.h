// File: ml/registry/experiment_record.h
//
// What an experiment folder's record.json holds (docs/architecture.md §6): kind, the
// pinned input data version, parameters, per-family metrics (overall, per fold,
// per regime), gating weights, band calibration and the champion/challenger
// decision; for curated experiments the hand-set weights and their audit.
//
//   ExperimentRecord rec = MakeExperimentRecord(result, key, "orchestrator", data_version, options, now);
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "ml/bands.h"
#include "ml/gating.h"
#include "ml/training/walk_forward.h"

namespace rc::ml {

// (symbol, timeframe, horizon): what the index is keyed by.
struct ExperimentKey {
  std::string symbol;      // validated by the caller (core/symbol.h)
  std::string timeframe;   // canonical ("5m")
  int horizon_minutes = 0;

  std::string ToString() const;  // "TCS.NS|5m|180"
  static Result<ExperimentKey> Parse(const std::string& text);
  // The key from user input (CLI flags, API bodies): symbol and timeframe
  // canonicalised, horizon a positive multiple of the timeframe.
  // Errors: kInvalidArgument naming "symbol", "timeframe" or "horizon_minutes".
  static Result<ExperimentKey> FromInput(std::string_view symbol, std::string_view timeframe, int64_t horizon_minutes);
  auto operator<=>(const ExperimentKey&) const = default;
};

// The input the experiment trained on: an opaque lake table version (the
// silver Delta version) and the silver identity (table path, feature_set
// version), plus the time range, so (lake version, experiment id) reproduces it.
struct DataVersion {
  std::string lake_table_version;
  std::string silver_identity;
  int64_t first_ts = 0, last_ts = 0, rows = 0;
};

struct CuratedInfo {
  std::map<std::string, double> weights;  // family -> weight, validated, sums to 1
  std::string who, why;
  int64_t when = 0;                       // UTC micros
  std::string base_experiment;            // the active experiment whose models the weights combine
};

struct ExperimentRecord {
  std::string id;
  std::string kind;                       // "orchestrator" | "single" | "curated"
  ExperimentKey key;
  int horizon_bars = 0;
  int64_t created_at = 0;                 // UTC micros
  DataVersion data;
  boost::json::object parameters;         // the walk-forward options
  std::vector<std::string> feature_names;
  std::vector<std::string> families;      // families with artifacts (trained OK)
  std::map<std::string, std::string> failed;  // family -> error
  std::string primary_metric;
  std::map<std::string, double> primary_by_family;  // mean over folds, loss-oriented
  std::string champion, challenger;
  GatingTable gating;
  BandCalibration calibration;
  boost::json::object metrics;            // per family: overall, folds, regimes; plus "ensemble"
  boost::json::array folds;               // fold boundaries (rows and ts)
  std::optional<CuratedInfo> curated;

  boost::json::object ToJson() const;
  static Result<ExperimentRecord> FromJson(const boost::json::object& obj);
};

// Builds the record of a walk-forward run (id and created_at set from `now`).
ExperimentRecord MakeExperimentRecord(const TrainingResult& result, const ExperimentKey& key, const std::string& kind,
                                      const DataVersion& data, const WalkForwardOptions& options, int64_t now);

// "20240607T101500Z-orchestrator-TCS.NS-5m-180m-3f9a": sortable by time, unique.
std::string NewExperimentId(const ExperimentKey& key, const std::string& kind, int64_t now);

}  // namespace rc::ml
