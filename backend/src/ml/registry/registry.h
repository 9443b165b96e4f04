// File: ml/registry/registry.h
//
// The experiment registry under <data_dir>/experiments (docs/architecture.md §6):
//   experiments/<id>/record.json         the ExperimentRecord
//   experiments/<id>/calibration.json    the band calibration (also in the record)
//   experiments/<id>/models/<family>/    each family's artifacts (Model::Save)
//   experiments/index.json               per (symbol, timeframe, horizon): champion,
//                                        challenger, active experiment + weights, curated override
//   experiments/audit.jsonl              curate / uncurate / prune, who/when/why
// index.json is rewritten atomically (temp + fsync + rename); mutations take an
// exclusive flock on experiments/.lock so the CLI and the server can share it.
//
//   rc::ml::ExperimentRegistry reg(settings.data_dir);
//   RC_ASSIGN_OR_RETURN(std::string id, reg.Record(record, &training_result));
//   RC_ASSIGN_OR_RETURN(auto entry, reg.Entry(key));
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/thread_annotations.h"
#include "ml/gating.h"
#include "ml/models/model.h"
#include "ml/registry/experiment_record.h"
#include "ml/training/walk_forward.h"

namespace rc::ml {

struct ModelRef {
  std::string experiment_id;
  std::string family;
  double primary = 0;  // its mean out-of-fold primary metric (loss-oriented)
};

struct CuratedOverride {
  std::string experiment_id;              // the curated experiment's folder
  std::map<std::string, double> weights;  // the `families` weights
  std::string who, why;
  int64_t when = 0;
};

struct IndexEntry {
  ExperimentKey key;
  std::optional<ModelRef> champion, challenger;
  std::string active_experiment;          // whose models and weights predictions use
  GatingTable gating;                     // the active experiment's computed weights
  std::optional<CuratedOverride> curated; // wins over `gating` until removed
  int64_t updated_at = 0;

  // The entry as stored in index.json (also the API's /api/models item).
  boost::json::object ToJson() const;
};

struct PruneReport {
  std::vector<std::string> removed;       // (or would be, on a dry run)
  std::map<std::string, std::string> kept;  // id -> why kept ("champion of TCS.NS|5m|180", "newer than N days")
  std::string backup_path;                // empty on a dry run or when nothing was removed
  bool dry_run = false;
};

class ExperimentRegistry {
 public:
  // `data_dir` is Settings::data_dir; the registry lives in data_dir/experiments.
  explicit ExperimentRegistry(std::filesystem::path data_dir);

  const std::filesystem::path& root() const { return root_; }

  // Writes the experiment folder (record, calibration and, when `result` is
  // given, every successful family's final model) and updates the index:
  //  - orchestrator: becomes the active experiment; champion/challenger = its own.
  //  - single: its best family is ranked against the key's current champion and
  //    challenger by the primary metric (lower wins) and slots in; it becomes
  //    active only when the key had none.
  // Errors: kInvalidArgument ("record.id", "record.kind"), kIo.
  Result<std::string> Record(const ExperimentRecord& record, const TrainingResult* result);

  Result<ExperimentRecord> Load(const std::string& id) const;
  // Every experiment, oldest first (records that fail to parse are skipped).
  Result<std::vector<ExperimentRecord>> List() const;
  // The whole index (empty when none exists yet).
  Result<std::map<ExperimentKey, IndexEntry>> ReadIndex() const;
  // kNotFound when the key has no experiment.
  Result<IndexEntry> Entry(const ExperimentKey& key) const;

  // Loads the families' models of an experiment (for predictions).
  Result<std::map<std::string, std::shared_ptr<Model>>> LoadModels(const ExperimentRecord& record) const;

  // Records a curated experiment whose hand-set `families` weights override the
  // computed ones for `key` until Uncurate. Weights are validated against the
  // families trained in the key's active experiment (ValidateManualWeights).
  // `who` and `why` are required. Errors: kNotFound (no active experiment),
  // kInvalidArgument "weights[.family]" / "who" / "why".
  Result<std::string> Curate(const ExperimentKey& key, const std::map<std::string, double>& weights,
                             const std::string& who, const std::string& why, int64_t now);
  // Removes the key's curated override (the curated folder stays, unprotected,
  // for the audit trail). Errors: kNotFound when there is none.
  Status Uncurate(const ExperimentKey& key, const std::string& who, const std::string& why, int64_t now);

  // Writes <data_dir>/experiments-YYYYMMDD.tgz (-2, -3 ... when that exists).
  // Restore: tar -xzf <file> -C <data_dir>. Returns the path.
  Result<std::string> Backup(int64_t now) const;

  // Removes experiments older than `older_than_days` (all unprotected ones when
  // absent), never the champion, challenger, active or curated experiment of
  // any key. Backs up first (unless dry_run or nothing to remove).
  Result<PruneReport> Prune(std::optional<int> older_than_days, bool dry_run, int64_t now, const std::string& who);

 private:
  // The exclusive flock on experiments/.lock, as the thread-safety analysis
  // sees it: index and audit writes happen only while it is held.
  class RC_CAPABILITY("file lock") FileLock {};
  class RC_SCOPED_CAPABILITY ScopedFileLock;

  Status WriteIndex(const std::map<ExperimentKey, IndexEntry>& index) const RC_REQUIRES(file_lock_);
  Status Audit(const std::string& action, const std::string& who, const std::string& why, int64_t now,
               const std::string& detail) const RC_REQUIRES(file_lock_);

  std::filesystem::path data_dir_;
  std::filesystem::path root_;
  mutable FileLock file_lock_;
};

// Parses "naive=0.2,ridge=0.8". Errors: kInvalidArgument "weights".
Result<std::map<std::string, double>> ParseWeights(const std::string& text);

}  // namespace rc::ml
