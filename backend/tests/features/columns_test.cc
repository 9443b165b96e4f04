// The column folds (features/columns.h) give the streaming path's value at every bar,
// bit for bit: on real NSE bars, on random walks with non-finite bars inserted, on flat
// prices, zero closes (ROC, log returns) and series shorter than the warm-up.
#include "features/columns.h"

#include <limits>

#include "features/indicators.h"
#include "indicator_testing.h"

namespace rc::features::testing {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Every output of `fresh` folded over `bars` one Bar at a time (the streaming path)
// equals FoldColumnOutputs over the close column.
template <typename Ind>
void ExpectCloseColumnsEqualStreaming(const Ind& fresh, const BarSeries& bars, const char* label) {
  const BarColumns columns = BarColumns::From(bars);
  ASSERT_EQ(columns.size(), bars.size());
  Ind streaming = fresh;
  const std::vector<std::vector<double>> expected = FoldOutputs(streaming, bars);
  std::vector<std::vector<double>> got(fresh.NumOutputs(), std::vector<double>(bars.size(), -12345.0));
  std::vector<std::span<double>> outs(got.begin(), got.end());
  FoldColumnOutputs(fresh, columns.close, outs);
  std::vector<double> single(bars.size(), -12345.0);
  FoldColumn(fresh, columns.close, single);
  for (size_t out_idx = 0; out_idx < expected.size(); ++out_idx) {
    for (size_t row = 0; row < bars.size(); ++row) {
      ASSERT_TRUE(Same(expected[out_idx][row], got[out_idx][row]))
          << label << " output " << out_idx << " row " << row << ": " << expected[out_idx][row] << " vs "
          << got[out_idx][row];
    }
  }
  for (size_t row = 0; row < bars.size(); ++row) {
    ASSERT_TRUE(Same(expected[0][row], single[row])) << label << " row " << row;
  }
}

void ExpectAtrColumnsEqualStreaming(int period, const BarSeries& bars) {
  const BarColumns columns = BarColumns::From(bars);
  Atr streaming(period);
  const std::vector<double> expected = Fold(streaming, bars);
  std::vector<double> got(bars.size(), -12345.0);
  FoldHlcColumns(Atr(period), columns.high, columns.low, columns.close, got);
  for (size_t row = 0; row < bars.size(); ++row) {
    ASSERT_TRUE(Same(expected[row], got[row])) << "atr_" << period << " row " << row;
  }
}

// Every close-only indicator of core_v1 (plus a few other periods) and ATR.
void ExpectAllEqualStreaming(const BarSeries& bars) {
  ExpectCloseColumnsEqualStreaming(Sma(20), bars, "sma_20");
  ExpectCloseColumnsEqualStreaming(Sma(1), bars, "sma_1");
  ExpectCloseColumnsEqualStreaming(Ema(12), bars, "ema_12");
  ExpectCloseColumnsEqualStreaming(Wma(20), bars, "wma_20");
  ExpectCloseColumnsEqualStreaming(Wma(7), bars, "wma_7");
  ExpectCloseColumnsEqualStreaming(Rsi(14), bars, "rsi_14");
  ExpectCloseColumnsEqualStreaming(Rsi(2), bars, "rsi_2");
  ExpectCloseColumnsEqualStreaming(Macd(12, 26, 9), bars, "macd");
  ExpectCloseColumnsEqualStreaming(Bollinger(20, 2.0), bars, "bbands");
  ExpectCloseColumnsEqualStreaming(Roc(10), bars, "roc_10");
  ExpectCloseColumnsEqualStreaming(RealizedVol(20), bars, "rv_20");
  ExpectCloseColumnsEqualStreaming(ZScore(20), bars, "z_20");
  ExpectCloseColumnsEqualStreaming(EfficiencyRatio(10), bars, "er_10");
  ExpectCloseColumnsEqualStreaming(LogReturn(1), bars, "ret_1");
  ExpectCloseColumnsEqualStreaming(LogReturn(12), bars, "ret_12");
  ExpectAtrColumnsEqualStreaming(14, bars);
  ExpectAtrColumnsEqualStreaming(1, bars);
}

TEST(ColumnsTest, SplitsBarsIntoFieldColumns) {
  const BarSeries bars = Series(50, 4);
  const BarColumns columns = BarColumns::From(bars);
  ASSERT_EQ(columns.size(), 50u);
  for (size_t row = 0; row < bars.size(); ++row) {
    EXPECT_EQ(columns.open_time[row], bars[row].open_time);
    EXPECT_EQ(columns.open[row], bars[row].open);
    EXPECT_EQ(columns.high[row], bars[row].high);
    EXPECT_EQ(columns.low[row], bars[row].low);
    EXPECT_EQ(columns.close[row], bars[row].close);
    EXPECT_EQ(columns.volume[row], bars[row].volume);
  }
  EXPECT_EQ(BarColumns::From({}).size(), 0u);
}

TEST(ColumnsTest, EqualStreamingOnRealNseBars) {
  bool any = false;
  for (const char* symbol : {"INFY", "RELIANCE", "TCS"}) {
    const BarSeries bars = NseBars(symbol);
    if (bars.empty()) continue;
    any = true;
    ASSERT_GT(bars.size(), 1000u) << symbol;
    ExpectAllEqualStreaming(bars);
  }
  if (!any) GTEST_SKIP() << "../shared/data/nse-5m is not present on this machine";
}

TEST(ColumnsTest, EqualStreamingWithNonFiniteBars) {
  BarSeries bars = Series(400, 9);
  // During the warm-ups and after them, in every field the folds read.
  const double bad[] = {kNaN, kInf, -kInf};
  size_t next = 0;
  for (size_t row : {0u, 1u, 3u, 13u, 14u, 15u, 19u, 20u, 33u, 60u, 61u, 250u, 399u}) {
    const double value = bad[next++ % 3];
    if (row % 2 == 0) {
      bars[row].close = value;
    } else {
      bars[row].high = value;
      bars[row].low = value;
    }
  }
  ExpectAllEqualStreaming(bars);
}

TEST(ColumnsTest, EqualStreamingOnFlatAndZeroPrices) {
  BarSeries bars = Series(200, 5);
  for (size_t row = 30; row < 90; ++row) {  // a long flat stretch: zero ranges, zero sd, RSI 0
    bars[row].open = bars[row].high = bars[row].low = bars[row].close = 100.0;
  }
  bars[120].close = 0.0;  // ROC's 0 denominator, skipped by the log returns
  bars[121].close = -1.0;
  ExpectAllEqualStreaming(bars);
  // And the flat stretch really produced the edge values.
  const BarColumns columns = BarColumns::From(bars);
  std::vector<double> z(bars.size()), roc(bars.size());
  FoldColumn(ZScore(20), columns.close, z);
  FoldColumn(Roc(1), columns.close, roc);
  EXPECT_EQ(z[89], 0.0);
  EXPECT_EQ(roc[89], 0.0);
  EXPECT_EQ(roc[121], 0.0);  // the close before was 0
}

TEST(ColumnsTest, EqualStreamingOnSeriesShorterThanTheWarmUp) {
  for (size_t length : {0u, 1u, 2u, 13u, 19u, 33u}) {
    const BarSeries bars = Series(length, 6);
    ExpectAllEqualStreaming(bars);
  }
}

TEST(ColumnsTest, ContinuesFromTheIndicatorsState) {
  // A fold started from a part-fed indicator continues its stream (no look-ahead, no
  // restart): the second half of one fold over everything.
  const BarSeries bars = Series(300, 8);
  const BarColumns columns = BarColumns::From(bars);
  Rsi whole(14);
  const std::vector<double> expected = Fold(whole, bars);
  Rsi first_half(14);
  Fold(first_half, std::span<const Bar>(bars).first(150));
  std::vector<double> rest(150);
  FoldColumn(first_half, std::span<const double>(columns.close).subspan(150), rest);
  for (size_t row = 0; row < 150; ++row) ASSERT_TRUE(Same(expected[150 + row], rest[row])) << row;
}

}  // namespace
}  // namespace rc::features::testing
