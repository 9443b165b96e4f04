#include "data/failover/circuit_breaker.h"

#include <gtest/gtest.h>

#include "fakes.h"

namespace rc::data {
namespace {

struct BreakerHarness {
  testing::ManualClock clock{1'000'000};
  CircuitBreaker breaker{{.failure_threshold = 3, .cool_down_micros = 30 * kMicrosPerSecond}, clock.AsFunction()};
};

TEST(CircuitBreakerTest, StaysClosedBelowThreshold) {
  BreakerHarness h;
  h.breaker.RecordFailure("a");
  h.breaker.RecordFailure("b");
  EXPECT_EQ(h.breaker.state(), CircuitState::kClosed);
  EXPECT_TRUE(h.breaker.Allow());
  EXPECT_EQ(h.breaker.consecutive_failures(), 2);
  EXPECT_EQ(h.breaker.last_error(), "b");
}

TEST(CircuitBreakerTest, SuccessResetsTheFailureCount) {
  BreakerHarness h;
  h.breaker.RecordFailure("a");
  h.breaker.RecordFailure("b");
  h.breaker.RecordSuccess();
  h.breaker.RecordFailure("c");
  EXPECT_EQ(h.breaker.state(), CircuitState::kClosed);
  EXPECT_EQ(h.breaker.consecutive_failures(), 1);
}

TEST(CircuitBreakerTest, OpensAfterThresholdAndRefusesDuringCoolDown) {
  BreakerHarness h;
  for (int i = 0; i < 3; ++i) h.breaker.RecordFailure("down");
  EXPECT_EQ(h.breaker.state(), CircuitState::kOpen);
  EXPECT_FALSE(h.breaker.Allow());
  h.clock.now += 29 * kMicrosPerSecond;
  EXPECT_FALSE(h.breaker.Allow());
}

TEST(CircuitBreakerTest, HalfOpenAdmitsOneTrialThatClosesOnSuccess) {
  BreakerHarness h;
  for (int i = 0; i < 3; ++i) h.breaker.RecordFailure("down");
  h.clock.now += 30 * kMicrosPerSecond;
  EXPECT_EQ(h.breaker.state(), CircuitState::kHalfOpen);
  EXPECT_TRUE(h.breaker.Allow());
  EXPECT_FALSE(h.breaker.Allow());  // only one trial in flight
  h.breaker.RecordSuccess();
  EXPECT_EQ(h.breaker.state(), CircuitState::kClosed);
  EXPECT_TRUE(h.breaker.Allow());
  EXPECT_TRUE(h.breaker.Allow());
}

TEST(CircuitBreakerTest, FailedTrialReopensForAnotherCoolDown) {
  BreakerHarness h;
  for (int i = 0; i < 3; ++i) h.breaker.RecordFailure("down");
  h.clock.now += 31 * kMicrosPerSecond;
  ASSERT_TRUE(h.breaker.Allow());
  h.breaker.RecordFailure("still down");
  EXPECT_EQ(h.breaker.state(), CircuitState::kOpen);
  EXPECT_EQ(h.breaker.opened_at(), h.clock.now);
  EXPECT_FALSE(h.breaker.Allow());
  h.clock.now += 30 * kMicrosPerSecond;
  EXPECT_TRUE(h.breaker.Allow());
}

TEST(CircuitBreakerTest, StateNames) {
  EXPECT_EQ(CircuitStateName(CircuitState::kClosed), "closed");
  EXPECT_EQ(CircuitStateName(CircuitState::kOpen), "open");
  EXPECT_EQ(CircuitStateName(CircuitState::kHalfOpen), "half_open");
}

}  // namespace
}  // namespace rc::data
