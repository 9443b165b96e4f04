// File: serving/periodic_task.h
// Runs a function every `interval` on its own thread until destroyed (the
// destructor wakes the thread and joins it, so shutdown never waits a whole
// interval). The first run is one interval after construction.
#pragma once

#include <chrono>
#include <functional>
#include <thread>

#include "core/mutex.h"

namespace rc::serving {

class PeriodicTask {
 public:
  PeriodicTask(std::chrono::milliseconds interval, std::function<void()> fn)
      : interval_(interval), fn_(std::move(fn)), thread_([this] { Loop(); }) {}
  ~PeriodicTask() {
    {
      MutexLock lock(mutex_);
      stop_ = true;
    }
    wake_.SignalAll();
    thread_.join();
  }
  PeriodicTask(const PeriodicTask&) = delete;
  PeriodicTask& operator=(const PeriodicTask&) = delete;

 private:
  void Loop() {
    for (;;) {
      {
        MutexLock lock(mutex_);
        const auto due = std::chrono::steady_clock::now() + interval_;
        while (!stop_ && wake_.WaitUntil(mutex_, due)) {
        }
        if (stop_) return;
      }
      fn_();
    }
  }

  std::chrono::milliseconds interval_;
  std::function<void()> fn_;
  Mutex mutex_;
  CondVar wake_;
  bool stop_ RC_GUARDED_BY(mutex_) = false;
  std::thread thread_;  // last: started after the members it uses
};

}  // namespace rc::serving
