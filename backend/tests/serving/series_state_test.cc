// The series state in memory must give exactly what the batch path gives for
// the same bars: every feature, every regime state and every prediction, bar
// by bar (the batch path is what PredictionService does over silver).
#include "serving/series_state.h"

#include <gtest/gtest.h>

#include <cmath>

#include "features/feature_set.h"
#include "ml/dataset.h"
#include "ml/pooled/pooled_features.h"
#include "ml/pooled/pooled_live.h"
#include "ml/registry/experiment_record.h"
#include "ml/training/walk_forward.h"
#include "testing/bars.h"
#include "testing/literals.h"
#include "testing/matchers.h"

namespace rc::serving {
namespace {

using rc::testing::ErrorIs;
using rc::testing::IsOk;
using rc::testing::Iso;
using rc::testing::Sym;

constexpr int kHorizonMinutes = 180;
constexpr int kHorizonBars = 36;

const Symbol& Tcs() {
  static const Symbol symbol = Sym("TCS.NS");
  return symbol;
}

// Silver as LoadSilver returns it, computed in memory: ts, OHLCV, every
// feature column and the 180-minute target.
ml::SilverSlice BatchSilver(const BarSeries& bars) {
  const features::FeatureSet& set = features::FeatureSet::Default();
  const features::FeatureTable table = set.Compute(bars, ExchangeCalendar::ForSymbol(Tcs()));
  ml::SilverSlice slice;
  slice.silver_version = 7;
  slice.feature_set_version = set.name();
  slice.model_features = set.ModelFeatureNames();
  for (const Bar& bar : bars) {
    slice.table.ts.push_back(bar.open_time);
    slice.table.columns["open"].push_back(bar.open);
    slice.table.columns["high"].push_back(bar.high);
    slice.table.columns["low"].push_back(bar.low);
    slice.table.columns["close"].push_back(bar.close);
    slice.table.columns["volume"].push_back(bar.volume);
  }
  for (size_t col = 0; col < table.names.size(); ++col) slice.table.columns[table.names[col]] = table.columns[col];
  auto& target = slice.table.columns["target_ret_180m"];
  for (size_t row = 0; row < bars.size(); ++row) {
    target.push_back(row + kHorizonBars < bars.size() ? std::log(bars[row + kHorizonBars].close / bars[row].close)
                                                      : std::nan(""));
  }
  return slice;
}

// The first `rows` rows of `slice` (what silver held when that bar was the newest).
ml::SilverSlice Prefix(const ml::SilverSlice& slice, size_t rows) {
  ml::SilverSlice out = slice;
  out.table.ts.resize(rows);
  for (auto& [name, values] : out.table.columns) values.resize(rows);
  return out;
}

// The batch prediction input, built the way PredictionService builds it from silver.
ml::PredictionRequest BatchRequest(const ml::SilverSlice& slice, int64_t wall_now) {
  const auto regimes = ml::DetectSilverRegime(slice, Tcs(), Timeframe::k5m, wall_now);
  EXPECT_TRUE(regimes.has_value());
  ml::PredictionRequest request;
  request.feature_names = slice.model_features;
  request.features.resize(static_cast<Eigen::Index>(slice.model_features.size()));
  for (size_t col = 0; col < slice.model_features.size(); ++col) {
    request.features[static_cast<Eigen::Index>(col)] = slice.table.columns.at(slice.model_features[col]).back();
  }
  const auto& close = slice.table.columns.at("close");
  request.last_close = close.back();
  request.last_bar_ts = slice.table.ts.back();
  request.bar_spacing_us = Timeframe(Timeframe::k5m).DurationMicros();
  request.now = regimes->market_now;
  request.horizon_bars = kHorizonBars;
  request.regime = regimes->current;
  request.recent_vol_per_bar = ml::RecentVolPerBar(close);
  return request;
}

bool SameDouble(double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; }

void ExpectSameRegime(const regime::RegimeState& a, const regime::RegimeState& b, size_t row) {
  EXPECT_EQ(a.ts, b.ts) << "row " << row;
  EXPECT_EQ(a.regime, b.regime) << "row " << row;
  EXPECT_EQ(a.raw, b.raw) << "row " << row;
  EXPECT_TRUE(SameDouble(a.confidence, b.confidence)) << "row " << row;
  EXPECT_EQ(a.bars_in_state, b.bars_in_state) << "row " << row;
  EXPECT_EQ(a.reason, b.reason) << "row " << row;
}

struct Trained {
  std::shared_ptr<const ml::LoadedExperiment> experiment;
  ml::IndexEntry entry;
};

// An experiment trained on the first `rows` bars of silver (ridge + naive).
Trained Train(const ml::SilverSlice& slice, size_t rows) {
  ml::DatasetSpec spec;
  spec.feature_names = slice.model_features;
  spec.horizon_bars = kHorizonBars;
  spec.target_column = "target_ret_180m";
  auto dataset = ml::BuildDataset(Prefix(slice, rows).table, spec);
  EXPECT_TRUE(dataset.has_value());
  ml::WalkForwardOptions options;
  options.folds = 2;
  options.min_train_rows = 300;
  options.families = {"naive", "ridge"};
  auto result = ml::RunWalkForward(*dataset, options);
  EXPECT_TRUE(result.has_value());
  Trained trained;
  const auto record =
      ml::MakeExperimentRecord(*result, {"TCS.NS", "5m", kHorizonMinutes}, "orchestrator", {}, options, 1'000'000);
  trained.experiment = ml::MakeLoadedExperiment(record, *result);
  trained.entry.active_experiment = record.id;
  trained.entry.gating = record.gating;
  return trained;
}

TEST(SeriesStateTest, AdvancingBarByBarMatchesTheBatchPathForEveryFeatureRegimeAndPrediction) {
  const auto& calendar = ExchangeCalendar::ForSymbol(Tcs());
  const BarSeries bars =
      rc::testing::RandomWalkBars(calendar, Timeframe::k5m, Iso("2024-01-01T00:00:00Z"), 1300, 11, 3500.0);
  const ml::SilverSlice silver = BatchSilver(bars);
  const Trained trained = Train(silver, 800);
  const features::FeatureSet& set = features::FeatureSet::Default();

  constexpr size_t kStart = 900;
  auto state = SeriesState::FromSilver(Prefix(silver, kStart), Tcs(), Timeframe::k5m);
  ASSERT_TRUE(state.has_value()) << state.error().ToString();
  const std::vector<regime::RegimeState> batch_regimes =
      ml::DetectSilverRegime(silver, Tcs(), Timeframe::k5m, bars.back().open_time)->history;

  int predictions_with_model = 0;
  for (size_t row = kStart; row < bars.size(); ++row) {
    ASSERT_THAT((*state)->Advance(bars[row], static_cast<int64_t>(row)), IsOk());
    // Every feature column equals silver's row.
    const auto streamed = (*state)->FeatureRow();
    for (size_t col = 0; col < set.columns().size(); ++col) {
      const double batch = silver.table.columns.at(set.columns()[col].name)[row];
      ASSERT_TRUE(SameDouble(streamed[col], batch)) << set.columns()[col].name << " at row " << row << ": "
                                                    << streamed[col] << " vs " << batch;
    }
    ExpectSameRegime((*state)->regime(), batch_regimes[row], row);

    // Fresh (a minute after the close) and overdue (hours later) clocks alike;
    // the overdue one on every 10th bar and the last: each batch request refits
    // the regime detector over the whole prefix (with both clocks on every bar
    // the test took 336 s of its 600 s timeout under ASan at -O0).
    const int64_t close = calendar.BarClose(bars[row].open_time, Timeframe::k5m);
    std::vector<int64_t> clocks = {close + int64_t{60'000'000}};
    if (row % 10 == 0 || row + 1 == bars.size()) clocks.push_back(close + int64_t{3 * 3'600'000'000LL});
    const ml::SilverSlice prefix = Prefix(silver, row + 1);
    for (int64_t wall_now : clocks) {
      const ml::PredictionRequest batch = BatchRequest(prefix, wall_now);
      auto live = (*state)->Request(kHorizonMinutes, wall_now);
      ASSERT_TRUE(live.has_value());
      ASSERT_EQ(live->feature_names, batch.feature_names);
      for (Eigen::Index col = 0; col < batch.features.size(); ++col) {
        ASSERT_TRUE(SameDouble(live->features[col], batch.features[col])) << "feature " << col << " row " << row;
      }
      EXPECT_EQ(live->now, batch.now);
      EXPECT_EQ(live->last_close, batch.last_close);
      EXPECT_EQ(live->last_bar_ts, batch.last_bar_ts);
      EXPECT_EQ(live->recent_vol_per_bar, batch.recent_vol_per_bar) << "row " << row;
      ExpectSameRegime(live->regime, batch.regime, row);

      const ml::Prediction from_memory = ml::Predict(*live, &trained.entry, trained.experiment.get());
      const ml::Prediction from_batch = ml::Predict(batch, &trained.entry, trained.experiment.get());
      EXPECT_EQ(from_memory.degraded, from_batch.degraded);
      EXPECT_TRUE(SameDouble(from_memory.expected_return, from_batch.expected_return)) << "row " << row;
      EXPECT_TRUE(SameDouble(from_memory.expected_price, from_batch.expected_price)) << "row " << row;
      EXPECT_EQ(from_memory.weights, from_batch.weights);
      ASSERT_EQ(from_memory.bands.size(), from_batch.bands.size());
      for (size_t band = 0; band < from_batch.bands.size(); ++band) {
        EXPECT_EQ(from_memory.bands[band].lower, from_batch.bands[band].lower);
        EXPECT_EQ(from_memory.bands[band].upper, from_batch.bands[band].upper);
      }
      EXPECT_EQ(from_memory.stale, from_batch.stale);
      if (!from_memory.degraded) ++predictions_with_model;
    }
  }
  // The comparison exercised the trained model, not only the naive fallback.
  EXPECT_GT(predictions_with_model, 300);
  EXPECT_EQ((*state)->bars_seen(), bars.size());
  EXPECT_EQ((*state)->silver_version(), static_cast<int64_t>(bars.size() - 1));
}

TEST(SeriesStateTest, RefusesABarThatIsNotNewerAndStaysUnchanged) {
  const auto& calendar = ExchangeCalendar::ForSymbol(Tcs());
  const BarSeries bars =
      rc::testing::RandomWalkBars(calendar, Timeframe::k5m, Iso("2024-03-01T00:00:00Z"), 200, 3, 100.0);
  auto state = SeriesState::FromSilver(BatchSilver(bars), Tcs(), Timeframe::k5m);
  ASSERT_TRUE(state.has_value());
  const auto before = std::vector<double>((*state)->FeatureRow().begin(), (*state)->FeatureRow().end());
  EXPECT_THAT((*state)->Advance(bars.back()), ErrorIs(ErrorCode::kInvalidArgument, "ts"));
  EXPECT_THAT((*state)->Advance(bars[10]), ErrorIs(ErrorCode::kInvalidArgument, "ts"));
  const auto after = (*state)->FeatureRow();
  for (size_t col = 0; col < before.size(); ++col) EXPECT_TRUE(SameDouble(before[col], after[col]));
  EXPECT_EQ((*state)->bars_seen(), bars.size());
}

TEST(SeriesStateTest, RegimeHistoryIsBoundedAndFreshnessFollowsTheClock) {
  const auto& calendar = ExchangeCalendar::ForSymbol(Tcs());
  const BarSeries bars =
      rc::testing::RandomWalkBars(calendar, Timeframe::k5m, Iso("2024-01-01T00:00:00Z"), 2600, 5, 100.0);
  auto state = SeriesState::FromSilver(BatchSilver(bars), Tcs(), Timeframe::k5m);
  ASSERT_TRUE(state.has_value());
  EXPECT_EQ((*state)->recent_regimes().size(), SeriesState::kRegimeHistory);
  EXPECT_EQ((*state)->recent_regimes().back().ts, bars.back().open_time);
  // Five expected bars later with none arrived: a feed gap reads as stale unknown.
  const int64_t close = calendar.BarClose(bars.back().open_time, Timeframe::k5m);
  const auto expected = calendar.TradingBars(close, close + 7 * kMicrosPerDay, Timeframe::k5m);
  ASSERT_GT(expected.size(), 5u);
  const auto gap = (*state)->RegimeAt(calendar.BarClose(expected[4], Timeframe::k5m));
  EXPECT_EQ(gap.regime, regime::Regime::kUnknown);
  EXPECT_EQ(gap.reason, "stale");
  // A minute after the newest bar closed, the state is the detector's own.
  EXPECT_EQ((*state)->RegimeAt(close + 60'000'000).regime, (*state)->regime().regime);
  EXPECT_EQ((*state)->RegimeAt(close + 60'000'000).reason, (*state)->regime().reason);
  EXPECT_THAT((*state)->Request(7, close), ErrorIs(ErrorCode::kInvalidArgument, "horizon_minutes"));
}

// The pooled model's input in memory: each series keeps its last
// kPooledHistoryBars bars as it advances, and the row built from them for the
// newest bar equals the training/backtest row (BuildPooledFeatures over the
// datasets silver gives) for that bar, the cross-section of both series included.
TEST(SeriesStateTest, PooledHistoryGivesTheTrainingRowOfTheNewestBar) {
  const auto& calendar = ExchangeCalendar::ForSymbol(Tcs());
  const int64_t start = Iso("2024-03-01T00:00:00Z");
  const BarSeries tcs_bars = rc::testing::RandomWalkBars(calendar, Timeframe::k5m, start, 700, 11, 100.0);
  const BarSeries infy_bars = rc::testing::RandomWalkBars(calendar, Timeframe::k5m, start, 700, 12, 250.0);
  const Symbol infy = Sym("INFY.NS");
  const ml::SilverSlice tcs_silver = BatchSilver(tcs_bars), infy_silver = BatchSilver(infy_bars);
  // Serving: built from 600 bars, then 100 live bars each.
  auto tcs = SeriesState::FromSilver(Prefix(tcs_silver, 600), Tcs(), Timeframe::k5m);
  auto other = SeriesState::FromSilver(Prefix(infy_silver, 600), infy, Timeframe::k5m);
  ASSERT_TRUE(tcs.has_value() && other.has_value());
  for (size_t row = 600; row < 700; ++row) {
    ASSERT_THAT((*tcs)->Advance(tcs_bars[row]), IsOk());
    ASSERT_THAT((*other)->Advance(infy_bars[row]), IsOk());
  }
  const ml::PooledSeries history = (*tcs)->PooledHistory(kHorizonBars);
  ASSERT_EQ(history.ts.size(), ml::kPooledHistoryBars);
  EXPECT_EQ(history.name, "TCS.NS");
  EXPECT_EQ(history.horizon_bars, kHorizonBars);
  for (size_t i = 0; i < history.ts.size(); ++i) {
    const Bar& bar = tcs_bars[tcs_bars.size() - ml::kPooledHistoryBars + i];
    EXPECT_EQ(history.ts[i], bar.open_time);
    EXPECT_EQ(history.close[i], bar.close);
    EXPECT_TRUE(std::isnan(history.y[i]));
  }
  auto live = ml::PooledRowAt({history, (*other)->PooledHistory(kHorizonBars)}, 0, tcs_bars.back().open_time);
  ASSERT_THAT(live, IsOk());
  EXPECT_EQ(live->cross_section_series, 2);

  // Training: the silver datasets of both series, as train --pooled builds them.
  std::vector<ml::PooledSeries> training;
  for (const auto* silver : {&tcs_silver, &infy_silver}) {
    ml::DatasetSpec spec;
    spec.feature_names = silver->model_features;
    spec.horizon_bars = kHorizonBars;
    spec.target_column = "target_ret_180m";
    spec.detect_regimes = false;
    auto ds = ml::BuildDataset(silver->table, spec);
    ASSERT_THAT(ds, IsOk());
    training.push_back(ml::PooledSeriesFromDataset(training.empty() ? "TCS.NS" : "INFY.NS", *ds));
  }
  auto full = ml::BuildPooledFeatures(training);
  ASSERT_THAT(full, IsOk());
  const auto last = static_cast<Eigen::Index>(training[0].ts.size() - 1);
  for (Eigen::Index col = 0; col < live->x.size(); ++col) {
    EXPECT_EQ(live->x[col], (*full)[0].X(last, col)) << ml::PooledFeatureNames()[static_cast<size_t>(col)];
  }
  EXPECT_EQ(live->scale, (*full)[0].scale.back());
}

}  // namespace
}  // namespace rc::serving
