// File: data/failover/circuit_breaker.h
//
// A per-provider circuit breaker: kClosed lets every call through; after
// `failure_threshold` consecutive failures it goes kOpen and refuses calls
// for `cool_down`; then kHalfOpen lets ONE trial call through, whose success
// closes the breaker and whose failure opens it again for another cool-down.
//
//   rc::data::CircuitBreaker breaker({.failure_threshold = 3}, clock);
//   if (!breaker.Allow()) return skip;  ... breaker.RecordSuccess() / RecordFailure(err)
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

#include "core/time.h"

namespace rc::data {

enum class CircuitState { kClosed, kOpen, kHalfOpen };
std::string_view CircuitStateName(CircuitState state);  // "closed" "open" "half_open"

struct CircuitBreakerOptions {
  int failure_threshold = 3;                      // consecutive failures that open it. Default: 3
  int64_t cool_down_micros = 30 * kMicrosPerSecond;  // open -> half-open after this. Default: 30 s
};

// Thread-safe.
class CircuitBreaker {
 public:
  using Clock = std::function<TimestampUs()>;

  // `clock` defaults to NowMicros; tests inject a fake one.
  explicit CircuitBreaker(CircuitBreakerOptions options = {}, Clock clock = nullptr);

  // True when a call may proceed now. In kOpen, once the cool-down has passed,
  // moves to kHalfOpen and admits exactly one trial call (further calls are
  // refused until that trial reports back).
  bool Allow();
  void RecordSuccess();
  // `error` is remembered as last_error() (already free of secrets).
  void RecordFailure(std::string error);

  CircuitState state() const;  // kOpen reads as kHalfOpen once the cool-down has passed
  int consecutive_failures() const;
  std::string last_error() const;
  TimestampUs opened_at() const;

 private:
  CircuitBreakerOptions options_;
  Clock clock_;
  mutable std::mutex mutex_;
  CircuitState state_ = CircuitState::kClosed;
  int failures_ = 0;
  bool trial_in_flight_ = false;
  TimestampUs opened_at_ = 0;
  std::string last_error_;
};

}  // namespace rc::data
