// The saved backtest summary of a series and horizon: written whole over the
// previous one (temp file + rename, nothing left beside it), read back with
// the fields of `backtest --json`, one file per horizon; a missing one is
// kNotFound naming the series, a damaged one kDataCorrupt; requests are
// validated field by field.
#include "serving/backtest_service.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "testing/literals.h"
#include "testing/temp_dir.h"

namespace rc::serving {
namespace {

using ::rc::testing::Sym;

SeriesBacktest FinishedRun(int horizon, double mape_ratio, int retrain_every = 500) {
  SeriesBacktest run{BacktestRequest{Sym("TCS.NS"), Timeframe::k5m, horizon}, {}};
  run.request.from = 1'700'000'000'000'000;
  run.request.to = 1'700'086'400'000'000;
  run.request.retrain_every = retrain_every;
  run.result.summary.mape_ratio = mape_ratio;
  run.result.rows.resize(3);
  return run;
}

TEST(BacktestServiceTest, SavedSummaryReadsBackAndTheNextRunReplacesIt) {
  testing::TempDir dir;
  const Symbol tcs = Sym("TCS.NS");
  const Timeframe tf = Timeframe::k5m;
  ASSERT_TRUE(SaveBacktestSummary(dir.str(), FinishedRun(180, 0.97), 1'700'100'000'000'000));
  ASSERT_TRUE(SaveBacktestSummary(dir.str(), FinishedRun(60, 1.02), 1'700'100'000'000'000));
  auto first = LoadBacktestSummary(dir.str(), tcs, tf, 180);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_DOUBLE_EQ(first->at("mape_ratio").as_double(), 0.97);
  EXPECT_EQ(first->at("symbol").as_string(), "TCS.NS");
  EXPECT_EQ(first->at("horizon_minutes").as_int64(), 180);
  EXPECT_EQ(first->at("predictions").to_number<int64_t>(), 3);
  EXPECT_EQ(first->at("finished_at").as_string(), "2023-11-16T02:00:00Z");
  EXPECT_TRUE(first->contains("families") && first->contains("regimes") && first->contains("directional_accuracy"));

  ASSERT_TRUE(SaveBacktestSummary(dir.str(), FinishedRun(180, 0.99, 250), 1'700'200'000'000'000));
  auto second = LoadBacktestSummary(dir.str(), tcs, tf, 180);
  ASSERT_TRUE(second);
  EXPECT_DOUBLE_EQ(second->at("mape_ratio").as_double(), 0.99);
  EXPECT_EQ(second->at("retrain_every").as_int64(), 250);
  EXPECT_DOUBLE_EQ(LoadBacktestSummary(dir.str(), tcs, tf, 60)->at("mape_ratio").as_double(), 1.02);
  // Only the two summaries: no temp file is left behind.
  size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir / "backtests/TCS.NS/5m")) {
    ++files;
    EXPECT_EQ(entry.path().extension(), ".json") << entry.path();
  }
  EXPECT_EQ(files, 2u);
}

TEST(BacktestServiceTest, MissingAndDamagedSummariesAreErrorsNotCrashes) {
  testing::TempDir dir;
  const Symbol tcs = Sym("TCS.NS");
  const Timeframe tf = Timeframe::k5m;
  auto missing = LoadBacktestSummary(dir.str(), tcs, tf, 180);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_NE(missing.error().message.find("TCS.NS 5m +180m"), std::string::npos);

  testing::WriteFile(BacktestSummaryPath(dir.str(), tcs, tf, 180), "{\"mape_ratio\": 0.9");
  auto torn = LoadBacktestSummary(dir.str(), tcs, tf, 180);
  ASSERT_FALSE(torn);
  EXPECT_EQ(torn.error().code, ErrorCode::kDataCorrupt);
  testing::WriteFile(BacktestSummaryPath(dir.str(), tcs, tf, 180), "[1, 2]");
  auto array = LoadBacktestSummary(dir.str(), tcs, tf, 180);
  ASSERT_FALSE(array);
  EXPECT_EQ(array.error().code, ErrorCode::kDataCorrupt);
}

TEST(BacktestServiceTest, RequestsAreValidatedFieldByField) {
  const BacktestRequest good{Sym("TCS.NS"), Timeframe::k5m, 180};
  EXPECT_TRUE(ValidateBacktestRequest(good));
  auto field_of = [&](auto change) {
    BacktestRequest bad = good;
    change(bad);
    auto status = ValidateBacktestRequest(bad);
    return status ? std::string("ok") : status.error().field;
  };
  EXPECT_EQ(field_of([](BacktestRequest& r) { r.horizon_minutes = 7; }), "horizon_minutes");
  EXPECT_EQ(field_of([](BacktestRequest& r) { r.retrain_every = 0; }), "retrain_every");
  EXPECT_EQ(field_of([](BacktestRequest& r) { r.folds = 51; }), "folds");
  EXPECT_EQ(field_of([](BacktestRequest& r) { r.min_train_rows = 49; }), "min_train_rows");
  EXPECT_EQ(field_of([](BacktestRequest& r) { r.from = 10; r.to = 10; }), "to");
  EXPECT_EQ(field_of([](BacktestRequest& r) { r.from = 10; }), "ok");  // `to` defaults to the series' end
}

TEST(BacktestServiceTest, ASeriesWithoutSilverIsNotFound) {
  testing::TempDir dir;
  auto run = RunSeriesBacktest(dir.str(), BacktestRequest{Sym("TCS.NS"), Timeframe::k5m, 180});
  ASSERT_FALSE(run);
  EXPECT_EQ(run.error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace rc::serving
