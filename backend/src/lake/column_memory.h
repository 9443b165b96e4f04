// File: lake/column_memory.h
//
// The memory behind column values (lake/column_batch.h): ColumnAllocator and
// ColumnVector<T>, the vector every ColumnBatch column is stored in.
//
// Why not plain std::vector: a Parquet read of 10M rows fills ~800 MB of
// fresh columns. With std::allocator every read gets new pages from the
// kernel (glibc maps blocks over 32 MiB on their own and unmaps them on free),
// the kernel zero-fills them, and `resize` then zero-fills them again before
// the decoders overwrite every value: together most of a read's time
// (docs/benchmarks.md §Parquet). Here
//   - blocks of at least kLargeColumnBlock bytes are mapped 2 MiB aligned on
//     transparent huge pages and, when freed, kept for the next column of
//     about the same size (at most kColumnCacheLimit bytes; blocks kept
//     longer than kColumnCacheAgeSeconds are unmapped at the next large
//     allocation or free; kept blocks are MADV_FREE'd so the kernel can
//     still take them back under memory pressure); smaller blocks come from
//     operator new;
//   - `resize_for_overwrite(n)` grows a vector without initialising the new
//     trivially-constructible values, for writers that overwrite them all.
//     Every other operation keeps std::vector's semantics (`resize(n)` and
//     `ColumnVector(n)` still value-initialise).
//
// ColumnVector<T> is a std::vector<T, ColumnAllocator<T>> that also converts
// to and from std::vector<T> (by copy) and compares equal with one, so code
// written against std::vector columns keeps compiling.
//
//   rc::lake::ColumnVector<double> closes;
//   closes.resize_for_overwrite(rows);  // values indeterminate until written
//   for (size_t i = 0; i < rows; ++i) closes[i] = Decode(i);
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <new>
#include <utility>
#include <vector>

namespace rc::lake {

// Blocks from this size on are mapped and cached (the largest block glibc
// still takes from its heap, and so reuses by itself, is 32 MiB).
inline constexpr size_t kLargeColumnBlock = size_t{32} << 20;
// Freed large blocks kept at most (bytes), and for at most this many seconds
// (checked whenever a large block is allocated or freed).
inline constexpr size_t kColumnCacheLimit = size_t{1} << 30;
inline constexpr int kColumnCacheAgeSeconds = 10;

// `bytes` of column memory, aligned for any column value type. Throws
// std::bad_alloc when the system has none.
void* AllocateColumnMemory(size_t bytes);
// Returns a block from AllocateColumnMemory(bytes) (same `bytes`).
void FreeColumnMemory(void* block, size_t bytes) noexcept;

struct ColumnMemoryStats {
  size_t cached_blocks = 0;  // freed large blocks kept for reuse
  size_t cached_bytes = 0;
  size_t reused_blocks = 0;  // large allocations served from the cache since start
  size_t mapped_blocks = 0;  // large allocations that mapped fresh memory since start
};
ColumnMemoryStats GetColumnMemoryStats();
// Unmaps every cached block (tests; a caller that wants the memory back now).
void ReleaseCachedColumnMemory();

template <typename T>
class ColumnAllocator {
 public:
  using value_type = T;

  ColumnAllocator() noexcept = default;
  template <typename U>
  ColumnAllocator(const ColumnAllocator<U>&) noexcept {}  // NOLINT(google-explicit-constructor): allocator rebinding

  T* allocate(size_t count) {
    if (count > std::numeric_limits<size_t>::max() / sizeof(T)) throw std::bad_array_new_length();
    return static_cast<T*>(AllocateColumnMemory(count * sizeof(T)));
  }
  void deallocate(T* block, size_t count) noexcept { FreeColumnMemory(block, count * sizeof(T)); }

  // Construction without arguments default-initialises (leaves a double
  // indeterminate); ColumnVector restores value-initialisation everywhere but
  // in resize_for_overwrite.
  template <typename U>
  void construct(U* place) noexcept(noexcept(::new (static_cast<void*>(place)) U)) {
    ::new (static_cast<void*>(place)) U;
  }
  template <typename U, typename... Args>
  void construct(U* place, Args&&... args) {
    ::new (static_cast<void*>(place)) U(std::forward<Args>(args)...);
  }

  friend bool operator==(const ColumnAllocator&, const ColumnAllocator&) noexcept { return true; }
};

template <typename T>
class ColumnVector : public std::vector<T, ColumnAllocator<T>> {
  using Base = std::vector<T, ColumnAllocator<T>>;

 public:
  using typename Base::size_type;
  using Base::Base;

  ColumnVector() noexcept = default;
  // Value-initialised, as std::vector's (the base's would default-initialise).
  explicit ColumnVector(size_type count) : Base(count, T()) {}
  ColumnVector(std::initializer_list<T> values) : Base(values) {}
  // Copies of a std::vector (implicit: columns are often built in one).
  ColumnVector(const std::vector<T>& values)  // NOLINT(google-explicit-constructor)
      : Base(values.begin(), values.end()) {}
  ColumnVector& operator=(std::initializer_list<T> values) {
    Base::operator=(values);
    return *this;
  }
  // A copy as a std::vector, for code that keeps values in one.
  operator std::vector<T>() const { return std::vector<T>(this->begin(), this->end()); }  // NOLINT

  void resize(size_type count) { Base::resize(count, T()); }
  void resize(size_type count, const T& value) { Base::resize(count, value); }
  // Grows to `count` values; new trivially-constructible values are left
  // indeterminate (other types are default-constructed): the caller must
  // write every one of them before anything reads it.
  void resize_for_overwrite(size_type count) { Base::resize(count); }

  // Both overloads exact, so neither comparison is ambiguous with std::vector's own.
  friend bool operator==(const ColumnVector& left, const ColumnVector& right) {
    return static_cast<const Base&>(left) == static_cast<const Base&>(right);
  }
  friend bool operator==(const ColumnVector& left, const std::vector<T>& right) {
    return left.size() == right.size() && std::equal(left.begin(), left.end(), right.begin());
  }
};

}  // namespace rc::lake
