// File: serving/training_pool.h
//
// The threads training runs on, apart from the serving threads (HTTP, hub,
// scheduler): a fixed number of workers (TRAINING_WORKERS) that each lower
// their own CPU priority when they start (TRAINING_NICE), so a training run
// takes the CPU only when serving does not need it. Jobs hand work to it with
// ParallelFor, which never runs more than `workers` tasks at once however
// many callers there are.
//
//   TrainingPool pool({.workers = 2, .nice = 10});
//   pool.ParallelFor(series.size(), [&](size_t i) { TrainOne(series[i]); });
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "core/error.h"
#include "core/mutex.h"
#include "core/thread_annotations.h"

namespace rc::serving {

struct TrainingPoolOptions {
  int workers = 2;  // threads that train at once, 1..kMaxTrainingWorkers
  int nice = 10;    // nice value each worker sets for itself, 0..19 (19 = lowest priority)
  // TRAINING_SCHED=idle: SCHED_IDLE instead of SCHED_BATCH. A serving thread
  // that wakes always preempts an idle-class thread at once, but an idle-class
  // training gets almost nothing while anything else runs (see the .cc).
  bool idle_class = false;
};

inline constexpr int kMaxTrainingWorkers = 16;

// Errors: kInvalidArgument naming "workers" or "nice".
Status ValidateTrainingPoolOptions(const TrainingPoolOptions& options);

// Lowers the calling thread's priority: scheduling class SCHED_BATCH (or
// SCHED_IDLE with `idle_class`) and nice value `nice` for this thread only
// (Linux keeps both per thread). Threads it starts afterwards inherit both
// (XGBoost's OpenMP threads are started by the training thread, on its first
// parallel region). Errors: kInternal with errno's text when the kernel
// refuses (the caller may carry on at normal priority).
Status LowerCurrentThreadPriority(int nice, bool idle_class = false);

class TrainingPool {
 public:
  // Starts the workers. `options` must be valid (ValidateTrainingPoolOptions).
  explicit TrainingPool(TrainingPoolOptions options);
  // Lets running tasks finish; tasks not started yet are not run (their
  // ParallelFor callers return).
  ~TrainingPool();
  TrainingPool(const TrainingPool&) = delete;
  TrainingPool& operator=(const TrainingPool&) = delete;

  // Runs task(0) .. task(count - 1) on the workers, at most `workers` at a
  // time across all callers, and returns when every one has finished. A
  // task's exception is caught and logged (tasks report failure themselves).
  // Returns false when the pool stopped before every task ran.
  bool ParallelFor(size_t count, const std::function<void(size_t)>& task);

  int workers() const { return options_.workers; }
  int nice() const { return options_.nice; }
  // Linux thread ids of the workers (for /proc inspection in tests and logs).
  std::vector<pid_t> WorkerThreadIds() const;

 private:
  struct Batch;
  struct Task {
    Batch* batch;
    size_t index;
  };
  void Loop(size_t worker);
  static void Finish(Batch& batch, bool ran);

  const TrainingPoolOptions options_;
  mutable Mutex mutex_;
  CondVar wake_;
  CondVar started_;  // a worker registered its thread id
  std::deque<Task> queue_ RC_GUARDED_BY(mutex_);
  std::vector<pid_t> thread_ids_ RC_GUARDED_BY(mutex_);
  bool stopping_ RC_GUARDED_BY(mutex_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace rc::serving
