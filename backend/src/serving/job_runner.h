// File: serving/job_runner.h
//
// Background jobs for work that must not block an HTTP thread (training). One
// worker thread runs jobs in submission order; the heavy part of a training job
// runs on the TrainingPool (serving/training_pool.h), in parallel across series
// and at lower priority. The queue is bounded, so a flood of submissions is
// refused (429) rather than buffered without limit. A job may report progress
// (done/total, ETA) as it goes. The last `max_kept` finished jobs stay
// queryable (GET /api/jobs/{id}).
//
//   JobRunner jobs(/*max_queued=*/8);
//   RC_ASSIGN_OR_RETURN(std::string id, jobs.Submit("train", params, [] { return Work(); }));
//   jobs.Submit("train_batch", params, [](JobContext& job) { job.ReportProgress({1, 0, 4, 12.5}); ... });
//   std::optional<JobInfo> info = jobs.Get(id);
#pragma once

#include <boost/json/value.hpp>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/error.h"
#include "core/mutex.h"

namespace rc::serving {

enum class JobState { kQueued, kRunning, kSucceeded, kFailed };
std::string_view JobStateName(JobState state);  // "queued" "running" "succeeded" "failed"

// How far a job with several parts (one per series) got.
struct JobProgress {
  int64_t done = 0;    // parts finished, failed ones included
  int64_t failed = 0;  // of `done`
  int64_t total = 0;
  std::optional<double> eta_seconds;  // remaining time estimated from the pace so far; none before the first part

  boost::json::object ToJson() const;
};

struct JobInfo {
  std::string id;
  std::string kind;          // "train"
  JobState state = JobState::kQueued;
  int64_t submitted_at = 0;  // UTC micros
  int64_t started_at = 0;
  int64_t finished_at = 0;
  boost::json::value params;
  boost::json::value result;  // on success; a job that failed in part may carry one too
  Error error;                // on failure
  std::optional<JobProgress> progress;  // jobs that report it

  boost::json::object ToJson() const;
};

class JobRunner;

// What a running job may tell its runner.
class JobContext {
 public:
  JobContext(JobRunner& runner, std::string id) : runner_(runner), id_(std::move(id)) {}
  // Shown in GET /api/jobs while the job runs and kept when it ends.
  void ReportProgress(const JobProgress& progress);
  // A result that is kept even when the job fails (which parts failed).
  void SetPartialResult(boost::json::value result);
  const std::string& id() const { return id_; }

 private:
  JobRunner& runner_;
  std::string id_;
};

class JobRunner {
 public:
  using Work = std::function<Result<boost::json::value>()>;
  using ContextWork = std::function<Result<boost::json::value>(JobContext&)>;

  explicit JobRunner(size_t max_queued = 8, size_t max_kept = 200);
  // Stops accepting, lets the running job finish, drops queued ones (marked failed).
  ~JobRunner();
  JobRunner(const JobRunner&) = delete;
  JobRunner& operator=(const JobRunner&) = delete;

  // Queues `work`. Errors: kRateLimited when `max_queued` jobs are waiting;
  // kUnavailable after shutdown began.
  Result<std::string> Submit(std::string kind, boost::json::value params, Work work);
  Result<std::string> Submit(std::string kind, boost::json::value params, ContextWork work);

  std::optional<JobInfo> Get(const std::string& id) const;
  // Newest first.
  std::vector<JobInfo> List() const;
  // Jobs queued or running now.
  size_t Pending() const;

 private:
  friend class JobContext;
  void Loop();
  void Update(const std::string& id, const std::function<void(JobInfo&)>& change);

  const size_t max_queued_;
  const size_t max_kept_;
  mutable Mutex mutex_;
  CondVar wake_;
  std::deque<std::pair<std::string, ContextWork>> queue_ RC_GUARDED_BY(mutex_);
  std::map<std::string, JobInfo> jobs_ RC_GUARDED_BY(mutex_);
  std::deque<std::string> finished_order_ RC_GUARDED_BY(mutex_);
  bool stopping_ RC_GUARDED_BY(mutex_) = false;
  uint64_t next_id_ RC_GUARDED_BY(mutex_) = 1;
  std::thread worker_;
};

}  // namespace rc::serving
