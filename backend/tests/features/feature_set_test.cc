#include "features/feature_set.h"

#include <algorithm>
#include <random>
#include <set>

#include "features/presets.h"
#include "indicator_testing.h"
#include "testing/matchers.h"

namespace rc::features::testing {
namespace {

using rc::testing::ErrorIs;
using rc::testing::IsOk;

const FeatureSet& Core() { return **FeatureSet::ByName("core_v1"); }

void ExpectRowsEqual(const FeatureTable& a, const FeatureTable& b, size_t rows, const char* what) {
  for (size_t col = 0; col < a.columns.size(); ++col) {
    for (size_t row = 0; row < rows; ++row) {
      ASSERT_TRUE(Same(a.columns[col][row], b.columns[col][row]))
          << what << ": column " << a.names[col] << " row " << row << ": " << a.columns[col][row] << " vs "
          << b.columns[col][row];
    }
  }
}

TEST(FeatureSetTest, LooksUpByNameAndRejectsUnknown) {
  ASSERT_THAT(FeatureSet::ByName("core_v1"), IsOk());
  EXPECT_EQ(Core().version(), 1);
  EXPECT_EQ(&FeatureSet::Default(), &Core());
  EXPECT_EQ(FeatureSet::Names(), std::vector<std::string>{"core_v1"});
  EXPECT_THAT(FeatureSet::ByName("core_v0"), ErrorIs(ErrorCode::kInvalidArgument, "feature_set"));
}

TEST(FeatureSetTest, HasTheSilverColumnsWithRoles) {
  const std::vector<std::string> required_raw = {
      "sma_20", "ema_12", "ema_26", "rsi_14", "atr_14", "adx_14", "plus_di_14", "minus_di_14", "macd_12_26_9",
      "macd_signal_12_26_9", "macd_hist_12_26_9", "bb_upper_20_2", "bb_middle_20_2", "bb_lower_20_2",
      "stoch_k_14_3", "stoch_d_14_3", "obv", "vwap"};
  const auto raw = Core().RawColumnNames();
  for (const auto& name : required_raw) EXPECT_NE(std::find(raw.begin(), raw.end(), name), raw.end()) << name;
  const std::vector<std::string> required_model = {"ret_1", "ret_3", "ret_12", "rv_20", "z_20", "er_10",
                                                   "bb_pctb", "bb_width", "dist_sma_20", "tod_sin", "tod_cos",
                                                   "dow_sin", "dow_cos", "vol_z_20"};
  const auto model = Core().ModelFeatureNames();
  for (const auto& name : required_model) EXPECT_NE(std::find(model.begin(), model.end(), name), model.end()) << name;
  const auto all = Core().ColumnNames();
  EXPECT_EQ(all.size(), raw.size() + model.size());
  EXPECT_EQ(std::set<std::string>(all.begin(), all.end()).size(), all.size()) << "duplicate column";
  for (const auto& name : all) EXPECT_EQ(name.find("target"), std::string::npos) << "a target is not a feature";
  auto state = Core().NewState(Nse());
  EXPECT_EQ(state->Row().size(), all.size());
  EXPECT_EQ(Core().ColumnIndex("sma_20"), 0);
  EXPECT_EQ(Core().ColumnIndex("nope"), -1);
}

// Every column that is also a library indicator's output equals it bit for bit (core_v1
// shares windows between columns: sma_20/z_20 with the Bollinger window, ema_26 with
// MACD, ret_1 with rv_20), and the derived columns are their documented formulas.
void ExpectColumnsEqualTheLibraryIndicators(const BarSeries& bars) {
  const FeatureTable table = Core().Compute(bars, Nse());
  const std::vector<IndicatorSpec> specs = {{"sma", {20}}, {"ema", {12}},   {"ema", {26}},        {"wma", {20}},
                                            {"rsi", {14}}, {"atr", {14}},   {"adx", {14}},        {"macd", {12, 26, 9}},
                                            {"bb", {20, 2}}, {"stoch", {14, 3, 3}}, {"obv", {}}, {"vwap", {}},
                                            {"roc", {10}}, {"rv", {20}},    {"z", {20}},          {"er", {10}},
                                            {"ret", {1}},  {"ret", {3}},    {"ret", {12}},        {"tod", {}},
                                            {"dow", {}}};
  auto series = ComputeIndicators(specs, bars, Nse());
  ASSERT_THAT(series, IsOk());
  size_t matched = 0;
  for (const NamedSeries& s : *series) {
    const std::vector<double>* column = table.Column(s.name);
    if (column == nullptr) continue;  // e.g. bb_pctb_20_2 is stored as bb_pctb
    ++matched;
    for (size_t row = 0; row < bars.size(); ++row) {
      ASSERT_TRUE(Same(s.values[row], (*column)[row])) << s.name << " row " << row;
    }
  }
  EXPECT_GE(matched, 28u);
  // Derived columns are their documented formulas.
  const auto& close = Closes(bars);
  const auto& sma = *table.Column("sma_20");
  const auto& bb_pctb = *table.Column("bb_pctb");
  const auto& pctb_series = std::find_if(series->begin(), series->end(), [](auto& s) { return s.name == "bb_pctb_20_2"; });
  for (size_t row = 0; row < bars.size(); ++row) {
    ASSERT_TRUE(Same(close[row] / sma[row] - 1.0, (*table.Column("dist_sma_20"))[row]));
    ASSERT_TRUE(Same(pctb_series->values[row], bb_pctb[row]));
    ASSERT_TRUE(Same((*table.Column("rsi_14"))[row] / 50 - 1, (*table.Column("rsi_14_scaled"))[row]) ||
                Near((*table.Column("rsi_14"))[row] / 50 - 1, (*table.Column("rsi_14_scaled"))[row], 1e-12, 1e-15));
    ASSERT_TRUE(Same((*table.Column("macd_hist_12_26_9"))[row] / (*table.Column("atr_14"))[row],
                     (*table.Column("macd_hist_atr"))[row]));
  }
}

TEST(FeatureSetTest, RawColumnsEqualTheLibraryIndicators) { ExpectColumnsEqualTheLibraryIndicators(Series(600, 17)); }

TEST(FeatureSetTest, ColumnsEqualTheLibraryIndicatorsOnRealNseBars) {
  const BarSeries bars = NseBars("RELIANCE");
  if (bars.empty()) GTEST_SKIP() << "../shared/data/nse-5m is not present on this machine";
  ExpectColumnsEqualTheLibraryIndicators(bars);
  // And the live state gives the batch rows.
  const FeatureTable table = Core().Compute(bars, Nse());
  auto state = Core().NewState(Nse());
  for (size_t row = 0; row < bars.size(); ++row) {
    state->Update(bars[row]);
    for (size_t col = 0; col < table.columns.size(); ++col) {
      ASSERT_TRUE(Same(table.columns[col][row], state->Row()[col])) << table.names[col] << " row " << row;
    }
  }
}

// ComputeInto fed a series in chunks (through one state, into reused
// buffers) gives Compute's values: chunks smaller than the 256-row gather
// block, one row, a block and a row, and the whole series at once.
TEST(FeatureSetTest, ComputeIntoChunksEqualsCompute) {
  const BarSeries bars = Series(700, 5);
  const FeatureTable expected = Core().Compute(bars, Nse());
  const size_t width = Core().columns().size();
  for (size_t chunk : {size_t{1}, size_t{37}, size_t{257}, size_t{700}}) {
    FeatureTable got;
    got.names = Core().ColumnNames();
    got.columns.assign(width, std::vector<double>(bars.size(), -1.0));
    std::vector<double> buffer(width * chunk);
    std::vector<double*> columns(width);
    for (size_t col = 0; col < width; ++col) columns[col] = buffer.data() + col * chunk;
    auto state = Core().NewState(Nse());
    for (size_t first = 0; first < bars.size(); first += chunk) {
      const size_t rows = std::min(chunk, bars.size() - first);
      Core().ComputeInto(*state, std::span<const Bar>(bars).subspan(first, rows), columns);
      for (size_t col = 0; col < width; ++col) {
        std::copy_n(columns[col], rows, got.columns[col].begin() + static_cast<std::ptrdiff_t>(first));
      }
    }
    ExpectRowsEqual(got, expected, bars.size(), ("chunks of " + std::to_string(chunk)).c_str());
  }
}

TEST(FeatureSetTest, WarmUpEndsAtTheDeclaredBar) {
  for (uint64_t seed : {1u, 2u}) {
    const BarSeries bars = Series(200, seed);
    const FeatureTable table = Core().Compute(bars, Nse());
    size_t first_complete = bars.size();
    for (size_t row = 0; row < bars.size(); ++row) {
      bool complete = true;
      for (const auto& column : table.columns) complete = complete && std::isfinite(column[row]);
      if (complete) {
        first_complete = row;
        break;
      }
    }
    EXPECT_EQ(first_complete, Core().warmup_bars());
    for (size_t row = first_complete; row < bars.size(); ++row) {
      for (size_t col = 0; col < table.columns.size(); ++col) {
        ASSERT_TRUE(std::isfinite(table.columns[col][row])) << table.names[col] << " row " << row;
      }
    }
  }
}

// Property: the live path (one bar at a time) yields the batch table bar for bar.
TEST(FeatureSetTest, StreamingEqualsBatchBarForBar) {
  for (uint64_t seed : {3u, 4u, 5u, 6u, 7u}) {
    const BarSeries bars = Series(900, seed);
    const FeatureTable table = Core().Compute(bars, Nse());
    auto state = Core().NewState(Nse());
    for (size_t row = 0; row < bars.size(); ++row) {
      state->Update(bars[row]);
      const auto values = state->Row();
      for (size_t col = 0; col < values.size(); ++col) {
        ASSERT_TRUE(Same(table.columns[col][row], values[col])) << "seed " << seed << " " << table.names[col]
                                                                << " row " << row;
      }
    }
    state->Reset();
    state->Update(bars[0]);
    EXPECT_TRUE(Same(state->Row()[Core().ColumnIndex("obv")], table.Column("obv")->at(0)));
  }
}

// Look-ahead guard: changing, adding or removing bars after t changes nothing at or before t.
TEST(FeatureSetTest, FutureBarsNeverChangePastFeatures) {
  std::mt19937_64 rng(99);
  for (uint64_t seed : {8u, 9u, 10u}) {
    const BarSeries bars = Series(700, seed);
    const FeatureTable base = Core().Compute(bars, Nse());
    for (int trial = 0; trial < 6; ++trial) {
      const size_t t = std::uniform_int_distribution<size_t>(0, bars.size() - 2)(rng);
      BarSeries perturbed = bars;
      std::normal_distribution<double> shock(0, 0.05);
      for (size_t row = t + 1; row < perturbed.size(); ++row) {
        Bar& bar = perturbed[row];
        bar.close *= std::exp(shock(rng));
        bar.open *= std::exp(shock(rng));
        bar.high = std::max({bar.high * std::exp(std::fabs(shock(rng))), bar.open, bar.close});
        bar.low = std::min({bar.low * std::exp(-std::fabs(shock(rng))), bar.open, bar.close});
        bar.volume *= 3;
      }
      ExpectRowsEqual(base, Core().Compute(perturbed, Nse()), t + 1, "perturbed future");
      BarSeries truncated(bars.begin(), bars.begin() + t + 1);
      ExpectRowsEqual(base, Core().Compute(truncated, Nse()), t + 1, "future removed");
    }
  }
}

TEST(FeatureSetTest, InvalidBarGivesNanRowAndIsSkipped) {
  const BarSeries clean = Series(300, 12);
  BarSeries dirty;
  std::vector<bool> bad;
  for (size_t row = 0; row < clean.size(); ++row) {
    if (row == 3 || row == 60 || row == 150) {
      Bar broken = clean[row];
      broken.close = row == 60 ? std::numeric_limits<double>::infinity() : kNaN;
      dirty.push_back(broken);
      bad.push_back(true);
    }
    if (row == 100) {
      Bar nonpositive = clean[row];
      nonpositive.close = 0;
      dirty.push_back(nonpositive);
      bad.push_back(true);
    }
    dirty.push_back(clean[row]);
    bad.push_back(false);
  }
  const FeatureTable expected = Core().Compute(clean, Nse());
  const FeatureTable got = Core().Compute(dirty, Nse());
  size_t clean_row = 0;
  for (size_t row = 0; row < dirty.size(); ++row) {
    for (size_t col = 0; col < got.columns.size(); ++col) {
      if (bad[row]) {
        ASSERT_TRUE(std::isnan(got.columns[col][row])) << got.names[col] << " row " << row;
      } else {
        ASSERT_TRUE(Same(expected.columns[col][clean_row], got.columns[col][row])) << got.names[col] << " row " << row;
      }
    }
    if (!bad[row]) ++clean_row;
  }
}

TEST(FeatureSetTest, ModelFeaturesAreScaleFree) {
  // Multiplying every price by 37 (and volume by 5) leaves every model feature unchanged.
  const BarSeries bars = Series(400, 13);
  BarSeries scaled = bars;
  for (Bar& bar : scaled) {
    bar.open *= 37;
    bar.high *= 37;
    bar.low *= 37;
    bar.close *= 37;
    bar.volume *= 5;
  }
  const FeatureTable a = Core().Compute(bars, Nse());
  const FeatureTable b = Core().Compute(scaled, Nse());
  for (const std::string& name : Core().ModelFeatureNames()) {
    const auto& x = *a.Column(name);
    const auto& y = *b.Column(name);
    for (size_t row = 0; row < bars.size(); ++row) {
      ASSERT_TRUE(Near(x[row], y[row], 1e-6, 1e-8)) << name << " row " << row;
    }
  }
}

}  // namespace
}  // namespace rc::features::testing
