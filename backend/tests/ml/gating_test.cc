#include "ml/gating.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "testing/matchers.h"

namespace rc::ml {
namespace {

using regime::Regime;
using rc::testing::ErrorIs;
using rc::testing::IsOk;

// The plain softmax over losses, without the skill requirement (tested in skill_evidence_test.cc).
GatingOptions Plain() {
  GatingOptions o;
  o.require_skill = false;
  return o;
}

FamilyLoss Loss(const std::string& f, double pooled, double trend_loss, int64_t n = 500) {
  FamilyLoss fl{f, pooled, n, {}};
  fl.regime_loss[Regime::kTrendingUp] = {trend_loss, n};
  return fl;
}

double Sum(const FamilyWeights& fw) {
  double s = 0;
  for (const auto& [f, w] : fw.weights) s += w;
  return s;
}

TEST(GatingTest, LowerLossGetsMoreWeightPerRegimeAndWeightsSumToOne) {
  std::vector<FamilyLoss> losses = {Loss("naive", 0.010, 0.012), Loss("ridge", 0.0098, 0.009),
                                    Loss("trend", 0.0101, 0.0085)};
  GatingTable g = ComputeGating(losses, "ridge", {}, Plain());
  EXPECT_NEAR(Sum(g.pooled), 1.0, 1e-12);
  EXPECT_GT(g.pooled.weights.at("ridge"), g.pooled.weights.at("naive"));
  ASSERT_EQ(g.per_regime.count(Regime::kTrendingUp), 1u);
  const FamilyWeights& t = g.For(Regime::kTrendingUp);
  EXPECT_EQ(t.source, "regime");
  EXPECT_GT(t.weights.at("trend"), t.weights.at("ridge"));
  EXPECT_NEAR(Sum(t), 1.0, 1e-12);
  // naive's loss is 41% worse than the best in this regime: gated out with a reason.
  EXPECT_EQ(t.weights.count("naive"), 0u);
  EXPECT_NE(t.gated_out.at("naive").find("below floor"), std::string::npos);
  // A regime without enough bars falls back to pooled weights.
  EXPECT_EQ(g.For(Regime::kVolatile).source, "pooled");
}

TEST(GatingTest, ChampionIsBiased) {
  std::vector<FamilyLoss> losses = {Loss("naive", 0.01, 0.01), Loss("ridge", 0.01, 0.01)};
  GatingTable g = ComputeGating(losses, "ridge", {}, Plain());
  EXPECT_NEAR(g.pooled.weights.at("ridge") / g.pooled.weights.at("naive"), 1.25, 1e-9);
}

TEST(GatingTest, FailedFamiliesAreGatedOutWithTheirError) {
  GatingTable g = ComputeGating({Loss("naive", 0.01, 0.01)}, "naive", {{"gbdt", "boom"}}, Plain());
  EXPECT_EQ(g.pooled.gated_out.at("gbdt"), "failed: boom");
  EXPECT_DOUBLE_EQ(g.pooled.weights.at("naive"), 1.0);
}

TEST(GatingTest, NoOutOfSampleDataMeansUniform) {
  std::vector<FamilyLoss> losses = {{"naive", 0, 0, {}}, {"ridge", 0, 0, {}}};
  GatingTable g = ComputeGating(losses, "", {}, Plain());
  EXPECT_EQ(g.pooled.source, "uniform");
  EXPECT_DOUBLE_EQ(g.pooled.weights.at("ridge"), 0.5);
  EXPECT_TRUE(g.per_regime.empty());
}

TEST(GatingTest, JsonRoundTrip) {
  GatingTable g = ComputeGating({Loss("naive", 0.01, 0.012), Loss("ridge", 0.009, 0.009)}, "ridge", {}, Plain());
  auto back = GatingTable::FromJson(boost::json::parse(boost::json::serialize(g.ToJson())).as_object());
  ASSERT_THAT(back, IsOk());
  EXPECT_EQ(back->pooled.weights, g.pooled.weights);
  EXPECT_EQ(back->For(Regime::kTrendingUp).weights, g.For(Regime::kTrendingUp).weights);
}

TEST(GatingTest, ManualWeightsAreValidatedNamingTheField) {
  std::vector<std::string> fams = {"naive", "ridge"};
  EXPECT_THAT(ValidateManualWeights({{"naive", 0.2}, {"ridge", 0.8}}, fams), IsOk());
  EXPECT_THAT(ValidateManualWeights({{"naive", 0.2}, {"lstm", 0.8}}, fams),
              ErrorIs(ErrorCode::kInvalidArgument, "weights.lstm"));
  EXPECT_THAT(ValidateManualWeights({{"naive", -0.2}, {"ridge", 1.2}}, fams),
              ErrorIs(ErrorCode::kInvalidArgument, "weights.naive"));
  EXPECT_THAT(ValidateManualWeights({{"naive", 0.2}, {"ridge", 0.7}}, fams),
              ErrorIs(ErrorCode::kInvalidArgument, "weights"));
  EXPECT_THAT(ValidateManualWeights({}, fams), ErrorIs(ErrorCode::kInvalidArgument, "weights"));
  FamilyWeights c = CuratedWeights({{"naive", 0.0}, {"ridge", 1.0}}, {"naive", "ridge", "gbdt"});
  EXPECT_EQ(c.source, "curated");
  EXPECT_EQ(c.weights.size(), 1u);
  EXPECT_EQ(c.gated_out.at("gbdt"), "curated override");
  EXPECT_EQ(c.gated_out.count("naive"), 1u);
}

}  // namespace
}  // namespace rc::ml
