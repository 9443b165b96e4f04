// File: serving/training_batch.h
//
// Training many series as one unit of work (a watchlist): the series run in
// parallel on the TrainingPool, at most its worker count at once, and every
// finished series reports progress (done/total, failures, ETA). The CLI
// `train --all` prints it; the server's "train_batch" job shows it in
// GET /api/jobs.
//
//   auto requests = RequestsForSeries(watchlist, {60, 180}, "orchestrator");
//   auto items = TrainMany(requests, pool, [&](const TrainRequest& r) { return Train(dir, r, &mutex); },
//                          [](const JobProgress& p, const BatchItem& item) { ... });
#pragma once

#include <boost/json/object.hpp>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/settings.h"
#include "serving/job_runner.h"
#include "serving/training_pool.h"
#include "serving/training_service.h"

namespace rc::serving {

// One series of a batch once it has run.
struct BatchItem {
  TrainRequest request;
  std::optional<TrainOutcome> outcome;  // set when it trained
  Error error;                          // when it did not
  double seconds = 0;

  bool ok() const { return outcome.has_value(); }
  std::string Label() const;  // "TCS.NS 5m +180m"
  // symbol, timeframe, horizon_minutes, seconds, then experiment_id and champion, or error.
  boost::json::object ToJson() const;
};

using TrainOneFn = std::function<Result<TrainOutcome>(const TrainRequest&)>;
using BatchProgressFn = std::function<void(const JobProgress&, const BatchItem&)>;

// One request per series and horizon, in watchlist order; `bot` for all.
std::vector<TrainRequest> RequestsForSeries(const std::vector<WatchedSeries>& series, const std::vector<int>& horizons,
                                            const std::string& bot);

// Seconds still to go at the pace so far (elapsed / done per part); none
// before the first part finished or once all are done.
std::optional<double> EstimateRemainingSeconds(int64_t done, int64_t total, double elapsed_seconds);

// Trains every request with `train_one` on `pool` (never more than its worker
// count at once) and calls `on_finished` after each one, from the worker that
// ran it, one call at a time, with the progress including that one. When the
// pool trains several series at once each series fits its families one at a
// time (family_threads = 1), so the threads training uses stay at the worker
// count. Returns the items in request order. A request the pool never ran
// (shutdown) comes back failed with kUnavailable.
std::vector<BatchItem> TrainMany(std::vector<TrainRequest> requests, TrainingPool& pool, const TrainOneFn& train_one,
                                 const BatchProgressFn& on_finished);

// {"trained": n, "failed": n, "items": [...]}.
boost::json::object BatchResultJson(const std::vector<BatchItem>& items);

}  // namespace rc::serving
