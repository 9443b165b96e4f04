// File: data/pipeline/append.h
//
// The live loop's raw -> bronze -> silver without partition rewrites. A bar
// close used to run RunPipeline, which rebuilds a changed partition from all
// its rows: each close rewrote the series' whole bronze and silver partitions,
// so its work and the lake's replaced files grew with the session
// (docs/benchmarks.md "### Soak"). LiveAppender keeps, per series, what the
// next bars need in memory — the streaming feature state (features/
// feature_set.h: the same code Compute folds through), the newest bronze bar
// and the silver rows whose forward-return targets still wait for bars — and
// each close commits only:
//
//   - bronze: a new file with the new bars (BuildBronze over the raw rows after
//     the newest bronze bar; the gap rule continues from the newest regular one);
//   - silver: the new rows' features from the state, and the tail of rows whose
//     targets change (the last HorizonBars(longest horizon) rows) rewritten: one
//     file of rows now settled and one of the new tail, replacing the tail file;
//
// one bronze and one silver commit for every series of the close, each with
// the same per-partition watermark txns RunPipeline records, so a crash between
// the two, or a later `pipeline` run, sees exactly what it would have after a
// rebuild. The result is the same, row for row and value for value, as
// RunPipeline over the same raw rows (backend/tests/pipeline/append_test.cc).
//
// A series is appended to only when the lake is as the appender left it (the
// recorded watermarks, bronze's data version, no raw bar at or before the
// newest bronze bar added since); otherwise — the first close after a start,
// after a failed write, a late bar in the history, another writer — it is
// rebuilt by RunPipeline and its state is read back from the lake.
//
//   LiveAppender appender({.data_dir = dir, .horizons_minutes = {180}});
//   RC_ASSIGN_OR_RETURN(auto reports, appender.CatchUp({{symbol, tf}}, now));  // after each raw commit
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/mutex.h"
#include "core/symbol.h"
#include "core/timeframe.h"
#include "data/pipeline/pipeline.h"
#include "features/feature_set.h"

namespace rc::data::pipeline {

struct AppendOptions {
  std::string data_dir = "./data";
  std::vector<int> horizons_minutes = {180};
  const features::FeatureSet* feature_set = nullptr;  // Default: features::FeatureSet::Default()
};

class LiveAppender {
 public:
  explicit LiveAppender(AppendOptions options);
  ~LiveAppender();
  LiveAppender(const LiveAppender&) = delete;
  LiveAppender& operator=(const LiveAppender&) = delete;

  // Brings bronze and silver of `partitions` (distinct) up to raw at market
  // time `now`: series whose state matches the lake get their new bars
  // appended (PartitionReport::appended; one bronze and one silver commit for
  // all of them), the others are rebuilt by RunPipeline and their state read
  // back. Reports come back in the order of `partitions`. Errors: as
  // RunPipeline (kInvalidArgument "horizons_minutes"); lake errors, after
  // which the partitions of the call are forgotten (the next call rebuilds
  // them; nothing half-written is visible).
  Result<std::vector<PartitionReport>> CatchUp(const std::vector<std::pair<Symbol, Timeframe>>& partitions,
                                               TimestampUs now) RC_EXCLUDES(mu_);

  // Forgets a series' state (a late bar landed in its history): the next
  // CatchUp rebuilds it.
  void Forget(const Symbol& symbol, Timeframe tf) RC_EXCLUDES(mu_);

  // Series with a state in memory (tests).
  size_t series_in_memory() const RC_EXCLUDES(mu_);

 private:
  struct SeriesTail;
  struct SeriesAppend;
  struct CloseTables;
  // The series' state read from the lake, or nullptr when bronze and silver
  // do not agree (silver behind bronze) or hold no bars.
  Result<std::unique_ptr<SeriesTail>> Seed(const Symbol& symbol, Timeframe tf) const;
  // Stages one series' new bronze and silver rows of a close: its files are
  // written, nothing is committed. Safe to run for several series at once: it
  // touches only their own `tail`, `append` and `report`.
  Status StageSeries(const CloseTables& tables, const Symbol& symbol, Timeframe tf, SeriesTail& tail, TimestampUs now,
                     SeriesAppend& append, PartitionReport& report) const;

  AppendOptions options_;
  const features::FeatureSet& set_;
  mutable Mutex mu_;  // CatchUp holds it for a whole close: one close at a time
  std::map<std::string, std::unique_ptr<SeriesTail>> tails_ RC_GUARDED_BY(mu_);  // by partition key "SYMBOL/TF"
};

}  // namespace rc::data::pipeline
