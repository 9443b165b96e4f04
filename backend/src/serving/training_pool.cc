#include "serving/training_pool.h"

#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <spdlog/spdlog.h>

namespace rc::serving {

Status ValidateTrainingPoolOptions(const TrainingPoolOptions& options) {
  if (options.workers < 1 || options.workers > kMaxTrainingWorkers) {
    return InvalidArgument("workers", "must be in 1.." + std::to_string(kMaxTrainingWorkers) + ", got " +
                                          std::to_string(options.workers));
  }
  if (options.nice < 0 || options.nice > 19) {
    return InvalidArgument("nice", "must be in 0..19, got " + std::to_string(options.nice));
  }
  return Ok();
}

// Why SCHED_BATCH plus a nice value, and not SCHED_IDLE: an idle-class thread
// runs only when no other thread wants the CPU, so on a busy machine (a build,
// another service, a steady request load) a scheduled retraining could wait
// forever. SCHED_BATCH marks the thread CPU-bound (the scheduler does not give
// it the wake-up preference interactive threads get), and nice 10 weighs it at
// 110 against 1024 for a serving thread at nice 0: under contention serving
// gets ~90 % of a core, while training still makes steady progress. Both only
// lower priority, which needs no privilege, and both are per thread on Linux.
// SCHED_IDLE stays an option (TRAINING_SCHED=idle) for machines where serving
// latency matters more than when a retraining finishes.
Status LowerCurrentThreadPriority(int nice, bool idle_class) {
  sched_param param{};
  param.sched_priority = 0;
  const int policy = idle_class ? SCHED_IDLE : SCHED_BATCH;
  if (int rc = pthread_setschedparam(pthread_self(), policy, &param); rc != 0) {
    return Internal(std::string(idle_class ? "SCHED_IDLE" : "SCHED_BATCH") + " refused: " + std::strerror(rc));
  }
  // PRIO_PROCESS with a thread id changes that thread alone (setpriority(2), NOTES).
  if (setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), nice) != 0) {
    return Internal("setpriority(" + std::to_string(nice) + ") refused: " + std::strerror(errno));
  }
  return Ok();
}

struct TrainingPool::Batch {
  const std::function<void(size_t)>* task = nullptr;
  Mutex mutex;
  CondVar done;
  size_t remaining RC_GUARDED_BY(mutex) = 0;
  bool all_ran RC_GUARDED_BY(mutex) = true;
};

TrainingPool::TrainingPool(TrainingPoolOptions options) : options_(options) {
  threads_.reserve(static_cast<size_t>(options_.workers));
  for (int worker = 0; worker < options_.workers; ++worker) {
    threads_.emplace_back([this, worker] { Loop(static_cast<size_t>(worker)); });
  }
  // Every worker is named, lowered and registered before the pool is used
  // (WorkerThreadIds is complete from the start).
  MutexLock lock(mutex_);
  while (thread_ids_.size() < threads_.size()) started_.Wait(mutex_);
}

TrainingPool::~TrainingPool() {
  std::deque<Task> dropped;
  {
    MutexLock lock(mutex_);
    stopping_ = true;
    dropped.swap(queue_);
  }
  wake_.SignalAll();
  for (const Task& task : dropped) Finish(*task.batch, false);
  for (std::thread& thread : threads_) thread.join();
}

void TrainingPool::Finish(Batch& batch, bool ran) {
  MutexLock lock(batch.mutex);
  batch.all_ran = batch.all_ran && ran;
  if (--batch.remaining == 0) batch.done.SignalAll();
}

bool TrainingPool::ParallelFor(size_t count, const std::function<void(size_t)>& task) {
  if (count == 0) return true;
  Batch batch;
  batch.task = &task;
  {
    MutexLock lock(batch.mutex);
    batch.remaining = count;
  }
  {
    MutexLock lock(mutex_);
    if (stopping_) return false;
    for (size_t index = 0; index < count; ++index) queue_.push_back(Task{&batch, index});
  }
  wake_.SignalAll();
  MutexLock lock(batch.mutex);
  while (batch.remaining != 0) batch.done.Wait(batch.mutex);
  return batch.all_ran;
}

std::vector<pid_t> TrainingPool::WorkerThreadIds() const {
  MutexLock lock(mutex_);
  return thread_ids_;
}

void TrainingPool::Loop(size_t worker) {
  pthread_setname_np(pthread_self(), ("rc-train-" + std::to_string(worker)).substr(0, 15).c_str());
  if (auto lowered = LowerCurrentThreadPriority(options_.nice, options_.idle_class); !lowered) {
    spdlog::warn("training worker {} runs at normal priority: {}", worker, lowered.error().message);
  }
  {
    MutexLock lock(mutex_);
    thread_ids_.push_back(gettid());
  }
  started_.SignalAll();
  for (;;) {
    Task next;
    {
      MutexLock lock(mutex_);
      while (!stopping_ && queue_.empty()) wake_.Wait(mutex_);
      if (stopping_) return;  // the destructor finishes what is still queued
      next = queue_.front();
      queue_.pop_front();
    }
    try {
      (*next.batch->task)(next.index);
    } catch (const std::exception& e) {
      spdlog::error("training task {} threw: {}", next.index, e.what());
    }
    Finish(*next.batch, true);
  }
}

}  // namespace rc::serving
