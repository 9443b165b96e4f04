// File: data/pipeline/workers.h
//
// How the pipeline and the live appender spread partitions over threads: the
// worker count and a fork-join loop that stops starting jobs after the first
// error. Partitions are independent series; most of a small partition's time
// is spent waiting for fsync (its data files, their directories), so the
// default runs more workers than cores.
//
//   const size_t workers = PartitionWorkers(options.workers, partitions.size());
//   RC_RETURN_IF_ERROR(ForEachInParallel(partitions.size(), workers, [&](size_t i) { return Build(i); }));
#pragma once

#include <cstddef>
#include <functional>

#include "core/error.h"

namespace rc::data::pipeline {

// `requested` workers when > 0, otherwise two per core (at most 8); never more
// than `partitions`, never fewer than 1. With 500 partitions of 2,000 bars on
// 2 cores, 4 workers took 8.9 s wall, 2 took 15.1 s and 1 took 49.8 s
// (docs/benchmarks.md).
size_t PartitionWorkers(int requested, size_t partitions);

// Runs job(0..count-1) on `workers` threads (the caller's thread is one of
// them), each taking the next index. After the first error no new job starts;
// that error is returned (the lowest index's when several failed).
Status ForEachInParallel(size_t count, size_t workers, const std::function<Status(size_t)>& job);

}  // namespace rc::data::pipeline
