#include "features/momentum/stochastic.h"

#include <algorithm>

#include "indicator_testing.h"

namespace rc::features::testing {
namespace {

struct StochReference {
  std::vector<double> k, d;
};

StochReference Reference(const BarSeries& b, int fastk, int slowk, int slowd) {
  const size_t size = b.size();
  std::vector<double> fast(size, kNaN), slow(size, kNaN);
  StochReference ref{std::vector<double>(size, kNaN), std::vector<double>(size, kNaN)};
  for (size_t t = fastk - 1; t < size; ++t) {
    double hi = b[t].high, lo = b[t].low;
    for (size_t j = t + 1 - fastk; j <= t; ++j) {
      hi = std::max(hi, b[j].high);
      lo = std::min(lo, b[j].low);
    }
    fast[t] = hi > lo ? 100 * (b[t].close - lo) / (hi - lo) : 0.0;
  }
  for (size_t t = fastk + slowk - 2; t < size; ++t) slow[t] = WindowMean(fast, t, slowk);
  for (size_t t = fastk + slowk + slowd - 3; t < size; ++t) {
    ref.k[t] = slow[t];
    ref.d[t] = WindowMean(slow, t, slowd);
  }
  return ref;
}

TEST(StochasticTest, MatchesWindowExtremesAtEveryStep) {
  for (auto [fastk, slowk, slowd] : {std::tuple{14, 3, 3}, std::tuple{5, 1, 1}, std::tuple{9, 4, 2}}) {
    const BarSeries bars = Series(500, 61 + fastk);
    const auto ref = Reference(bars, fastk, slowk, slowd);
    ExpectMatchesReference(Stochastic(fastk, slowk, slowd), bars, ref.k, Stochastic::kK);
    ExpectMatchesReference(Stochastic(fastk, slowk, slowd), bars, ref.d, Stochastic::kD);
  }
}

TEST(StochasticTest, BothOutputsReadyWhenDExists) { ExpectIndicatorContract(Stochastic(14, 3, 3), 17); }

TEST(StochasticTest, ZeroRangeGivesZero) {
  Stochastic stoch(3, 1, 1);
  for (int i = 0; i < 5; ++i) stoch.Update(Bar{i, 7, 7, 7, 7, 1});
  EXPECT_EQ(stoch.Value(), 0.0);
}

}  // namespace
}  // namespace rc::features::testing
