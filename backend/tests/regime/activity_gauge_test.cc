#include "regime/internal/activity_gauge.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace rc::regime::internal {
namespace {

struct Bar {
  double z, u;
};

std::vector<Bar> CalmThenBusy(int calm, int busy, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::vector<Bar> bars;
  for (int i = 0; i < calm + busy; ++i) {
    const bool is_busy = i >= calm;
    bars.push_back({(is_busy ? 3.0 : 1.0) * normal(rng), (is_busy ? 0.7 : 0.0) + 0.2 * normal(rng)});
  }
  return bars;
}

std::vector<double> Fold(const std::vector<Bar>& bars, double half_life = 6, size_t min_history = 50) {
  ActivityGauge gauge(half_life, min_history);
  std::vector<double> out;
  for (const Bar& b : bars) out.push_back(gauge.Update(b.z, b.u));
  return out;
}

TEST(ActivityGaugeTest, ReadsNothingUntilItHasEarlierBarsToCompareWith) {
  const auto out = Fold(CalmThenBusy(100, 0, 1), 6, 50);
  for (int i = 0; i < 50; ++i) EXPECT_TRUE(std::isnan(out[i])) << i;
  for (int i = 50; i < 100; ++i) EXPECT_TRUE(std::isfinite(out[i])) << i;
}

TEST(ActivityGaugeTest, ABusySpellReadsFarAboveTheUsualLevelAndACalmOneNear0) {
  const auto out = Fold(CalmThenBusy(2000, 100, 2));
  double calm = 0, busy = 0;
  for (int i = 1000; i < 2000; ++i) calm += out[i] / 1000;
  for (int i = 2030; i < 2100; ++i) busy += out[i] / 70;
  EXPECT_NEAR(calm, 0.0, 0.25);
  // log(9) for the variance plus 0.7 of log volume: about 2.9 once the averages catch up.
  EXPECT_GT(busy, 2.0);
}

TEST(ActivityGaugeTest, ASingleSpikeFadesWithTheHalfLife) {
  auto bars = CalmThenBusy(1000, 0, 3);
  bars[900] = {8.0, 0.0};  // one outsized bar
  const auto out = Fold(bars, 6);
  const double jump = out[900] - out[899];
  EXPECT_GT(jump, 1.5);
  EXPECT_LT(out[930] - out[899], 0.5 * jump);  // five half-lives later most of it is gone
}

// No look-ahead: the reading at t depends on bars <= t only, including the
// median it is compared with. Changing every bar after t changes nothing at or before t.
TEST(ActivityGaugeTest, BarsAfterTChangeNoReadingAtOrBeforeT) {
  const auto base = CalmThenBusy(600, 200, 4);
  const auto reference = Fold(base);
  for (size_t t : {60u, 300u, 599u, 700u}) {
    auto changed = base;
    std::mt19937 rng(static_cast<unsigned>(t));
    std::normal_distribution<double> wild(0.0, 10.0);
    for (size_t k = t + 1; k < changed.size(); ++k) changed[k] = {wild(rng), wild(rng)};
    const auto out = Fold(changed);
    for (size_t k = 0; k <= t; ++k) {
      if (std::isnan(reference[k])) {
        EXPECT_TRUE(std::isnan(out[k])) << k;
      } else {
        EXPECT_DOUBLE_EQ(out[k], reference[k]) << "bar " << k << " changed by bars after " << t;
      }
    }
  }
}

// "Usual" is the median of the last `window` earlier scores: after a long busy
// stretch the busy level becomes usual (reads near 0), and the calm that
// follows reads below it.
TEST(ActivityGaugeTest, TheUsualLevelFollowsTheLastWindowOfBars) {
  const auto bars = CalmThenBusy(1500, 400, 6);
  ActivityGauge gauge(6, 50, 200);
  std::vector<double> windowed;
  for (const Bar& b : bars) windowed.push_back(gauge.Update(b.z, b.u));
  const auto expanding = Fold(bars, 6, 50);  // default window (6000) holds every bar here
  double windowed_late = 0, expanding_late = 0;
  for (int i = 1800; i < 1900; ++i) {
    windowed_late += windowed[i] / 100;
    expanding_late += expanding[i] / 100;
  }
  EXPECT_NEAR(windowed_late, 0.0, 0.3);  // 200 busy bars back: busy is usual now
  EXPECT_GT(expanding_late, 2.0);        // against all 1,800 earlier bars, mostly calm
}

TEST(ActivityGaugeTest, MissingInputsLeaveTheAveragesAsTheyWere) {
  ActivityGauge with_gaps(6, 1), without(6, 1);
  const double nan = std::nan("");
  EXPECT_TRUE(std::isnan(with_gaps.Update(nan, nan)));  // no return yet: nothing to read
  for (int i = 0; i < 20; ++i) {
    with_gaps.Update(1.0, 0.0);
    without.Update(1.0, 0.0);
  }
  // A bar with no return and no volume (the overnight return, a feed gap) only
  // repeats the current score; the next real bar reads the same either way.
  with_gaps.Update(nan, nan);
  EXPECT_NEAR(with_gaps.Update(2.0, 0.5), without.Update(2.0, 0.5), 0.05);
}

TEST(ActivityGaugeTest, WithoutVolumeTheReturnAloneIsTheScore) {
  std::mt19937 rng(5);
  std::normal_distribution<double> normal(0.0, 1.0);
  ActivityGauge gauge(6, 50);
  double last = 0;
  for (int i = 0; i < 400; ++i) last = gauge.Update((i >= 350 ? 3.0 : 1.0) * normal(rng), std::nan(""));
  EXPECT_TRUE(std::isfinite(last));
  EXPECT_GT(last, 1.0);
}

}  // namespace
}  // namespace rc::regime::internal
