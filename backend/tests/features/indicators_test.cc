#include "features/indicators.h"

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

}  // namespace
}  // namespace rc::features::testing
