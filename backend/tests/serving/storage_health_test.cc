// StorageHealth: a write path turns failing on a storage error (kIo only),
// stays failing with its first failure time through later ones, and turns ok
// on its next success; /metrics follows (storage_degraded, storage_write_failures_total).
#include "serving/storage_health.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "monitoring/metrics.h"
#include "monitoring/standard_metrics.h"

namespace rc::serving {
namespace {

using ::testing::HasSubstr;

std::string Metrics() { return monitoring::Registry::Default().Expose(); }
Error Io(std::string why) { return IoError(std::move(why)).value(); }

TEST(StorageHealthTest, AFailingPathIsDegradedUntilItsNextSuccessfulWrite) {
  monitoring::RegisterStandardMetrics();
  StorageHealth health;
  EXPECT_FALSE(health.Degraded());
  health.RecordFailure("test_gold", Io("write 'x': No space left on device"), 1000);
  health.RecordFailure("test_gold", Io("write 'y': Input/output error"), 2000);
  health.RecordSuccess("test_raw");  // another path's success changes nothing here
  ASSERT_TRUE(health.Degraded());
  auto state = health.Snapshot().at("test_gold");
  EXPECT_TRUE(state.failing);
  EXPECT_EQ(state.failing_since, 1000);  // the first failure of the run
  EXPECT_EQ(state.last_failure, 2000);
  EXPECT_EQ(state.failures, 2);
  EXPECT_THAT(state.last_error, HasSubstr("Input/output error"));
  EXPECT_THAT(Metrics(), HasSubstr("storage_degraded{path=\"test_gold\"} 1"));
  EXPECT_THAT(Metrics(), HasSubstr("storage_write_failures_total{path=\"test_gold\"} 2"));

  health.RecordSuccess("test_gold");
  EXPECT_FALSE(health.Degraded());
  state = health.Snapshot().at("test_gold");
  EXPECT_FALSE(state.failing);
  EXPECT_EQ(state.failures, 2);  // history stays for the "succeed again" detail
  EXPECT_THAT(Metrics(), HasSubstr("storage_degraded{path=\"test_gold\"} 0"));

  // A new run of failures starts a new `since`.
  health.RecordFailure("test_gold", Io("again"), 5000);
  EXPECT_EQ(health.Snapshot().at("test_gold").failing_since, 5000);
}

TEST(StorageHealthTest, OnlyStorageErrorsCount) {
  StorageHealth health;
  health.Record("test_pipeline", Status(InvalidArgument("symbol", "bad input is not a disk problem")));
  health.Record("test_pipeline", Status(Conflict("a concurrent writer won")));
  EXPECT_FALSE(health.Degraded());
  EXPECT_EQ(health.Snapshot().count("test_pipeline"), 0u);
  health.Record("test_pipeline", Status(IoError("fsync dir 'd': Input/output error")));
  EXPECT_TRUE(health.Degraded());
  health.Record("test_pipeline", Ok());
  EXPECT_FALSE(health.Degraded());
}

}  // namespace
}  // namespace rc::serving
