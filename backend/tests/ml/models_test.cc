#include <gtest/gtest.h>

#include <cmath>

#include "ml/models/family_registry.h"
#include "ml_fixtures.h"
#include "testing/matchers.h"
#include "testing/temp_dir.h"

namespace rc::ml {
namespace {

using rc::testing::ErrorIs;
using rc::testing::IsOk;

// Trainable rows of ds in [begin, end) as (X, y).
void Rows(const Dataset& ds, size_t begin, size_t end, Eigen::MatrixXd& X, Eigen::VectorXd& y) {
  std::vector<size_t> rows;
  for (size_t row = begin; row < end; ++row)
    if (ds.Trainable(row)) rows.push_back(row);
  X.resize(static_cast<Eigen::Index>(rows.size()), ds.X.cols());
  y.resize(static_cast<Eigen::Index>(rows.size()));
  for (size_t idx = 0; idx < rows.size(); ++idx) {
    X.row(static_cast<Eigen::Index>(idx)) = ds.X.row(static_cast<Eigen::Index>(rows[idx]));
    y[static_cast<Eigen::Index>(idx)] = ds.y[static_cast<Eigen::Index>(rows[idx])];
  }
}

TEST(ModelFamiliesTest, RegistryKnowsTheFiveFamiliesNaiveFirst) {
  const auto& names = FamilyNames();
  ASSERT_EQ(names.size(), 5u);
  EXPECT_EQ(names[0], "naive");
  for (const auto& name : names) {
    auto m = CreateModel(name);
    ASSERT_THAT(m, IsOk());
    EXPECT_EQ((*m)->family(), name);
  }
  EXPECT_THAT(CreateModel("lstm", "bot"), ErrorIs(ErrorCode::kInvalidArgument, "bot"));
}

TEST(ModelFamiliesTest, SaveLoadRoundTripGivesIdenticalPredictionsForEveryFamily) {
  regime::testing::SimOptions so;
  so.bars = 3000;
  so.seed = 3;
  Dataset ds = testing::SimDataset(regime::testing::SimulateRegimes(so), 6);
  Eigen::MatrixXd X;
  Eigen::VectorXd y;
  Rows(ds, 0, 2500, X, y);
  Eigen::MatrixXd Xt;
  Eigen::VectorXd yt;
  Rows(ds, 2500, 3000, Xt, yt);
  rc::testing::TempDir dir;
  FitContext ctx{ds.feature_names, ds.horizon_bars, 7, 1};
  for (const auto& name : FamilyNames()) {
    auto model = std::move(*CreateModel(name));
    ASSERT_THAT(model->Fit(X, y, ctx), IsOk()) << name;
    ASSERT_THAT(model->Save(dir / name), IsOk()) << name;
    auto loaded = std::move(*CreateModel(name));
    ASSERT_THAT(loaded->Load(dir / name), IsOk()) << name;
    Eigen::VectorXd a = model->Predict(Xt);
    Eigen::VectorXd b = loaded->Predict(Xt);
    for (Eigen::Index row = 0; row < Xt.rows(); ++row) {
      ASSERT_EQ(a[row], b[row]) << name << " row " << row;
      ASSERT_EQ(model->PredictRow(Xt.row(row)), loaded->PredictRow(Xt.row(row))) << name;
    }
    EXPECT_FALSE(model->Describe().empty());
  }
}

TEST(ModelFamiliesTest, LoadingAMissingArtifactFails) {
  rc::testing::TempDir dir;
  for (const auto& name : FamilyNames()) {
    auto model = std::move(*CreateModel(name));
    EXPECT_FALSE(model->Load(dir / "absent").has_value()) << name;
  }
}

TEST(ModelFamiliesTest, GbdtIsDeterministicForASeed) {
  Dataset ds = testing::SignalDataset(3000, 9);
  Eigen::MatrixXd X;
  Eigen::VectorXd y;
  Rows(ds, 0, 3000, X, y);
  FitContext ctx{ds.feature_names, ds.horizon_bars, 11, 1};
  auto a = std::move(*CreateModel("gbdt"));
  auto b = std::move(*CreateModel("gbdt"));
  ASSERT_THAT(a->Fit(X, y, ctx), IsOk());
  ASSERT_THAT(b->Fit(X, y, ctx), IsOk());
  EXPECT_EQ(a->Predict(X.topRows(50)), b->Predict(X.topRows(50)));
}

TEST(ModelFamiliesTest, TrendAndMeanReversionNeedTheirSignals) {
  Dataset ds = testing::SignalDataset(500, 2);
  Eigen::MatrixXd X;
  Eigen::VectorXd y;
  Rows(ds, 0, 500, X, y);
  FitContext ctx{ds.feature_names, ds.horizon_bars, 1, 1};
  EXPECT_THAT((*CreateModel("trend"))->Fit(X, y, ctx), ErrorIs(ErrorCode::kInvalidArgument, "feature_names"));
  EXPECT_THAT((*CreateModel("mean_reversion"))->Fit(X, y, ctx),
              ErrorIs(ErrorCode::kInvalidArgument, "feature_names"));
}

TEST(ModelFamiliesTest, TrendFitsPositiveMomentumOnTrendingData) {
  // Persistent drift: the recent return predicts the next ones.
  regime::testing::SimOptions so;
  so.bars = 4000;
  so.seed = 8;
  so.stay_probability = 0.998;
  Dataset ds = testing::SimDataset(regime::testing::SimulateRegimes(so), 6);
  Eigen::MatrixXd X;
  Eigen::VectorXd y;
  Rows(ds, 0, 4000, X, y);
  auto m = std::move(*CreateModel("trend"));
  ASSERT_THAT(m->Fit(X, y, FitContext{ds.feature_names, 6, 1, 1}), IsOk());
  EXPECT_GT(m->Describe().at("coef").as_double(), 0.0);
}

}  // namespace
}  // namespace rc::ml
