#include "regime/detector.h"

#include <gtest/gtest.h>

#include <cmath>

#include "regime_sim.h"
#include "testing/matchers.h"

namespace rc::regime {
namespace {

using rc::testing::ErrorIs;
using rc::testing::IsOk;

constexpr int64_t kSpacing = 300'000'000;

RegimeInput Calm(int64_t idx) {
  RegimeInput in;
  in.ts = idx * kSpacing;
  in.adx = 10;
  in.plus_di = 20;
  in.minus_di = 20;
  in.efficiency_ratio = 0.05;
  in.trend_return = 0.0;
  in.dist_sma = 0.0;
  in.realized_vol = 0.002;
  return in;
}

RegimeInput Uptrend(int64_t idx) {
  RegimeInput in = Calm(idx);
  in.adx = 40;
  in.plus_di = 35;
  in.minus_di = 10;
  in.efficiency_ratio = 0.6;
  in.trend_return = 0.01;
  in.dist_sma = 0.005;
  return in;
}

// These tests feed hand-made indicator values (no prices): they exercise the
// threshold method and the state machine around it (warm-up, gaps, hysteresis).
DetectorOptions Fast() {
  DetectorOptions o;
  o.method = DetectorMethod::kThresholds;
  o.min_history = 5;
  o.min_dwell = 3;
  return o;
}

TEST(RegimeDetectorTest, UnknownDuringWarmUp) {
  RegimeDetector det(Fast());
  for (int64_t idx = 0; idx < 4; ++idx) {
    RegimeState s = det.Update(Calm(idx));
    EXPECT_EQ(s.regime, Regime::kUnknown);
    EXPECT_EQ(s.reason, "warm-up");
  }
  EXPECT_EQ(det.Update(Calm(4)).regime, Regime::kRangeBound);
}

TEST(RegimeDetectorTest, MissingFeatureIsUnknown) {
  RegimeDetector det(Fast());
  for (int64_t idx = 0; idx < 10; ++idx) det.Update(Calm(idx));
  RegimeInput in = Calm(10);
  in.adx = std::nan("");
  RegimeState s = det.Update(in);
  EXPECT_EQ(s.regime, Regime::kUnknown);
  EXPECT_EQ(s.reason, "missing feature");
}

TEST(RegimeDetectorTest, FlaggedGapShowsUnknownImmediately) {
  RegimeDetector det(Fast());
  for (int64_t idx = 0; idx < 20; ++idx) det.Update(Calm(idx));
  RegimeInput in = Calm(20);
  in.gap_before = true;
  RegimeState s = det.Update(in);
  EXPECT_EQ(s.regime, Regime::kUnknown);
  EXPECT_EQ(s.reason, "gap");
  EXPECT_EQ(det.Update(Calm(21)).regime, Regime::kRangeBound);
}

TEST(RegimeDetectorTest, StaleFeedIsUnknownAtQueryTime) {
  RegimeDetector det(Fast());
  for (int64_t idx = 0; idx < 20; ++idx) det.Update(Calm(idx));
  int64_t last_close = 19 * kSpacing + kSpacing;
  EXPECT_EQ(det.StateAt(last_close + kSpacing, kSpacing).regime, Regime::kRangeBound);
  RegimeState stale = det.StateAt(last_close + 3 * kSpacing, kSpacing);
  EXPECT_EQ(stale.regime, Regime::kUnknown);
  EXPECT_EQ(stale.reason, "stale");
}

TEST(RegimeDetectorTest, HysteresisIgnoresShortFlipsAndAdoptsAfterMinDwell) {
  RegimeDetector det(Fast());
  int64_t idx = 0;
  for (; idx < 20; ++idx) det.Update(Calm(idx));
  ASSERT_EQ(det.current().regime, Regime::kRangeBound);
  // Two trend bars (< min_dwell 3) do not switch.
  EXPECT_EQ(det.Update(Uptrend(idx++)).regime, Regime::kRangeBound);
  RegimeState held = det.Update(Uptrend(idx++));
  EXPECT_EQ(held.regime, Regime::kRangeBound);
  EXPECT_EQ(held.raw, Regime::kTrendingUp);
  EXPECT_LT(held.confidence, 0.5);  // held against the evidence: low confidence
  EXPECT_EQ(det.Update(Calm(idx++)).regime, Regime::kRangeBound);
  // Three in a row do.
  det.Update(Uptrend(idx++));
  det.Update(Uptrend(idx++));
  RegimeState switched = det.Update(Uptrend(idx++));
  EXPECT_EQ(switched.regime, Regime::kTrendingUp);
  EXPECT_EQ(switched.bars_in_state, 1);
  EXPECT_GT(switched.confidence, 0.5);
}

TEST(RegimeDetectorTest, OutOfOrderBarIsNotConsumed) {
  RegimeDetector det(Fast());
  for (int64_t idx = 0; idx < 10; ++idx) det.Update(Calm(idx));
  RegimeState s = det.Update(Calm(3));
  EXPECT_EQ(s.regime, Regime::kUnknown);
  EXPECT_EQ(s.reason, "out-of-order bar");
  EXPECT_EQ(det.bars_seen(), 10u);
  EXPECT_EQ(det.current().ts, 9 * kSpacing);
}

TEST(RegimeDetectorTest, ConfidenceIsAlwaysInUnitInterval) {
  testing::SimOptions so;
  so.bars = 3000;
  so.seed = 11;
  auto table = testing::ComputeFeatures(testing::SimulateRegimes(so), 12, 60);
  auto inputs = RegimeInputsFromColumns(table);
  ASSERT_THAT(inputs, IsOk());
  for (const RegimeState& s : DetectRegimes(*inputs)) {
    EXPECT_GE(s.confidence, 0.0);
    EXPECT_LE(s.confidence, 1.0);
  }
}

TEST(RegimeDetectorTest, BatchFoldEqualsStreaming) {
  testing::SimOptions so;
  so.bars = 2000;
  so.seed = 5;
  auto table = testing::ComputeFeatures(testing::SimulateRegimes(so), 12, 60);
  auto inputs = RegimeInputsFromColumns(table);
  ASSERT_THAT(inputs, IsOk());
  auto batch = DetectRegimes(*inputs);
  RegimeDetector det;
  for (size_t idx = 0; idx < inputs->size(); ++idx) {
    RegimeState s = det.Update((*inputs)[idx]);
    ASSERT_EQ(s.regime, batch[idx].regime) << idx;
    ASSERT_DOUBLE_EQ(s.confidence, batch[idx].confidence) << idx;
  }
}

TEST(RegimeDetectorTest, PerturbingBarsAfterTChangesNoRegimeAtOrBeforeT) {
  testing::SimOptions so;
  so.bars = 3000;
  so.seed = 21;
  testing::SimSeries series = testing::SimulateRegimes(so);
  auto base = DetectRegimes(*RegimeInputsFromColumns(testing::ComputeFeatures(series, 12, 60)));
  for (size_t t : {500u, 1500u, 2500u}) {
    testing::SimSeries perturbed = series;
    for (size_t idx = t + 1; idx < perturbed.close.size(); ++idx) {
      double f = 1.0 + 0.05 * std::sin(static_cast<double>(idx));
      perturbed.close[idx] *= f;
      perturbed.high[idx] *= f * 1.01;
      perturbed.low[idx] *= f * 0.99;
    }
    auto after = DetectRegimes(*RegimeInputsFromColumns(testing::ComputeFeatures(perturbed, 12, 60)));
    bool changed_later = false;
    for (size_t idx = 0; idx < after.size(); ++idx) {
      if (idx <= t) {
        ASSERT_EQ(after[idx].regime, base[idx].regime) << "bar " << idx << " t " << t;
        ASSERT_DOUBLE_EQ(after[idx].confidence, base[idx].confidence) << "bar " << idx;
      } else if (after[idx].regime != base[idx].regime) {
        changed_later = true;
      }
    }
    EXPECT_TRUE(changed_later) << "the perturbation must matter after t, or the test proves nothing";
  }
}

TEST(RegimeDetectorTest, InvalidOptionsNameTheField) {
  DetectorOptions o;
  o.min_dwell = 0;
  EXPECT_THAT(ValidateDetectorOptions(o), ErrorIs(ErrorCode::kInvalidArgument, "min_dwell"));
  DetectorOptions p;
  p.vol_pct_hi = 0.1;
  EXPECT_THAT(ValidateDetectorOptions(p), ErrorIs(ErrorCode::kInvalidArgument, "vol_pct_hi"));
  EXPECT_THAT(ValidateDetectorOptions(DetectorOptions{}), IsOk());
}

}  // namespace
}  // namespace rc::regime

namespace rc::regime {
namespace {

// 75 five-minute bars a day from 03:45 UTC; realized vol twice as high in the
// first hour (the open's daily shape), plus one genuinely turbulent afternoon.
std::vector<RegimeInput> DailyShapedVol(int days, int turbulent_day) {
  std::vector<RegimeInput> out;
  constexpr int64_t kDay = 86'400'000'000, kOpen = 13'500'000'000;  // 03:45 UTC
  for (int day = 0; day < days; ++day) {
    for (int bar = 0; bar < 75; ++bar) {
      RegimeInput in;
      in.ts = day * kDay + kOpen + bar * 300'000'000LL;
      in.adx = 10;
      in.plus_di = in.minus_di = 20;
      in.efficiency_ratio = 0.05;
      in.realized_vol = (bar < 12 ? 0.004 : 0.002) * (day == turbulent_day && bar >= 40 ? 3.0 : 1.0);
      out.push_back(in);
    }
  }
  return out;
}

TEST(DetectorSeasonalityTest, TheDailyOpenIsNotVolatileButATurbulentAfternoonIs) {
  const std::vector<RegimeInput> inputs = DailyShapedVol(40, 35);
  auto open_volatile_share = [&](const std::vector<RegimeState>& states) {
    int opens = 0, volatile_opens = 0;
    for (size_t i = 0; i < states.size(); ++i) {
      const int day = static_cast<int>(i / 75), bar = static_cast<int>(i % 75);
      if (day < 10 || bar >= 12) continue;  // after the slots have history, the open hour only
      ++opens;
      volatile_opens += states[i].regime == Regime::kVolatile;
    }
    return static_cast<double>(volatile_opens) / opens;
  };
  DetectorOptions thresholds;  // realized-vol ranking is the threshold method's
  thresholds.method = DetectorMethod::kThresholds;
  const std::vector<RegimeState> seasonal = DetectRegimes(inputs, thresholds);
  DetectorOptions raw = thresholds;
  raw.seasonal_min_obs = 0;  // the old behaviour: raw vol against the all-day history
  const std::vector<RegimeState> unadjusted = DetectRegimes(inputs, raw);
  EXPECT_LT(open_volatile_share(seasonal), 0.05);
  EXPECT_GT(open_volatile_share(unadjusted), 0.5);
  // The turbulent afternoon (3x its slot's usual vol) is volatile either way.
  int turbulent_volatile = 0;
  for (int bar = 45; bar < 75; ++bar) turbulent_volatile += seasonal[35 * 75 + bar].regime == Regime::kVolatile;
  EXPECT_GT(turbulent_volatile, 25);
  // Streaming gives the batch answer bar by bar.
  RegimeDetector det(thresholds);
  for (size_t i = 0; i < inputs.size(); ++i) ASSERT_EQ(det.Update(inputs[i]).regime, seasonal[i].regime) << i;
  DetectorOptions bad;
  bad.seasonal_min_obs = -1;
  EXPECT_THAT(ValidateDetectorOptions(bad), ErrorIs(ErrorCode::kInvalidArgument, "seasonal_min_obs"));
}

}  // namespace
}  // namespace rc::regime
