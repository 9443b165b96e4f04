#include "features/indicators.h"

#include <limits>

#include "indicator_testing.h"
#include "testing/matchers.h"

namespace rc::features::testing {
namespace {

using rc::testing::ErrorIs;
using rc::testing::IsOk;

TEST(IndicatorCatalogTest, EveryKindBuildsWithDefaultsAndNamesItsOutputs) {
  const BarSeries bars = Series(100, 1);
  for (const IndicatorInfo& info : IndicatorCatalog()) {
    const IndicatorSpec spec{std::string(info.kind), {}};
    auto indicator = MakeIndicator(spec, Nse());
    ASSERT_THAT(indicator, IsOk()) << info.kind;
    auto names = OutputNames(spec);
    ASSERT_THAT(names, IsOk());
    EXPECT_EQ(names->size(), (*indicator)->NumOutputs()) << info.kind;
    for (const Bar& bar : bars) (*indicator)->Update(bar);
    EXPECT_TRUE((*indicator)->IsReady()) << info.kind;
  }
}

TEST(IndicatorCatalogTest, OutputNamesFollowTheSilverConvention) {
  EXPECT_EQ(*OutputNames({"sma", {20}}), std::vector<std::string>{"sma_20"});
  EXPECT_EQ(*OutputNames({"macd", {}}),
            (std::vector<std::string>{"macd_12_26_9", "macd_signal_12_26_9", "macd_hist_12_26_9"}));
  EXPECT_EQ(*OutputNames({"bb", {20, 2}}),
            (std::vector<std::string>{"bb_middle_20_2", "bb_upper_20_2", "bb_lower_20_2", "bb_pctb_20_2",
                                      "bb_width_20_2"}));
  EXPECT_EQ((*OutputNames({"bb", {20, 2.5}}))[1], "bb_upper_20_2.5");
  EXPECT_EQ(*OutputNames({"stoch", {14, 3, 3}}), (std::vector<std::string>{"stoch_k_14_3", "stoch_d_14_3"}));
  EXPECT_EQ((*OutputNames({"stoch", {14, 3, 5}}))[0], "stoch_k_14_3_5");
  EXPECT_EQ(*OutputNames({"adx", {14}}), (std::vector<std::string>{"adx_14", "plus_di_14", "minus_di_14"}));
  EXPECT_EQ(*OutputNames({"obv", {}}), std::vector<std::string>{"obv"});
  EXPECT_EQ(*OutputNames({"tod", {}}), (std::vector<std::string>{"tod_sin", "tod_cos"}));
}

TEST(IndicatorCatalogTest, RejectsBadUserInputWithAnError) {
  EXPECT_THAT(MakeIndicator({"nope", {}}, Nse()), ErrorIs(ErrorCode::kInvalidArgument, "indicator"));
  EXPECT_THAT(MakeIndicator({"sma", {0}}, Nse()), ErrorIs(ErrorCode::kInvalidArgument, "indicator"));
  EXPECT_THAT(MakeIndicator({"sma", {2.5}}, Nse()), ErrorIs(ErrorCode::kInvalidArgument, "indicator"));
  EXPECT_THAT(MakeIndicator({"sma", {1e9}}, Nse()), ErrorIs(ErrorCode::kInvalidArgument, "indicator"));
  EXPECT_THAT(MakeIndicator({"sma", {kNaN}}, Nse()), ErrorIs(ErrorCode::kInvalidArgument, "indicator"));
  EXPECT_THAT(MakeIndicator({"sma", {20, 3}}, Nse()), ErrorIs(ErrorCode::kInvalidArgument, "indicator"));
  EXPECT_THAT(MakeIndicator({"rsi", {1}}, Nse()), ErrorIs(ErrorCode::kInvalidArgument, "indicator"));
  EXPECT_THAT(MakeIndicator({"bb", {20, 0}}, Nse()), ErrorIs(ErrorCode::kInvalidArgument, "indicator"));
  EXPECT_THAT(MakeIndicator({"macd", {12, 12, 9}}, Nse()), ErrorIs(ErrorCode::kInvalidArgument, "indicator"));
  EXPECT_THAT(OutputNames({"nope", {}}), ErrorIs(ErrorCode::kInvalidArgument, "indicator"));
}

TEST(IndicatorCatalogTest, FactoryObjectEqualsTheConcreteClass) {
  const BarSeries bars = Series(200, 2);
  auto made = *MakeIndicator({"macd", {12, 26, 9}}, Nse());
  Macd direct(12, 26, 9);
  for (const Bar& bar : bars) {
    made->Update(bar);
    direct.Update(bar);
    for (size_t out = 0; out < 3; ++out) ASSERT_TRUE(Same(direct.Output(out), made->Output(out)));
  }
}

// ComputeIndicatorOutputs (close-only kinds over the close column) equals the factory
// object fed bar by bar, for every kind, on random walks with non-finite bars, on flat
// stretches and on real NSE bars.
void ExpectOutputsEqualStreaming(const IndicatorSpec& spec, const BarSeries& bars) {
  std::vector<double> closes(bars.size());
  for (size_t idx = 0; idx < bars.size(); ++idx) closes[idx] = bars[idx].close;
  auto got = ComputeIndicatorOutputs(spec, bars, closes, Nse());
  ASSERT_THAT(got, IsOk()) << spec.kind;
  auto made = *MakeIndicator(spec, Nse());
  const std::vector<std::vector<double>> expected = FoldOutputs(*made, bars);
  ASSERT_EQ(got->size(), expected.size()) << spec.kind;
  for (size_t out = 0; out < expected.size(); ++out) {
    ASSERT_EQ((*got)[out].size(), bars.size()) << spec.kind;
    for (size_t row = 0; row < bars.size(); ++row) {
      ASSERT_TRUE(Same(expected[out][row], (*got)[out][row])) << spec.kind << " output " << out << " row " << row;
    }
  }
}

TEST(IndicatorCatalogTest, ComputedOutputsEqualTheStreamingObjectForEveryKind) {
  BarSeries dirty = Series(400, 12);
  for (size_t row : {0u, 7u, 30u, 31u, 200u}) dirty[row].close = kNaN;
  dirty[100].high = std::numeric_limits<double>::infinity();
  for (size_t row = 250; row < 300; ++row) dirty[row].high = dirty[row].low = dirty[row].close = 101.0;
  const BarSeries real = NseBars("TCS");
  for (const IndicatorInfo& info : IndicatorCatalog()) {
    const IndicatorSpec defaults{std::string(info.kind), {}};
    ExpectOutputsEqualStreaming(defaults, dirty);
    if (!real.empty()) ExpectOutputsEqualStreaming(defaults, real);
  }
  ExpectOutputsEqualStreaming({"macd", {26, 12, 5}}, dirty);  // swapped periods, as TA-Lib
  ExpectOutputsEqualStreaming({"bb", {10, 1.5}}, dirty);
  ExpectOutputsEqualStreaming({"sma", {1}}, dirty);
  EXPECT_THAT(ComputeIndicatorOutputs({"sma", {0}}, dirty, {}, Nse()), ErrorIs(ErrorCode::kInvalidArgument, "indicator"));
}

TEST(IndicatorCatalogTest, ComputedOutputsUseTheBarsWhenClosesDoNotMatch) {
  const BarSeries bars = Series(100, 13);
  auto from_bars = ComputeIndicatorOutputs({"rsi", {14}}, bars, {}, Nse());
  ASSERT_THAT(from_bars, IsOk());
  Rsi rsi(14);
  const std::vector<double> expected = Fold(rsi, bars);
  for (size_t row = 0; row < bars.size(); ++row) ASSERT_TRUE(Same(expected[row], (*from_bars)[0][row])) << row;
}

}  // namespace
}  // namespace rc::features::testing
