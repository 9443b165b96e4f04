// Column memory (lake/column_memory.h): large blocks are mapped on their own
// and cached after they are freed; the rest comes from operator new.
#include "lake/column_memory.h"

#include <sanitizer/asan_interface.h>
#include <sys/mman.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <unordered_map>

#include "core/mutex.h"

namespace rc::lake {
namespace {

constexpr size_t kHugePage = size_t{2} << 20;

size_t RoundUpToHugePage(size_t bytes) { return (bytes + kHugePage - 1) & ~(kHugePage - 1); }

// A fresh mapping of `bytes` (a multiple of kHugePage) starting on a 2 MiB
// boundary, so that the kernel can back all of it with huge pages (one fault
// per 2 MiB instead of 512); nullptr when the system has no memory left.
void* MapAligned(size_t bytes) {
  void* raw = mmap(nullptr, bytes + kHugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) return nullptr;
  const auto start = reinterpret_cast<uintptr_t>(raw);
  const uintptr_t aligned = (start + kHugePage - 1) & ~(uintptr_t{kHugePage} - 1);
  if (aligned > start) munmap(raw, aligned - start);
  const uintptr_t tail = start + bytes + kHugePage - (aligned + bytes);
  if (tail > 0) munmap(reinterpret_cast<void*>(aligned + bytes), tail);
#ifdef MADV_HUGEPAGE
  // Advice only: where the kernel declines (THP off), pages are 4 KiB as before.
  (void)madvise(reinterpret_cast<void*>(aligned), bytes, MADV_HUGEPAGE);
#endif
  return reinterpret_cast<void*>(aligned);
}

class LargeBlockCache {
 public:
  void* Allocate(size_t bytes) {
    const size_t need = RoundUpToHugePage(bytes);
    {
      MutexLock lock(mutex_);
      DropExpired();
      // The smallest kept block that fits without wasting more than a quarter.
      size_t best = kept_.size();
      for (size_t idx = 0; idx < kept_.size(); ++idx) {
        const size_t size = kept_[idx].size;
        if (size >= need && size - need <= need / 4 && (best == kept_.size() || size < kept_[best].size)) best = idx;
      }
      if (best != kept_.size()) {
        const Kept block = kept_[best];
        kept_.erase(kept_.begin() + static_cast<std::ptrdiff_t>(best));
        kept_bytes_ -= block.size;
        live_.emplace(block.address, block.size);
        ++reused_;
        ASAN_UNPOISON_MEMORY_REGION(block.address, block.size);
        return block.address;
      }
    }
    void* block = MapAligned(need);
    if (block == nullptr) {
      // Memory is short: give back what is kept, then try once more.
      Release();
      block = MapAligned(need);
      if (block == nullptr) throw std::bad_alloc();
    }
    MutexLock lock(mutex_);
    live_.emplace(block, need);
    ++mapped_;
    return block;
  }

  void Free(void* block) noexcept {
    size_t size = 0;
    {
      MutexLock lock(mutex_);
      auto live = live_.find(block);
      if (live == live_.end()) return;  // not ours: nothing sane to do
      size = live->second;
      live_.erase(live);
    }
    if (size > kColumnCacheLimit) {
      munmap(block, size);
      return;
    }
    // Under AddressSanitizer a use after free of a kept block is still reported
    // (the macros do nothing in other builds).
    ASAN_POISON_MEMORY_REGION(block, size);
#ifdef MADV_FREE
    // The kernel may reclaim these pages under memory pressure (a later write
    // then faults in zeroed ones); until then reuse costs no fault at all.
    (void)madvise(block, size, MADV_FREE);
#endif
    std::deque<Kept> evicted;
    {
      MutexLock lock(mutex_);
      kept_.push_back({block, size, std::chrono::steady_clock::now()});
      kept_bytes_ += size;
      while (kept_bytes_ > kColumnCacheLimit) {  // oldest first
        evicted.push_back(kept_.front());
        kept_bytes_ -= kept_.front().size;
        kept_.pop_front();
      }
      DropExpired();
    }
    for (const Kept& old : evicted) Unmap(old);
  }

  void Release() noexcept {
    std::deque<Kept> all;
    {
      MutexLock lock(mutex_);
      all.swap(kept_);
      kept_bytes_ = 0;
    }
    for (const Kept& old : all) Unmap(old);
  }

  ColumnMemoryStats Stats() {
    MutexLock lock(mutex_);
    return ColumnMemoryStats{kept_.size(), kept_bytes_, reused_, mapped_};
  }

 private:
  struct Kept {
    void* address;
    size_t size;
    std::chrono::steady_clock::time_point freed_at;
  };

  // The shadow of an unmapped kept block is cleared, so that memory mapped
  // there later by anyone is not reported as poisoned.
  static void Unmap(const Kept& block) noexcept {
    ASAN_UNPOISON_MEMORY_REGION(block.address, block.size);
    munmap(block.address, block.size);
  }

  // Unmaps blocks kept longer than kColumnCacheAgeSeconds (oldest are first).
  void DropExpired() RC_REQUIRES(mutex_) {
    const auto cutoff = std::chrono::steady_clock::now() - std::chrono::seconds(kColumnCacheAgeSeconds);
    while (!kept_.empty() && kept_.front().freed_at < cutoff) {
      Unmap(kept_.front());
      kept_bytes_ -= kept_.front().size;
      kept_.pop_front();
    }
  }

  Mutex mutex_;
  std::deque<Kept> kept_ RC_GUARDED_BY(mutex_);
  size_t kept_bytes_ RC_GUARDED_BY(mutex_) = 0;
  std::unordered_map<void*, size_t> live_ RC_GUARDED_BY(mutex_);  // address -> mapped size
  size_t reused_ RC_GUARDED_BY(mutex_) = 0;
  size_t mapped_ RC_GUARDED_BY(mutex_) = 0;
};

// Never destroyed: columns may be freed by static destructors after it would be.
LargeBlockCache& Cache() {
  static auto* cache = new LargeBlockCache();
  return *cache;
}

}  // namespace

void* AllocateColumnMemory(size_t bytes) {
  if (bytes >= kLargeColumnBlock) return Cache().Allocate(bytes);
  return ::operator new(bytes == 0 ? 1 : bytes);
}

void FreeColumnMemory(void* block, size_t bytes) noexcept {
  if (block == nullptr) return;
  if (bytes >= kLargeColumnBlock) {
    Cache().Free(block);
    return;
  }
  ::operator delete(block);
}

ColumnMemoryStats GetColumnMemoryStats() { return Cache().Stats(); }

void ReleaseCachedColumnMemory() { Cache().Release(); }

}  // namespace rc::lake
