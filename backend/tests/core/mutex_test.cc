#include "core/mutex.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>
#include <vector>

namespace rc {
namespace {

// A counter whose state the analysis checks (clang builds) and whose
// increments must not be lost when several threads bump it.
class Counter {
 public:
  void Bump() RC_EXCLUDES(mutex_) {
    MutexLock lock(mutex_);
    ++value_;
    if (value_ == target_) reached_.SignalAll();
  }
  // True when `target` was reached within `timeout`.
  bool WaitFor(int target, std::chrono::milliseconds timeout) RC_EXCLUDES(mutex_) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    MutexLock lock(mutex_);
    target_ = target;
    while (value_ < target) {
      if (!reached_.WaitUntil(mutex_, deadline)) return value_ >= target;
    }
    return true;
  }
  int value() RC_EXCLUDES(mutex_) {
    MutexLock lock(mutex_);
    return value_;
  }
  // Locks when possible; the caller adopts the lock.
  bool TryLockNonZero() RC_TRY_ACQUIRE(true, mutex_) {
    mutex_.Lock();
    if (value_ != 0) return true;
    mutex_.Unlock();
    return false;
  }
  int ValueLocked() RC_REQUIRES(mutex_) { return value_; }
  Mutex& mutex() RC_RETURN_CAPABILITY(mutex_) { return mutex_; }

 private:
  Mutex mutex_;
  CondVar reached_;
  int value_ RC_GUARDED_BY(mutex_) = 0;
  int target_ RC_GUARDED_BY(mutex_) = -1;
};

TEST(MutexTest, ExcludesAndWakesWaiters) {
  Counter counter;
  EXPECT_FALSE(counter.TryLockNonZero());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&counter] {
      for (int i = 0; i < 1000; ++i) counter.Bump();
    });
  }
  EXPECT_TRUE(counter.WaitFor(4000, std::chrono::seconds(30)));
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(counter.value(), 4000);  // no increment lost
  if (!counter.TryLockNonZero()) {
    ADD_FAILURE() << "a non-zero counter must lock";
    return;
  }
  MutexLock adopted(counter.mutex(), kAdoptLock);
  EXPECT_EQ(counter.ValueLocked(), 4000);
}

TEST(MutexTest, TimedWaitGivesUpAtTheDeadline) {
  Counter counter;
  const auto started = std::chrono::steady_clock::now();
  EXPECT_FALSE(counter.WaitFor(1, std::chrono::milliseconds(50)));
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(50));
  Mutex mutex;
  CondVar never;
  MutexLock lock(mutex);
  EXPECT_FALSE(never.WaitFor(mutex, std::chrono::milliseconds(5)));
}

TEST(MutexTest, TryLockFailsWhileHeldElsewhere) {
  Mutex mutex;
  MutexLock lock(mutex);
  bool acquired = true;
  std::thread other([&] {
    if (mutex.TryLock()) {
      mutex.Unlock();
    } else {
      acquired = false;
    }
  });
  other.join();
  EXPECT_FALSE(acquired);
}

}  // namespace
}  // namespace rc
