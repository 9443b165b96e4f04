#include "monitoring/metrics.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace rc::monitoring {
namespace {

TEST(MetricsTest, CounterExpositionHasHelpTypeAndLabels) {
  Registry registry;
  auto& family = registry.AddCounter("things_total", "Things seen.", {"kind"});
  family.WithLabels({"a"}).Inc();
  family.WithLabels({"a"}).Inc(2);
  family.WithLabels({"b"}).Inc(-5);  // ignored: counters never go down
  EXPECT_EQ(registry.Expose(),
            "# HELP things_total Things seen.\n# TYPE things_total counter\n"
            "things_total{kind=\"a\"} 3\nthings_total{kind=\"b\"} 0\n");
}

TEST(MetricsTest, LabelValuesAndHelpAreEscaped) {
  Registry registry;
  registry.AddGauge("g", "Line one\nback\\slash", {"v"}).WithLabels({"q\"uote\\back\nline"}).Set(1.5);
  EXPECT_EQ(registry.Expose(),
            "# HELP g Line one\\nback\\\\slash\n# TYPE g gauge\ng{v=\"q\\\"uote\\\\back\\nline\"} 1.5\n");
}

TEST(MetricsTest, HistogramBucketsAreCumulativeWithInfSumAndCount) {
  Registry registry;
  auto& h = registry.AddHistogram("lat_seconds", "Latency.", {}, {0.1, 0.5, 1.0}).WithLabels(std::vector<std::string>{});
  for (double v : {0.05, 0.1, 0.3, 2.0}) h.Observe(v);
  EXPECT_EQ(registry.Expose(),
            "# HELP lat_seconds Latency.\n# TYPE lat_seconds histogram\n"
            "lat_seconds_bucket{le=\"0.1\"} 2\n"
            "lat_seconds_bucket{le=\"0.5\"} 3\n"
            "lat_seconds_bucket{le=\"1\"} 3\n"
            "lat_seconds_bucket{le=\"+Inf\"} 4\n"
            "lat_seconds_sum 2.45\n"
            "lat_seconds_count 4\n");
}

// The figures: Prometheus' clients print le="0.00025", never
// le="0.00025000000000000001"; values are the shortest round-trip text.
TEST(MetricsTest, BoundsAndValuesUseTheShortestRoundTripText) {
  Registry registry;
  auto& h = registry.AddHistogram("p_seconds", "P.", {"s"}, {0.0001, 0.00025, 2.5, 1e6})
                .WithLabels({"TCS.NS"});
  h.Observe(0.0002);
  h.Observe(0.0003);
  registry.AddGauge("g", "G.", {}).WithLabels(std::vector<std::string>{}).Set(3456.05);
  registry.AddGauge("tiny", "T.", {}).WithLabels(std::vector<std::string>{}).Set(-1.5e-9);
  registry.AddGauge("big", "B.", {}).WithLabels(std::vector<std::string>{}).Set(12345678901234.0);
  const std::string text = registry.Expose();
  EXPECT_NE(text.find("p_seconds_bucket{s=\"TCS.NS\",le=\"0.0001\"} 0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("p_seconds_bucket{s=\"TCS.NS\",le=\"0.00025\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("p_seconds_bucket{s=\"TCS.NS\",le=\"2.5\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("p_seconds_bucket{s=\"TCS.NS\",le=\"1000000\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("p_seconds_bucket{s=\"TCS.NS\",le=\"+Inf\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("p_seconds_sum{s=\"TCS.NS\"} 0.0005\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\ng 3456.05\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\ntiny -1.5e-09\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nbig 12345678901234\n"), std::string::npos) << text;
  for (const char* exponent_form : {"E-", "E+", "00000000001"}) {
    EXPECT_EQ(text.find(exponent_form), std::string::npos) << exponent_form << " in\n" << text;
  }
}

TEST(MetricsTest, ReRegistrationReturnsTheSameFamilyAndConflictsThrow) {
  Registry registry;
  auto& a = registry.AddCounter("x_total", "X.", {"l"});
  auto& b = registry.AddCounter("x_total", "X.", {"l"});
  EXPECT_EQ(&a, &b);
  EXPECT_THROW(registry.AddGauge("x_total", "X.", {"l"}), std::logic_error);
  EXPECT_THROW(registry.AddCounter("x_total", "X.", {"other"}), std::logic_error);
  EXPECT_THROW(a.WithLabels({"1", "2"}), std::invalid_argument);
}

TEST(MetricsTest, ConcurrentUpdatesAreNotLost) {
  Registry registry;
  auto& counter = registry.AddCounter("c_total", "C.", {"t"});
  auto& hist = registry.AddHistogram("h_seconds", "H.", {"t"}, {1.0});
  std::vector<std::thread> threads;
  for (int thread_idx = 0; thread_idx < 4; ++thread_idx) {
    threads.emplace_back([&] {
      for (int op_idx = 0; op_idx < 10000; ++op_idx) {
        counter.WithLabels({"same"}).Inc();
        hist.WithLabels({"same"}).Observe(0.5);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(counter.WithLabels({"same"}).Value(), 40000);
  EXPECT_EQ(hist.WithLabels({"same"}).Snap().count, 40000u);
  EXPECT_DOUBLE_EQ(hist.WithLabels({"same"}).Snap().sum, 20000.0);
}

}  // namespace
}  // namespace rc::monitoring
