#include "data/pipeline/workers.h"

#include <algorithm>
#include <atomic>
#include <optional>
#include <thread>
#include <vector>

#include "core/parallel.h"

namespace rc::data::pipeline {

namespace {
constexpr int kMaxDefaultWorkers = 8;
}  // namespace

size_t PartitionWorkers(int requested, size_t partitions) {
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const int wanted = requested > 0 ? requested : std::min(2 * cores, kMaxDefaultWorkers);
  return std::max<size_t>(1, std::min(static_cast<size_t>(wanted), partitions));
}

Status ForEachInParallel(size_t count, size_t workers, const std::function<Status(size_t)>& job) {
  std::atomic<bool> failed{false};
  std::vector<std::optional<Error>> errors(count);
  ParallelFor(count, workers, [&](size_t idx, size_t) {
    if (failed) return;  // after the first error no new job starts
    Status status = job(idx);
    if (!status) {
      errors[idx] = status.error();
      failed = true;
    }
  });
  for (auto& error : errors) {
    if (error) return tl::unexpected(std::move(*error));
  }
  return Ok();
}

}  // namespace rc::data::pipeline
