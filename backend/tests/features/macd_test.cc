#include "features/momentum/macd.h"

#include "indicator_testing.h"

namespace rc::features::testing {
namespace {

// Plain-array EMA seeded with the mean of x[begin .. begin+period-1].
std::vector<double> EmaFrom(const std::vector<double>& x, size_t begin, int period) {
  std::vector<double> out(x.size(), kNaN);
  const double k = 2.0 / (period + 1);
  const size_t seed_end = begin + period - 1;
  if (seed_end >= x.size()) return out;
  double ema = WindowMean(x, seed_end, period);
  out[seed_end] = ema;
  for (size_t t = seed_end + 1; t < x.size(); ++t) out[t] = ema = ema + k * (x[t] - ema);
  return out;
}

struct MacdReference {
  std::vector<double> line, signal, hist;
};

MacdReference Reference(const std::vector<double>& x, int fast, int slow, int signal) {
  const auto slow_ema = EmaFrom(x, 0, slow);
  const auto fast_ema = EmaFrom(x, slow - fast, fast);  // TA-Lib aligns the fast EMA on the slow one
  std::vector<double> line(x.size(), kNaN);
  for (size_t t = slow - 1; t < x.size(); ++t) line[t] = fast_ema[t] - slow_ema[t];
  const auto signal_ema = EmaFrom(line, slow - 1, signal);
  MacdReference ref{std::vector<double>(x.size(), kNaN), std::vector<double>(x.size(), kNaN),
                    std::vector<double>(x.size(), kNaN)};
  for (size_t t = slow + signal - 2; t < x.size(); ++t) {
    ref.line[t] = line[t];
    ref.signal[t] = signal_ema[t];
    ref.hist[t] = line[t] - signal_ema[t];
  }
  return ref;
}

TEST(MacdTest, MatchesAlignedEmaReferenceAtEveryStep) {
  for (auto [fast, slow, signal] : {std::tuple{12, 26, 9}, std::tuple{3, 7, 2}, std::tuple{5, 6, 1}}) {
    const BarSeries bars = Series(500, 5 + fast);
    const auto ref = Reference(Closes(bars), fast, slow, signal);
    ExpectMatchesReference(Macd(fast, slow, signal), bars, ref.line, Macd::kMacd);
    ExpectMatchesReference(Macd(fast, slow, signal), bars, ref.signal, Macd::kSignal);
    ExpectMatchesReference(Macd(fast, slow, signal), bars, ref.hist, Macd::kHist);
  }
}

TEST(MacdTest, SwappedPeriodsBehaveAsTaLib) {
  const BarSeries bars = Series(200, 9);
  Macd swapped(26, 12, 9), normal(12, 26, 9);
  for (const Bar& bar : bars) {
    swapped.Update(bar);
    normal.Update(bar);
    ASSERT_TRUE(Same(normal.Value(), swapped.Value()));
  }
}

TEST(MacdTest, AllOutputsNanUntilSignalExists) { ExpectIndicatorContract(Macd(12, 26, 9), 33); }

}  // namespace
}  // namespace rc::features::testing
