#include "features/trend/adx.h"

#include <algorithm>

#include "indicator_testing.h"

namespace rc::features::testing {
namespace {

struct AdxReference {
  std::vector<double> adx, plus_di, minus_di;
};

// Wilder/TA-Lib definition written as plain array passes.
AdxReference Reference(const BarSeries& b, int n) {
  const size_t size = b.size();
  std::vector<double> pdm(size, 0), mdm(size, 0), tr(size, 0);
  for (size_t t = 1; t < size; ++t) {
    const double up = b[t].high - b[t - 1].high;
    const double down = b[t - 1].low - b[t].low;
    if (down > 0 && up < down) mdm[t] = down;
    if (up > 0 && up > down) pdm[t] = up;
    const double pc = b[t - 1].close;
    tr[t] = std::max({b[t].high - b[t].low, std::fabs(b[t].high - pc), std::fabs(b[t].low - pc)});
  }
  AdxReference ref{std::vector<double>(size, kNaN), std::vector<double>(size, kNaN),
                   std::vector<double>(size, kNaN)};
  double sp = 0, sm = 0, st = 0;
  for (int t = 1; t < n && t < static_cast<int>(size); ++t) {
    sp += pdm[t];
    sm += mdm[t];
    st += tr[t];
  }
  std::vector<double> dx(size, kNaN);
  for (size_t t = n; t < size; ++t) {
    sp = sp - sp / n + pdm[t];
    sm = sm - sm / n + mdm[t];
    st = st - st / n + tr[t];
    ref.plus_di[t] = 100 * sp / st;
    ref.minus_di[t] = 100 * sm / st;
    dx[t] = 100 * std::fabs(ref.plus_di[t] - ref.minus_di[t]) / (ref.plus_di[t] + ref.minus_di[t]);
  }
  const size_t first = 2 * n - 1;
  if (size <= first) return ref;
  double adx = 0;
  for (size_t t = n; t <= first; ++t) adx += dx[t];
  adx /= n;
  ref.adx[first] = adx;
  for (size_t t = first + 1; t < size; ++t) ref.adx[t] = adx = (adx * (n - 1) + dx[t]) / n;
  return ref;
}

TEST(AdxTest, MatchesWilderDirectionalMovementAtEveryStep) {
  for (int period : {2, 5, 14}) {
    const BarSeries bars = Series(500, 51 + period);
    const auto ref = Reference(bars, period);
    ExpectMatchesReference(Adx(period), bars, ref.adx, Adx::kAdx);
    ExpectMatchesReference(Adx(period), bars, ref.plus_di, Adx::kPlusDi);
    ExpectMatchesReference(Adx(period), bars, ref.minus_di, Adx::kMinusDi);
  }
}

TEST(AdxTest, AdxReadyAtTwicePeriodMinusOne) { ExpectIndicatorContract(Adx(14), 27); }

TEST(AdxTest, DirectionalIndicatorsReadyAtPeriod) {
  const BarSeries bars = Series(60, 5);
  Adx adx(14);
  for (size_t t = 0; t < bars.size(); ++t) {
    adx.Update(bars[t]);
    ASSERT_EQ(std::isfinite(adx.PlusDi()), t >= 14) << t;
    ASSERT_EQ(std::isfinite(adx.MinusDi()), t >= 14) << t;
  }
}

TEST(AdxTest, FlatMarketGivesZeroDirectionalIndicators) {
  Adx adx(3);
  for (int i = 0; i < 20; ++i) adx.Update(Bar{i, 10, 10, 10, 10, 1});
  EXPECT_EQ(adx.PlusDi(), 0.0);
  EXPECT_EQ(adx.MinusDi(), 0.0);
  EXPECT_EQ(adx.Value(), 0.0);
}

}  // namespace
}  // namespace rc::features::testing
