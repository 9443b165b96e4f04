#include "ml/training/walk_forward.h"

#include <gtest/gtest.h>

#include <cmath>
#include <iostream>
#include <random>

#include "ml_fixtures.h"
#include "testing/matchers.h"

namespace rc::ml {
namespace {

using rc::testing::ErrorIs;
using rc::testing::IsOk;

WalkForwardOptions Opts(int folds, int min_train) {
  WalkForwardOptions o;
  o.folds = folds;
  o.min_train_rows = min_train;
  return o;
}

TEST(WalkForwardTest, PurgeGapSeparatesEveryTrainingWindowFromItsTestBlock) {
  Dataset ds = testing::SignalDataset(2000, 1);
  ds.horizon_bars = 7;
  // Irregular spacing (overnight-like jumps) so "by time" is not just "by index".
  for (size_t row = 1; row < ds.rows(); ++row) ds.ts[row] = ds.ts[row - 1] + (row % 50 == 0 ? 3'600'000'000 : 300'000'000);
  auto folds = PlanFolds(ds, Opts(5, 300));
  ASSERT_THAT(folds, IsOk());
  ASSERT_EQ(folds->size(), 5u);
  for (size_t k = 0; k < folds->size(); ++k) {
    const FoldPlan& f = (*folds)[k];
    const size_t h = static_cast<size_t>(ds.horizon_bars);
    EXPECT_EQ(f.train_begin, 0u);
    EXPECT_GE(f.train_end, 300u);
    // By index: the last training label ends (row + h) strictly before the first test row.
    EXPECT_LT(f.train_end - 1 + h, f.test_begin) << "fold " << k;
    // By time: the bar that last training label reads is strictly before the test block.
    EXPECT_LT(ds.ts[f.train_end - 1 + h], f.test_first_ts) << "fold " << k;
    EXPECT_EQ(f.train_last_ts, ds.ts[f.train_end - 1]);
    EXPECT_LT(f.test_begin, f.test_end);
    if (k > 0) {
      EXPECT_EQ(f.test_begin, (*folds)[k - 1].test_end);            // contiguous test blocks
      EXPECT_GT(f.train_end, (*folds)[k - 1].train_end);            // expanding window
    }
  }
  // The last block ends at the last labelled row (the NaN target tail is never tested).
  EXPECT_EQ(folds->back().test_end, ds.rows() - 3);
}

TEST(WalkForwardTest, TooFewRowsAndBadOptionsAreRejectedNamingTheField) {
  Dataset ds = testing::SignalDataset(300, 1);
  EXPECT_THAT(PlanFolds(ds, Opts(5, 250)), ErrorIs(ErrorCode::kInvalidArgument, "rows"));
  EXPECT_THAT(PlanFolds(ds, Opts(0, 100)), ErrorIs(ErrorCode::kInvalidArgument, "folds"));
  WalkForwardOptions o = Opts(2, 100);
  o.families = {"ridge", "prophet"};
  EXPECT_THAT(RunWalkForward(ds, o), ErrorIs(ErrorCode::kInvalidArgument, "families[1]"));
  o.families = {};
  o.primary_metric = "r2";
  EXPECT_THAT(RunWalkForward(ds, o), ErrorIs(ErrorCode::kInvalidArgument, "primary_metric"));
}

TEST(WalkForwardTest, RidgeAndGbdtBeatNaiveOnAKnownSignal) {
  Dataset ds = testing::SignalDataset(6000, 42);
  WalkForwardOptions o = Opts(4, 1500);
  o.families = {"ridge", "gbdt"};
  auto r = RunWalkForward(ds, o);
  ASSERT_THAT(r, IsOk());
  const FamilyResult* naive = r->Family("naive");
  ASSERT_NE(naive, nullptr);
  for (const char* name : {"ridge", "gbdt"}) {
    const FamilyResult* f = r->Family(name);
    ASSERT_NE(f, nullptr);
    ASSERT_TRUE(f->ok) << f->error;
    std::cout << name << " oos rmse " << f->overall.rmse << " vs naive " << naive->overall.rmse << ", dir acc "
              << f->overall.directional_accuracy << "\n";
    EXPECT_LT(f->overall.rmse, 0.9 * naive->overall.rmse) << name;
    EXPECT_LT(f->overall.mape, naive->overall.mape) << name;
    EXPECT_GT(f->overall.directional_accuracy, 0.6) << name;
    for (const Metrics& m : f->fold_metrics) EXPECT_LT(m.rmse, naive->fold_metrics[0].rmse * 1.2);
  }
  EXPECT_NE(r->champion, "naive");
  EXPECT_NE(r->challenger, "naive");
  EXPECT_NE(r->champion, r->challenger);
  EXPECT_LT(r->ensemble.overall.rmse, naive->overall.rmse);
  // Final weights favour the learned families.
  EXPECT_GT(r->gating.pooled.weights.count(r->champion), 0u);
}

TEST(WalkForwardTest, AFamilyWithNoSignalIsNeitherChampionNorChallenger) {
  // mean_reversion reads z_20, which is flat here, so its coefficient is 0 and
  // it forecasts naive's zero return on every bar. ridge reads pure noise and
  // loses to naive. Tied with naive, the copy used to rank second and be
  // reported as the challenger; the challenger is the best model that differs.
  Dataset ds = testing::SignalDataset(3000, 5);
  ds.feature_names = {"z_20", "f1", "f2", "f3", "f4"};
  ds.X.col(0).setZero();
  std::mt19937_64 rng(6);
  std::normal_distribution<double> noise(0.0, 0.002);
  for (Eigen::Index row = 0; row + 3 < ds.y.size(); ++row) ds.y[row] = noise(rng);
  WalkForwardOptions o = Opts(4, 800);
  o.families = {"mean_reversion", "ridge"};
  auto r = RunWalkForward(ds, o);
  ASSERT_THAT(r, IsOk());
  const FamilyResult* copy = r->Family("mean_reversion");
  const FamilyResult* naive = r->Family("naive");
  ASSERT_TRUE(copy && copy->ok && naive && naive->ok);
  ASSERT_EQ(copy->primary_mean, naive->primary_mean);  // the tie the ranking must not be fooled by
  ASSERT_GT(r->Family("ridge")->primary_mean, naive->primary_mean);
  bool reported = false;
  for (const FamilyLoss& fl : r->skill) reported |= fl.family == "mean_reversion" && fl.pooled_skill.equals_naive;
  EXPECT_TRUE(reported);
  EXPECT_EQ(r->champion, "naive");
  EXPECT_EQ(r->challenger, "ridge");
  for (const std::string& champ : r->fold_champion) EXPECT_NE(champ, "mean_reversion");
}

TEST(WalkForwardTest, OnARandomWalkNothingBeatsNaiveAndBandsCoverNominal) {
  // Seed chosen once and not tuned: 777.
  auto series = regime::testing::SimulateRandomWalk(24000, 777);
  Dataset ds = testing::SimDataset(series, 6);
  WalkForwardOptions o = Opts(5, 4000);
  auto r = RunWalkForward(ds, o);
  ASSERT_THAT(r, IsOk());
  const FamilyResult* naive = r->Family("naive");
  for (const FamilyResult& f : r->families) {
    if (!f.ok) continue;
    std::cout << f.family << " oos rmse " << f.overall.rmse << " (naive " << naive->overall.rmse << ")\n";
    // "Noise": a 1% RMSE improvement on a random walk would be a leak.
    EXPECT_GT(f.overall.rmse, 0.99 * naive->overall.rmse) << f.family;
  }
  EXPECT_GT(r->ensemble.overall.rmse, 0.99 * naive->overall.rmse);
  ASSERT_EQ(r->ensemble.overall.bands.size(), 3u);
  double cov80 = r->ensemble.overall.bands[1].coverage;
  double cov95 = r->ensemble.overall.bands[2].coverage;
  std::cout << "held-out coverage 50/80/95: " << r->ensemble.overall.bands[0].coverage << " " << cov80 << " " << cov95
            << " over " << r->ensemble.overall.n << " bars\n";
  EXPECT_NEAR(cov80, 0.80, 0.03);
  EXPECT_NEAR(cov95, 0.95, 0.03);
  EXPECT_LE(r->ensemble.overall.bands[0].mean_width, r->ensemble.overall.bands[1].mean_width);
  EXPECT_LE(r->ensemble.overall.bands[1].mean_width, r->ensemble.overall.bands[2].mean_width);
}

TEST(WalkForwardTest, WeightsForFoldKComeOnlyFromEarlierFolds) {
  Dataset ds = testing::SignalDataset(4000, 5);
  WalkForwardOptions o = Opts(4, 1000);
  o.families = {"ridge"};
  auto base = RunWalkForward(ds, o);
  ASSERT_THAT(base, IsOk());
  ASSERT_EQ(base->fold_gating.size(), 4u);
  // Nothing earlier to learn from: the random walk alone.
  EXPECT_EQ(base->fold_gating[0].pooled.source, "baseline");
  EXPECT_EQ(base->fold_gating[0].pooled.weights, (std::map<std::string, double>{{"naive", 1.0}}));
  EXPECT_EQ(base->fold_champion[0], "");
  // Change the realized labels of the last fold's test block only: no earlier
  // fold trains or evaluates on them, so the weights used for every fold are
  // unchanged, while the final (all-fold) weights see the change.
  Dataset changed = ds;
  const FoldPlan& last = base->folds.back();
  for (size_t row = last.test_begin; row < last.test_end; ++row) {
    changed.y[static_cast<Eigen::Index>(row)] = -3.0 * ds.y[static_cast<Eigen::Index>(row)];
  }
  auto after = RunWalkForward(changed, o);
  ASSERT_THAT(after, IsOk());
  for (size_t k = 0; k < 4; ++k) {
    EXPECT_EQ(after->fold_gating[k].pooled.weights, base->fold_gating[k].pooled.weights) << "fold " << k;
    EXPECT_EQ(after->fold_champion[k], base->fold_champion[k]);
  }
  // The final evidence (all folds) sees the change (the weights may not: ridge's
  // skill is strong enough to keep all of its weight either way).
  auto ridge_t = [](const TrainingResult& r) {
    for (const FamilyLoss& fl : r.skill)
      if (fl.family == "ridge") return fl.pooled_skill.dm_stat;
    return 0.0;
  };
  EXPECT_NE(ridge_t(*after), ridge_t(*base));
}

TEST(WalkForwardTest, AFailingFamilyIsRecordedAndSkipped) {
  Dataset ds = testing::SignalDataset(2000, 3);  // no ret_* feature: trend cannot fit
  WalkForwardOptions o = Opts(3, 500);
  o.families = {"trend", "ridge"};
  auto r = RunWalkForward(ds, o);
  ASSERT_THAT(r, IsOk());
  const FamilyResult* trend = r->Family("trend");
  ASSERT_NE(trend, nullptr);
  EXPECT_FALSE(trend->ok);
  EXPECT_NE(trend->error.find("ret_"), std::string::npos);
  EXPECT_NE(r->champion, "trend");
  EXPECT_NE(r->gating.pooled.gated_out.at("trend").find("failed"), std::string::npos);
  EXPECT_TRUE(r->Family("ridge")->ok);
  EXPECT_NE(r->Family("ridge")->final_model, nullptr);
}

}  // namespace
}  // namespace rc::ml
