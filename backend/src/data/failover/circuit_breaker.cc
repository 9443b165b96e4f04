#include "data/failover/circuit_breaker.h"

namespace rc::data {

std::string_view CircuitStateName(CircuitState state) {
  switch (state) {
    case CircuitState::kClosed: return "closed";
    case CircuitState::kOpen: return "open";
    case CircuitState::kHalfOpen: return "half_open";
  }
  return "closed";
}

CircuitBreaker::CircuitBreaker(CircuitBreakerOptions options, Clock clock)
    : options_(options), clock_(clock ? std::move(clock) : Clock(NowMicros)) {}

bool CircuitBreaker::Allow() {
  std::lock_guard lock(mutex_);
  switch (state_) {
    case CircuitState::kClosed:
      return true;
    case CircuitState::kOpen:
      if (clock_() - opened_at_ < options_.cool_down_micros) return false;
      state_ = CircuitState::kHalfOpen;
      trial_in_flight_ = true;
      return true;
    case CircuitState::kHalfOpen:
      if (trial_in_flight_) return false;
      trial_in_flight_ = true;
      return true;
  }
  return false;
}

void CircuitBreaker::RecordSuccess() {
  std::lock_guard lock(mutex_);
  state_ = CircuitState::kClosed;
  failures_ = 0;
  trial_in_flight_ = false;
}

void CircuitBreaker::RecordFailure(std::string error) {
  std::lock_guard lock(mutex_);
  last_error_ = std::move(error);
  ++failures_;
  trial_in_flight_ = false;
  if (state_ == CircuitState::kHalfOpen || failures_ >= options_.failure_threshold) {
    state_ = CircuitState::kOpen;
    opened_at_ = clock_();
  }
}

CircuitState CircuitBreaker::state() const {
  std::lock_guard lock(mutex_);
  if (state_ == CircuitState::kOpen && clock_() - opened_at_ >= options_.cool_down_micros) {
    return CircuitState::kHalfOpen;
  }
  return state_;
}

int CircuitBreaker::consecutive_failures() const {
  std::lock_guard lock(mutex_);
  return failures_;
}

std::string CircuitBreaker::last_error() const {
  std::lock_guard lock(mutex_);
  return last_error_;
}

TimestampUs CircuitBreaker::opened_at() const {
  std::lock_guard lock(mutex_);
  return opened_at_;
}

}  // namespace rc::data
