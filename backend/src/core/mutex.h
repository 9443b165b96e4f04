// File: core/mutex.h
//
// A mutex, its scoped lock and a condition variable that Clang's thread-safety
// analysis understands (as LevelDB's port::Mutex and absl::Mutex): state marked
// RC_GUARDED_BY(mutex_) is checked at compile time to be touched only with
// mutex_ held, and functions marked RC_REQUIRES / RC_EXCLUDES are checked at
// every call (core/thread_annotations.h; clang builds use -Wthread-safety
// -Werror=thread-safety). Same cost as std::mutex, which it wraps.
//
//   rc::Mutex mutex_;
//   rc::CondVar wake_;
//   std::deque<Job> queue_ RC_GUARDED_BY(mutex_);
//
//   rc::MutexLock lock(mutex_);
//   while (queue_.empty()) wake_.Wait(mutex_);  // a loop, not a predicate lambda:
//                                               // the analysis checks the condition too
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "core/thread_annotations.h"

namespace rc {

class RC_CAPABILITY("mutex") Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void Lock() RC_ACQUIRE() { mutex_.lock(); }
  void Unlock() RC_RELEASE() { mutex_.unlock(); }
  bool TryLock() RC_TRY_ACQUIRE(true) { return mutex_.try_lock(); }
  // Tells the analysis the caller holds it (no run-time check).
  void AssertHeld() const RC_ASSERT_CAPABILITY(this) {}

 private:
  friend class CondVar;
  std::mutex mutex_;
};

struct AdoptLock {};
inline constexpr AdoptLock kAdoptLock{};

// Holds `mutex` for its scope. With kAdoptLock it takes over a mutex the caller
// already holds (from a function annotated RC_TRY_ACQUIRE) and releases it.
class RC_SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mutex) RC_ACQUIRE(mutex) : mutex_(mutex) { mutex_.Lock(); }
  MutexLock(Mutex& mutex, AdoptLock) RC_REQUIRES(mutex) : mutex_(mutex) {}
  ~MutexLock() RC_RELEASE() { mutex_.Unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex& mutex_;
};

// A condition variable waited on with an rc::Mutex held. Waits may wake
// spuriously: callers loop on their condition.
class CondVar {
 public:
  void Wait(Mutex& mutex) RC_REQUIRES(mutex) {
    std::unique_lock<std::mutex> lock(mutex.mutex_, std::adopt_lock);
    cv_.wait(lock);
    lock.release();  // still held; the caller's MutexLock releases it
  }
  // False when `deadline` passed.
  template <typename Clock, typename Duration>
  bool WaitUntil(Mutex& mutex, const std::chrono::time_point<Clock, Duration>& deadline) RC_REQUIRES(mutex) {
    std::unique_lock<std::mutex> lock(mutex.mutex_, std::adopt_lock);
    const bool woken = cv_.wait_until(lock, deadline) == std::cv_status::no_timeout;
    lock.release();
    return woken;
  }
  // False when `timeout` passed.
  template <typename Rep, typename Period>
  bool WaitFor(Mutex& mutex, const std::chrono::duration<Rep, Period>& timeout) RC_REQUIRES(mutex) {
    return WaitUntil(mutex, std::chrono::steady_clock::now() + timeout);
  }
  void Signal() { cv_.notify_one(); }
  void SignalAll() { cv_.notify_all(); }

 private:
  std::condition_variable cv_;
};

}  // namespace rc
