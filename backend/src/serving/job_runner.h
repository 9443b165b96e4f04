// File: serving/job_runner.h
//
// Background jobs for work that must not block an HTTP thread (training). One
// worker thread runs jobs in submission order (training already uses both
// cores); the queue is bounded, so a flood of submissions is refused (429)
// rather than buffered without limit. The last `max_kept` finished jobs stay
// queryable (GET /api/jobs/{id}).
//
//   JobRunner jobs(/*max_queued=*/8);
//   RC_ASSIGN_OR_RETURN(std::string id, jobs.Submit("train", params, [] { return Work(); }));
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

struct JobInfo {
  std::string id;
  std::string kind;          // "train"
  JobState state = JobState::kQueued;
  int64_t submitted_at = 0;  // UTC micros
  int64_t started_at = 0;
  int64_t finished_at = 0;
  boost::json::value params;
  boost::json::value result;  // on success
  Error error;                // on failure

  boost::json::object ToJson() const;
};

class JobRunner {
 public:
  using Work = std::function<Result<boost::json::value>()>;

  explicit JobRunner(size_t max_queued = 8, size_t max_kept = 200);
  // Stops accepting, lets the running job finish, drops queued ones (marked failed).
  ~JobRunner();
  JobRunner(const JobRunner&) = delete;
  JobRunner& operator=(const JobRunner&) = delete;

  // Queues `work`. Errors: kRateLimited when `max_queued` jobs are waiting;
  // kUnavailable after shutdown began.
  Result<std::string> Submit(std::string kind, boost::json::value params, Work work);

  std::optional<JobInfo> Get(const std::string& id) const;
  // Newest first.
  std::vector<JobInfo> List() const;
  // Jobs queued or running now.
  size_t Pending() const;

 private:
  void Loop();

  const size_t max_queued_;
  const size_t max_kept_;
  mutable Mutex mutex_;
  CondVar wake_;
  std::deque<std::pair<std::string, Work>> queue_ RC_GUARDED_BY(mutex_);
  std::map<std::string, JobInfo> jobs_ RC_GUARDED_BY(mutex_);
  std::deque<std::string> finished_order_ RC_GUARDED_BY(mutex_);
  bool stopping_ RC_GUARDED_BY(mutex_) = false;
  uint64_t next_id_ RC_GUARDED_BY(mutex_) = 1;
  std::thread worker_;
};

}  // namespace rc::serving
