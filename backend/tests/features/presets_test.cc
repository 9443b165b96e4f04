#include "features/presets.h"

#include <set>

#include "indicator_testing.h"
#include "testing/matchers.h"

namespace rc::features::testing {
namespace {

using rc::testing::ErrorIs;
using rc::testing::IsOk;

TEST(PresetsTest, ListsTheFourChartPresets) {
  std::set<std::string> names;
  for (const Preset& preset : ListPresets()) {
    names.insert(preset.name);
    EXPECT_FALSE(preset.indicators.empty());
    for (const IndicatorSpec& spec : preset.indicators) EXPECT_THAT(OutputNames(spec), IsOk()) << spec.kind;
  }
  EXPECT_EQ(names, (std::set<std::string>{"trend", "momentum", "volatility", "mean_reversion"}));
}

TEST(PresetsTest, ComputesEveryOutputOverTheSeriesFromTheSameLibrary) {
  const BarSeries bars = Series(300, 3);
  for (const Preset& preset : ListPresets()) {
    auto series = ComputePreset(preset.name, bars, Nse());
    ASSERT_THAT(series, IsOk());
    size_t expected_outputs = 0;
    for (const IndicatorSpec& spec : preset.indicators) expected_outputs += OutputNames(spec)->size();
    EXPECT_EQ(series->size(), expected_outputs) << preset.name;
    for (const NamedSeries& s : *series) {
      ASSERT_EQ(s.values.size(), bars.size()) << s.name;
      EXPECT_TRUE(std::isfinite(s.values.back())) << s.name;
    }
  }
  auto trend = *ComputePreset("trend", bars, Nse());
  Sma sma(20);
  const auto expected = Fold(sma, std::span<const Bar>(bars));
  ASSERT_EQ(trend[0].name, "sma_20");
  for (size_t row = 0; row < bars.size(); ++row) ASSERT_TRUE(Same(expected[row], trend[0].values[row]));
}

TEST(PresetsTest, UnknownPresetIsAnError) {
  EXPECT_THAT(ComputePreset("astrology", {}, Nse()), ErrorIs(ErrorCode::kInvalidArgument, "preset"));
}

}  // namespace
}  // namespace rc::features::testing
