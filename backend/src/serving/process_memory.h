// File: serving/process_memory.h
//
// Keeping a long-running server's resident memory at what it uses. The live
// loop allocates large short-lived buffers (a pipeline commit's columns, a
// gold partition rewritten with its realized closes, a Delta checkpoint)
// from many threads, and they grow with the session. glibc serves them from
// per-thread arenas once its dynamic mmap threshold has risen past them, and a
// freed arena chunk is not returned to the system: a 30-minute soak held
// 70 MB of free arena memory for 11 MB in use (docs/benchmarks.md "### Soak").
//
//   ConfigureAllocatorForServing();  // once, at server start
//   ReleaseFreedMemory();            // after a large transient (and periodically)
//
// Both are no-ops on C libraries other than glibc.
#pragma once

#include <cstddef>

namespace rc::serving {

// Pins glibc's mmap threshold (allocations of `mmap_threshold_bytes` and more
// get their own mapping and go back to the system when freed; pinning also
// stops the threshold from rising after each such free) and its top-of-heap
// trim threshold.
void ConfigureAllocatorForServing(size_t mmap_threshold_bytes = 256 * 1024);

// Returns the free pages of every arena to the system (malloc_trim), and the
// large column blocks the lake keeps for reuse (lake/column_memory.h).
void ReleaseFreedMemory();

}  // namespace rc::serving
