#include "monitoring/standard_metrics.h"

#include <gtest/gtest.h>

namespace rc::monitoring {
namespace {

TEST(StandardMetricsTest, RunbookNamesAreRegisteredWithTheirTypes) {
  RegisterStandardMetrics();
  const std::string text = Registry::Default().Expose();
  for (const char* line : {"# TYPE prediction_latency_seconds histogram", "# TYPE market_regime_state gauge",
                           "# TYPE prediction_quality_metric gauge", "# TYPE cache_misses_total counter",
                           "# TYPE websocket_connections_total counter", "# TYPE http_requests_total counter",
                           "# TYPE http_request_duration_seconds histogram", "# TYPE regimecast_build_info gauge"}) {
    EXPECT_NE(text.find(line), std::string::npos) << line;
  }
}

TEST(StandardMetricsTest, PredictionLatencyBucketsResolveTheSla) {
  auto& h = PredictionLatencySeconds().WithLabels({"TCS.NS", "5m"});
  const auto* bounds = h.bounds();
  ASSERT_FALSE(bounds->empty());
  EXPECT_DOUBLE_EQ(bounds->front(), 0.0001);  // 0.1 ms
  EXPECT_DOUBLE_EQ(bounds->back(), 1.0);      // 1 s
  EXPECT_NE(std::find(bounds->begin(), bounds->end(), 0.15), bounds->end());  // the 150 ms P95 SLA
}

TEST(StandardMetricsTest, RegimeGaugeIsOneHotOverTheSixStates) {
  SetRegimeState("TCS.NS", "5m", "volatile");
  SetRegimeState("TCS.NS", "5m", "unknown");
  double total = 0;
  MarketRegimeState().ForEach([&](const std::vector<std::string>& labels, const Gauge& g) {
    if (labels[0] == "TCS.NS" && labels[1] == "5m") total += g.Value();
  });
  EXPECT_EQ(total, 1.0);
  EXPECT_EQ(MarketRegimeState().WithLabels({"TCS.NS", "5m", "unknown"}).Value(), 1.0);
  EXPECT_EQ(MarketRegimeState().WithLabels({"TCS.NS", "5m", "volatile"}).Value(), 0.0);
}

}  // namespace
}  // namespace rc::monitoring
