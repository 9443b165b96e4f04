// The pooled model outside the backtest: stored once in the registry per
// (timeframe, horizon) and loaded back predicting the same, and the live row
// serving builds from every series' recent bars, which must equal the row the
// backtest/training build from the full history for the same bar, and must not
// move when another symbol's later bars arrive or change.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include "ml_fixtures.h"
#include "ml/pooled/pooled_features.h"
#include "ml/pooled/pooled_forecast.h"
#include "ml/pooled/pooled_live.h"
#include "ml/registry/pooled_store.h"
#include "ml/registry/registry.h"
#include "testing/matchers.h"
#include "testing/temp_dir.h"

namespace rc::ml {
namespace {

using rc::testing::ErrorIs;
using rc::testing::IsOk;
using testing::kFixtureT0;
using testing::kFiveMinutes;

constexpr int kHorizon = 12;

// One series of `bars` 5-minute bars (an overnight gap every 75), a random
// walk with a common market part, the forward log return over kHorizon as y.
// `skip_every` > 0 drops every n-th bar (a feed gap), so calendars differ.
PooledSeries MakeSeries(const std::string& name, size_t bars, uint64_t seed, size_t skip_every = 0) {
  std::mt19937_64 market_rng(7);  // the same market for every series
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> n01(0.0, 1.0);
  PooledSeries s;
  s.name = name;
  s.horizon_bars = kHorizon;
  double m = 0, own = std::log(100.0 + static_cast<double>(seed));
  for (size_t t = 0; t < bars; ++t) {
    m += 0.001 * n01(market_rng);
    own += 0.0015 * n01(rng);
    if (skip_every > 0 && t % skip_every == skip_every - 1) continue;
    s.ts.push_back(kFixtureT0 + static_cast<int64_t>(t) * kFiveMinutes + static_cast<int64_t>(t / 75) * 200 * kFiveMinutes);
    s.close.push_back(std::exp(own + m));
  }
  s.y.assign(s.ts.size(), std::nan(""));
  for (size_t t = 0; t + kHorizon < s.ts.size(); ++t) s.y[t] = std::log(s.close[t + kHorizon] / s.close[t]);
  return s;
}

std::vector<PooledSeries> ThreeSeries(size_t bars = 1500) {
  return {MakeSeries("A.NS", bars, 11), MakeSeries("B.NS", bars, 12, 37), MakeSeries("C.NS", bars, 13, 101)};
}

PooledModelRecord RecordFor(const std::vector<PooledSeries>& series, const PooledFit& fit, int64_t created_at) {
  PooledModelRecord r;
  r.timeframe = "5m";
  r.horizon_minutes = kHorizon * 5;
  r.horizon_bars = kHorizon;
  r.created_at = created_at;
  r.learner = "ridge";
  for (const auto& s : series) {
    r.series.push_back(s.name);
    r.oof_mape_ratio[s.name] = 0.99 + 0.001 * static_cast<double>(r.series.size());
    r.oof_n[s.name] = 100 * static_cast<int64_t>(r.series.size());
  }
  r.first_ts = fit.first_ts;
  r.last_ts = fit.last_ts;
  r.train_rows = fit.rows;
  r.model = fit.model->Describe();
  r.parameters = {{"block_timestamps", 250}};
  return r;
}

TEST(PooledStoreTest, RecordedOncePerTimeframeAndHorizonAndLoadedBackPredictingTheSame) {
  rc::testing::TempDir dir;
  const auto series = ThreeSeries();
  auto fit = FitFinalPooledModel(series, {});
  ASSERT_THAT(fit, IsOk());
  ASSERT_TRUE(fit->model);
  // Every realized row of every series is in the final fit, nothing after its label's end.
  EXPECT_GT(fit->rows, 3000);
  EXPECT_LT(fit->last_ts, series[0].ts.back());

  PooledModelStore store(dir.path());
  EXPECT_THAT(store.CurrentId("5m", 60), ErrorIs(ErrorCode::kNotFound));
  auto id = store.Record(RecordFor(series, *fit, 1'733'000'000'000'000), *fit->model);
  ASSERT_THAT(id, IsOk());
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "experiments" / "pooled" / "5m-60m" / *id / "model"));
  EXPECT_EQ(store.CurrentId("5m", 60).value(), *id);
  // Another horizon has its own slot.
  EXPECT_THAT(store.CurrentId("5m", 180), ErrorIs(ErrorCode::kNotFound));

  auto loaded = store.Load("5m", 60, *id);
  ASSERT_THAT(loaded, IsOk());
  const PooledModelRecord& rec = loaded->record;
  EXPECT_EQ(rec.id, *id);
  EXPECT_EQ(rec.series, (std::vector<std::string>{"A.NS", "B.NS", "C.NS"}));
  EXPECT_EQ(rec.train_rows, fit->rows);
  EXPECT_EQ(rec.first_ts, fit->first_ts);
  EXPECT_EQ(rec.last_ts, fit->last_ts);
  EXPECT_EQ(rec.learner, "ridge");
  EXPECT_DOUBLE_EQ(rec.oof_mape_ratio.at("B.NS"), 0.992);
  EXPECT_EQ(rec.oof_n.at("C.NS"), 300);
  // The loaded learner predicts exactly what the fitted one does on live rows.
  for (int64_t bar : {400, 900, 1400}) {
    auto row = PooledRowAt(series, 0, series[0].ts[static_cast<size_t>(bar)]);
    ASSERT_THAT(row, IsOk());
    EXPECT_EQ(PooledForecastFor(*loaded->learner, *row).value(), PooledForecastFor(*fit->model, *row).value());
  }

  // A retrain records a second model; the first stays loadable for the
  // experiments that were trained with it.
  auto second = store.Record(RecordFor(series, *fit, 1'733'000'100'000'000), *fit->model);
  ASSERT_THAT(second, IsOk());
  EXPECT_NE(*second, *id);
  EXPECT_EQ(store.CurrentId("5m", 60).value(), *second);
  EXPECT_THAT(store.Load("5m", 60, *id), IsOk());
  // The experiment registry does not take the pooled folder for an experiment.
  ExperimentRegistry registry(dir.path());
  EXPECT_TRUE(registry.List().value().empty());
}

TEST(PooledStoreTest, BadIdsSingleSeriesAndForeignRecordsAreRefused) {
  rc::testing::TempDir dir;
  const auto series = ThreeSeries(800);
  auto fit = FitFinalPooledModel(series, {});
  ASSERT_THAT(fit, IsOk());
  PooledModelStore store(dir.path());
  PooledModelRecord one = RecordFor({series[0]}, *fit, 1'733'000'000'000'000);
  EXPECT_THAT(store.Record(one, *fit->model), ErrorIs(ErrorCode::kInvalidArgument, "series"));
  PooledModelRecord bad_tf = RecordFor(series, *fit, 1'733'000'000'000'000);
  bad_tf.timeframe = "5x";
  EXPECT_THAT(store.Record(bad_tf, *fit->model), ErrorIs(ErrorCode::kInvalidArgument, "timeframe"));
  EXPECT_THAT(store.Load("5m", 60, "../../etc"), ErrorIs(ErrorCode::kInvalidArgument, "id"));
  EXPECT_THAT(store.Load("5m", 60, "nope"), ErrorIs(ErrorCode::kNotFound));

  auto id = store.Record(RecordFor(series, *fit, 1'733'000'000'000'000), *fit->model);
  ASSERT_THAT(id, IsOk());
  // A record copied under another horizon's folder is not taken for that horizon's model.
  const auto key_dir = dir.path() / "experiments" / "pooled";
  std::filesystem::create_directories(key_dir / "5m-180m");
  std::filesystem::copy(key_dir / "5m-60m" / *id, key_dir / "5m-180m" / *id, std::filesystem::copy_options::recursive);
  EXPECT_THAT(store.Load("5m", 180, *id), ErrorIs(ErrorCode::kDataCorrupt));
  // A truncated record is corrupt, not a crash.
  std::ofstream(key_dir / "5m-60m" / *id / "record.json") << "{\"id\":";
  EXPECT_FALSE(store.Load("5m", 60, *id).has_value());
}

// Serving's row for a bar equals the training/backtest row for that bar
// (BuildPooledFeatures over the full history), bit for bit, for every series
// and across gaps; given either the full series or only their recent window.
TEST(PooledLiveRowTest, EqualsTheBacktestRowForTheSameBar) {
  const auto series = ThreeSeries();
  auto full = BuildPooledFeatures(series);
  ASSERT_THAT(full, IsOk());
  int compared = 0;
  for (size_t target = 0; target < series.size(); ++target) {
    for (size_t row = 250; row < series[target].ts.size(); row += 97) {
      const int64_t ts = series[target].ts[row];
      // What serving holds: each series' last kPooledHistoryBars bars at or before ts.
      std::vector<PooledSeries> recent;
      for (const PooledSeries& s : series) {
        PooledSeries r = s;
        const size_t end = static_cast<size_t>(std::upper_bound(s.ts.begin(), s.ts.end(), ts) - s.ts.begin());
        const size_t begin = end > kPooledHistoryBars ? end - kPooledHistoryBars : 0;
        r.ts.assign(s.ts.begin() + static_cast<std::ptrdiff_t>(begin), s.ts.begin() + static_cast<std::ptrdiff_t>(end));
        r.close.assign(s.close.begin() + static_cast<std::ptrdiff_t>(begin),
                       s.close.begin() + static_cast<std::ptrdiff_t>(end));
        r.y.assign(r.ts.size(), std::nan(""));
        recent.push_back(std::move(r));
      }
      for (const std::vector<PooledSeries>* input : {&series, static_cast<const std::vector<PooledSeries>*>(&recent)}) {
        auto live = PooledRowAt(*input, target, ts);
        ASSERT_THAT(live, IsOk()) << "series " << target << " row " << row;
        for (Eigen::Index col = 0; col < live->x.size(); ++col) {
          EXPECT_EQ(live->x[col], (*full)[target].X(static_cast<Eigen::Index>(row), col))
              << PooledFeatureNames()[static_cast<size_t>(col)] << " series " << target << " row " << row;
        }
        EXPECT_EQ(live->scale, (*full)[target].scale[row]);
        EXPECT_GE(live->cross_section_series, 1);
        EXPECT_LE(live->cross_section_series, 3);
      }
      ++compared;
    }
  }
  EXPECT_GT(compared, 30);
}

// Issue 10: a symbol's future must not leak through another symbol's row at
// the same time. The live row at t is unchanged when B's bars after t are
// rewritten and more are appended; changing B's bar AT t does change it (the
// cross-section is really read, so the first check could fail).
TEST(PooledLeakageTest, ALaterBarOfAnotherSymbolDoesNotChangeTheLiveRow) {
  auto series = ThreeSeries();
  const size_t row = 1000;
  const int64_t ts = series[0].ts[row];
  auto before = PooledRowAt(series, 0, ts);
  ASSERT_THAT(before, IsOk());

  auto later = series;
  std::mt19937_64 rng(99);
  std::uniform_real_distribution<double> shock(0.5, 1.5);
  PooledSeries& b = later[1];
  for (size_t i = 0; i < b.ts.size(); ++i) {
    if (b.ts[i] > ts) b.close[i] *= shock(rng);
  }
  for (int k = 1; k <= 50; ++k) {
    b.ts.push_back(b.ts.back() + kFiveMinutes);
    b.close.push_back(b.close.back() * shock(rng));
    b.y.push_back(std::nan(""));
  }
  auto after = PooledRowAt(later, 0, ts);
  ASSERT_THAT(after, IsOk());
  for (Eigen::Index col = 0; col < before->x.size(); ++col) EXPECT_EQ(after->x[col], before->x[col]);
  EXPECT_EQ(after->scale, before->scale);

  // B's bar at t itself enters the cross-section (mkt_nret_1 at least moves).
  auto same_time = series;
  PooledSeries& b_now = same_time[1];
  const auto at = std::lower_bound(b_now.ts.begin(), b_now.ts.end(), ts);
  ASSERT_TRUE(at != b_now.ts.end() && *at == ts);
  b_now.close[static_cast<size_t>(at - b_now.ts.begin())] *= 1.02;
  auto moved = PooledRowAt(same_time, 0, ts);
  ASSERT_THAT(moved, IsOk());
  EXPECT_NE(moved->x, before->x);
}

TEST(PooledLiveRowTest, WarmUpMissingBarAndBadTargetAreClearErrors) {
  auto series = ThreeSeries(400);
  // 30 bars: no 36-bar return yet.
  std::vector<PooledSeries> short_series = series;
  for (PooledSeries& s : short_series) {
    s.ts.resize(30);
    s.close.resize(30);
    s.y.resize(30);
  }
  auto warm = PooledRowAt(short_series, 0, short_series[0].ts.back());
  ASSERT_FALSE(warm.has_value());
  EXPECT_EQ(warm.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(warm.error().message.find("nret_36"), std::string::npos) << warm.error().message;
  // B skips every 37th bar: no bar at that time for B.
  const int64_t missing = kFixtureT0 + 36 * kFiveMinutes;
  EXPECT_THAT(PooledRowAt(series, 1, missing), ErrorIs(ErrorCode::kNotFound));
  EXPECT_THAT(PooledRowAt(series, 3, series[0].ts.back()), ErrorIs(ErrorCode::kInvalidArgument, "target"));
  // Too few realized rows for a final model: an error naming "rows".
  EXPECT_THAT(FitFinalPooledModel(short_series, {}), ErrorIs(ErrorCode::kInvalidArgument, "rows"));
}

}  // namespace
}  // namespace rc::ml
