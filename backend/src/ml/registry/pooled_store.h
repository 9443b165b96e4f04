// File: ml/registry/pooled_store.h
//
// The pooled (global) models in the experiment registry: one learner per
// (timeframe, horizon), fitted once over every series by `train --pooled` and
// shared by those series' experiments (each records the id it was trained
// with, parameters.pooled.model_id, and serving loads that one).
//   experiments/pooled/<tf>-<h>m/<id>/record.json   PooledModelRecord
//   experiments/pooled/<tf>-<h>m/<id>/model/        the learner (Model::Save)
//   experiments/pooled/<tf>-<h>m/current.json       {"id": the newest}
// An id's folder is written to a staging folder and renamed, so it is either
// complete or absent; current.json is replaced atomically. The registry's
// List/Prune see only experiment folders (with record.json at the top), so
// pooled models are listed here and never pruned as experiments.
//
//   rc::ml::PooledModelStore store(settings.data_dir);
//   RC_ASSIGN_OR_RETURN(std::string id, store.Record(record, *fit.model));
//   RC_ASSIGN_OR_RETURN(auto loaded, store.Load("5m", 180, id));
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/error.h"
#include "ml/models/model.h"

namespace rc::ml {

struct PooledModelRecord {
  std::string id;                          // set by Record
  std::string timeframe;                   // canonical ("5m")
  int horizon_minutes = 0;
  int horizon_bars = 0;
  int64_t created_at = 0;                  // UTC micros
  std::string learner;                     // ridge | gbdt
  std::vector<std::string> series;         // the series fitted on, in the order the cross-section sums them
  int64_t first_ts = 0, last_ts = 0;       // bar times of the oldest and newest row fitted on
  int64_t train_rows = 0;
  // Per series: the out-of-fold pooled forecasts (time-cut walk-forward) scored
  // against the random walk, MAPE / naive MAPE (NaN without scored bars), and n.
  std::map<std::string, double> oof_mape_ratio;
  std::map<std::string, int64_t> oof_n;
  boost::json::object parameters;          // time-cut options, until
  boost::json::object model;               // the learner's Describe()

  boost::json::object ToJson() const;
  static Result<PooledModelRecord> FromJson(const boost::json::object& obj);
};

struct LoadedPooledModel {
  PooledModelRecord record;
  std::shared_ptr<const Model> learner;
};

struct ExperimentRecord;

// What a series' experiment records of the pooled model it was trained with:
// {"pooled": {"model_id", "learner"}}, merged into its parameters (serving
// loads parameters.pooled.model_id).
boost::json::object PooledExperimentParameters(const PooledModelRecord& record);
// The pooled model id an experiment was trained with, "" when it names none.
std::string PooledModelIdOf(const ExperimentRecord& record);
// True when the experiment's ensemble has the pooled family.
bool HasPooledFamily(const ExperimentRecord& record);

class PooledModelStore {
 public:
  // `data_dir` is Settings::data_dir (the store lives in data_dir/experiments/pooled).
  explicit PooledModelStore(std::filesystem::path data_dir);

  // Writes the record (id assigned from created_at) and the learner, then makes
  // it the current model of its (timeframe, horizon). Returns the id.
  // Errors: kInvalidArgument "timeframe" / "horizon_minutes" / "series"; kIo.
  Result<std::string> Record(PooledModelRecord record, const Model& learner);

  // The id current.json names. Errors: kNotFound when none was recorded.
  Result<std::string> CurrentId(const std::string& timeframe, int horizon_minutes) const;
  // Errors: kInvalidArgument "id" (not a plain folder name); kNotFound; kDataCorrupt.
  Result<PooledModelRecord> LoadRecord(const std::string& timeframe, int horizon_minutes, const std::string& id) const;
  // The record and its learner, ready to predict. Errors: as LoadRecord, the learner's Load.
  Result<LoadedPooledModel> Load(const std::string& timeframe, int horizon_minutes, const std::string& id) const;

 private:
  std::filesystem::path KeyDir(const std::string& timeframe, int horizon_minutes) const;
  std::filesystem::path root_;
};

}  // namespace rc::ml
