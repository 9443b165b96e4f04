#include "serving/process_memory.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "lake/column_memory.h"

namespace rc::serving {

void ConfigureAllocatorForServing(size_t mmap_threshold_bytes) {
#if defined(__GLIBC__)
  mallopt(M_MMAP_THRESHOLD, static_cast<int>(mmap_threshold_bytes));
  mallopt(M_TRIM_THRESHOLD, static_cast<int>(2 * mmap_threshold_bytes));
#else
  (void)mmap_threshold_bytes;
#endif
}

void ReleaseFreedMemory() {
  // Large freed columns a read kept for the next one (lake/column_memory.h):
  // a server reads large tables rarely, and would otherwise hold them until
  // its next large read.
  lake::ReleaseCachedColumnMemory();
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}

}  // namespace rc::serving
