#include "server/health.h"

#include <gtest/gtest.h>

namespace rc::server {
namespace {

TEST(HealthTest, RequiredSubsystemDownMakesTheServiceUnhealthy) {
  HealthRegistry health;
  health.Declare("lake", true);
  health.Declare("scheduler", false);
  EXPECT_TRUE(health.Healthy());
  health.Set("scheduler", HealthState::kDown, "stopped");
  EXPECT_TRUE(health.Healthy());  // optional
  health.Set("lake", HealthState::kDown, "disk gone");
  EXPECT_FALSE(health.Healthy());
  health.Set("lake", HealthState::kDegraded, "slow");
  EXPECT_TRUE(health.Healthy());
  EXPECT_EQ(health.Snapshot().at("lake").detail, "slow");
  EXPECT_EQ(HealthStateName(health.Snapshot().at("lake").state), "degraded");
}

}  // namespace
}  // namespace rc::server
