#include "ml/session_profile.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cmath>
#include <numeric>
#include <random>

#include "core/time.h"
#include "testing/matchers.h"

namespace rc::ml {
namespace {

using rc::testing::ErrorIs;
using rc::testing::IsOk;

constexpr int64_t kMinute = 60'000'000;

// `days` sessions of `bars` 5-minute bars from 03:45 UTC whose one-bar
// returns have standard deviation sigma(bar) (bar 0: the open, gap included).
struct Bars {
  std::vector<int64_t> ts;
  std::vector<double> close;
};
template <typename Sigma>
Bars Sessions(int days, int bars, Sigma sigma, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> n01(0, 1);
  Bars b;
  double log_price = std::log(50.0);
  for (int day = 0; day < days; ++day) {
    for (int bar = 0; bar < bars; ++bar) {
      log_price += 0.001 * sigma(bar) * n01(rng);
      b.ts.push_back(day * 1440 * kMinute + (225 + 5 * bar) * kMinute);
      b.close.push_back(std::exp(log_price));
    }
  }
  return b;
}

TEST(SessionProfileTest, LearnsTheOpeningGapAndTheQuietLunch) {
  auto sigma = [](int bar) { return bar == 0 ? 4.0 : (bar >= 30 && bar < 42) ? 0.5 : 1.0; };
  Bars b = Sessions(200, 75, sigma, 3);
  // A stray bar at 12:00 UTC on one day (a special session) is no slot.
  b.ts.push_back(b.ts.back() + 400 * kMinute);
  b.close.push_back(b.close.back());
  const SessionProfile p = LearnSessionProfile(b.ts, b.close, b.ts.size());
  ASSERT_EQ(p.minutes.size(), 75u);
  EXPECT_EQ(p.minutes.front(), 225);  // 03:45 UTC
  EXPECT_EQ(p.minutes.back(), 595);   // 09:55 UTC
  // Relative standard deviations as simulated (mean absolute returns keep the ratios of normals).
  EXPECT_NEAR(std::sqrt(p.variance[0] / p.variance[10]), 4.0, 0.5);
  EXPECT_NEAR(std::sqrt(p.variance[35] / p.variance[10]), 0.5, 0.07);
  // Normalised to 1 over the bars (every slot holds 200 of them, 199 at the first).
  const double mean = std::accumulate(p.variance.begin(), p.variance.end(), 0.0) / 75.0;
  EXPECT_NEAR(mean, 1.0, 0.01);

  // Only bars before `end` are learned from: on the first 40 days alone the profile differs.
  const SessionProfile early = LearnSessionProfile(b.ts, b.close, 40 * 75);
  ASSERT_EQ(early.minutes.size(), 75u);
  EXPECT_NE(early.variance, p.variance);
  // Too little to learn from, or nothing moving: no profile.
  EXPECT_TRUE(LearnSessionProfile(b.ts, b.close, 1).empty());
  const std::vector<double> flat(b.ts.size(), 10.0);
  EXPECT_TRUE(LearnSessionProfile(b.ts, flat, flat.size()).empty());
}

TEST(SessionProfileTest, FactorsRunAcrossTheCloseIntoTheNextSession) {
  SessionProfile p;
  p.minutes = {225, 230, 235, 240};  // a four-bar session
  p.variance = {4.0, 1.0, 0.5, 0.5};
  const int64_t day = 1440 * kMinute;
  // The last bar's next two bars are the next session's first two; its
  // three-bar window is the session's last three.
  auto f = p.FactorsAt(7 * day + 240 * kMinute, 2, 3);
  EXPECT_DOUBLE_EQ(f.ahead, std::sqrt((4.0 + 1.0) / 2));
  EXPECT_DOUBLE_EQ(f.trailing, std::sqrt((1.0 + 0.5 + 0.5) / 3));
  // The first bar's window reaches back into the day before.
  f = p.FactorsAt(7 * day + 225 * kMinute, 1, 2);
  EXPECT_DOUBLE_EQ(f.ahead, 1.0);
  EXPECT_DOUBLE_EQ(f.trailing, std::sqrt((0.5 + 4.0) / 2));
  // A horizon longer than a session wraps more than once.
  f = p.FactorsAt(225 * kMinute, 6, 1);
  EXPECT_DOUBLE_EQ(f.ahead, std::sqrt((1.0 + 0.5 + 0.5 + 4.0 + 1.0 + 0.5) / 6));
  // Not a slot, or no profile: the plain volatility scale.
  f = p.FactorsAt(226 * kMinute, 2, 3);
  EXPECT_DOUBLE_EQ(f.ahead, 1.0);
  EXPECT_DOUBLE_EQ(f.trailing, 1.0);
  f = SessionProfile{}.FactorsAt(225 * kMinute, 2, 3);
  EXPECT_DOUBLE_EQ(f.ahead * f.trailing, 1.0);
  // Minutes of the UTC day, before the epoch too.
  EXPECT_EQ(MinuteOfUtcDay(7 * day + 240 * kMinute), 240);
  EXPECT_EQ(MinuteOfUtcDay(-kMinute), 1439);
}

TEST(SessionProfileTest, StoredProfilesRoundTripAndBadOnesAreRefusedNamingTheField) {
  SessionProfile p;
  p.minutes = {225, 230};
  p.variance = {1.7, 0.3};
  auto back = SessionProfile::FromJson(boost::json::parse(boost::json::serialize(p.ToJson())).as_object(), "profile");
  ASSERT_THAT(back, IsOk());
  EXPECT_EQ(back->minutes, p.minutes);
  EXPECT_EQ(back->variance, p.variance);
  auto refused = [](boost::json::object o) { return SessionProfile::FromJson(o, "profile"); };
  boost::json::object bad = p.ToJson();
  bad["minutes"] = boost::json::array{230, 225};
  EXPECT_THAT(refused(bad), ErrorIs(ErrorCode::kDataCorrupt, "profile.minutes"));
  bad["minutes"] = boost::json::array{225, 1440};
  EXPECT_THAT(refused(bad), ErrorIs(ErrorCode::kDataCorrupt, "profile.minutes"));
  bad = p.ToJson();
  bad["variance"] = boost::json::array{1.0, -1.0};
  EXPECT_THAT(refused(bad), ErrorIs(ErrorCode::kDataCorrupt, "profile.variance"));
  bad["variance"] = boost::json::array{1.0};
  EXPECT_THAT(refused(bad), ErrorIs(ErrorCode::kDataCorrupt, "profile.variance"));
  bad.erase("minutes");
  EXPECT_THAT(refused(bad), ErrorIs(ErrorCode::kDataCorrupt, "profile.minutes"));
}

}  // namespace
}  // namespace rc::ml
