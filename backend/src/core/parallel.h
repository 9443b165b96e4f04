// File: core/parallel.h
//
// The one fork-join loop of the code base: job(index, worker) for every index
// in [0, count) on up to `threads` threads, each taking the next index, the
// calling thread being one of them (it would otherwise wait idle). `worker`
// (0 .. threads-1) names the thread, for per-thread scratch. Returns when every
// job has returned; jobs report failures through their own per-index slots.
// Bounded and short-lived by design (a Parquet read, one commit's data files,
// a pipeline run's partitions, a training's families): a long-lived pool with
// priorities is serving/training_pool.h.
//
//   std::vector<Status> results(tasks.size(), Ok());
//   rc::ParallelFor(tasks.size(), 2, [&](size_t i, size_t) { results[i] = Run(tasks[i]); });
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

namespace rc {

template <typename Job>
void ParallelFor(size_t count, size_t threads, const Job& job) {
  const size_t workers = std::max<size_t>(1, std::min(count, threads));
  std::atomic<size_t> next{0};
  auto work = [&](size_t worker) {
    for (size_t index = next++; index < count; index = next++) job(index, worker);
  };
  std::vector<std::thread> pool;
  pool.reserve(workers - 1);
  for (size_t worker = 1; worker < workers; ++worker) pool.emplace_back(work, worker);
  work(0);
  for (std::thread& thread : pool) thread.join();
}

}  // namespace rc
