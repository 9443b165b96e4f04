#include "ml/predict/predictor.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/time.h"
#include "ml_fixtures.h"
#include "testing/matchers.h"
#include "testing/temp_dir.h"

namespace rc::ml {
namespace {

using rc::testing::IsOk;

constexpr int64_t kSpacing = 300'000'000;

struct Trained {
  TrainingResult result;
  ExperimentRecord record;
  std::shared_ptr<const LoadedExperiment> exp;
  IndexEntry entry;
};

const Trained& TrainedOnce() {
  static const Trained* t = [] {
    auto* out = new Trained;
    Dataset ds = testing::SignalDataset(1500, 23);
    WalkForwardOptions o;
    o.folds = 2;
    o.min_train_rows = 500;
    o.families = {"ridge", "gbdt"};
    out->result = std::move(*RunWalkForward(ds, o));
    out->record = MakeExperimentRecord(out->result, {"TCS.NS", "5m", 15}, "orchestrator", {}, o, 1'000'000);
    out->exp = MakeLoadedExperiment(out->record, out->result);
    out->entry.active_experiment = out->record.id;
    out->entry.gating = out->record.gating;
    out->entry.champion = ModelRef{out->record.id, out->record.champion, 0};
    out->entry.challenger = ModelRef{out->record.id, out->record.challenger, 0};
    return out;
  }();
  return *t;
}

PredictionRequest Request() {
  PredictionRequest r;
  r.feature_names = {"f0", "f1", "f2", "f3", "f4"};
  r.features = Eigen::RowVectorXd(5);
  r.features << 1.0, -0.5, 0.3, 0.8, 0.0;
  r.last_close = 250.0;
  r.last_bar_ts = 1'700'000'000'000'000;
  r.bar_spacing_us = kSpacing;
  r.now = r.last_bar_ts + kSpacing + 1'000'000;
  r.horizon_bars = 3;
  r.regime.regime = regime::Regime::kTrendingUp;
  r.regime.confidence = 0.7;
  r.recent_vol_per_bar = 0.002;
  return r;
}

void ExpectNestedBands(const Prediction& p) {
  ASSERT_EQ(p.bands.size(), 3u);
  for (size_t lvl = 0; lvl < 3; ++lvl) {
    const BandOut& b = p.bands[lvl];
    EXPECT_LE(b.lower, p.expected_price);
    EXPECT_GE(b.upper, p.expected_price);
    EXPECT_NEAR(b.lower, 250.0 * std::exp(b.lower_return), 1e-9);
    if (lvl > 0) {
      EXPECT_LE(b.lower, p.bands[lvl - 1].lower);
      EXPECT_GE(b.upper, p.bands[lvl - 1].upper);
    }
  }
}

TEST(PredictorTest, WithoutAModelFallsBackToNaiveWithVolatilityBands) {
  Prediction p = Predict(Request(), nullptr, nullptr);
  EXPECT_TRUE(p.degraded);
  EXPECT_FALSE(p.degraded_reason.empty());
  EXPECT_EQ(p.weights.at("naive"), 1.0);
  EXPECT_DOUBLE_EQ(p.expected_price, 250.0);
  EXPECT_EQ(p.band_source, "volatility");
  EXPECT_NEAR(p.bands[2].upper_return, 1.959964 * 0.002 * std::sqrt(3.0), 1e-6);
  EXPECT_EQ(p.regime, regime::Regime::kTrendingUp);
  ExpectNestedBands(p);
  EXPECT_TRUE(p.ToJson().at("degraded").as_bool());
}

TEST(PredictorTest, GatedEnsembleWithConformalBandsAndEverythingTheApiNeeds) {
  const Trained& t = TrainedOnce();
  Prediction p = Predict(Request(), &t.entry, t.exp.get());
  EXPECT_FALSE(p.degraded) << p.degraded_reason;
  double wsum = 0;
  double manual = 0;
  for (const auto& [f, w] : p.weights) {
    wsum += w;
    manual += w * p.family_returns.at(f);
  }
  EXPECT_NEAR(wsum, 1.0, 1e-12);
  EXPECT_NEAR(p.expected_return, manual, 1e-15);
  EXPECT_NEAR(p.expected_price, 250.0 * std::exp(p.expected_return), 1e-9);
  // The signal says up: 0.002*(1 + 0.25) + ...
  EXPECT_GT(p.expected_return, 0.0);
  ExpectNestedBands(p);
  EXPECT_EQ(p.experiment_id, t.record.id);
  EXPECT_EQ(p.champion, t.record.champion);
  EXPECT_EQ(p.challenger, t.record.challenger);
  EXPECT_DOUBLE_EQ(p.regime_confidence, 0.7);
  EXPECT_FALSE(p.stale);
  EXPECT_NEAR(p.data_age_seconds, 1.0, 1e-9);
  EXPECT_GT(p.model_age_seconds, 0);
  auto json = p.ToJson();
  EXPECT_TRUE(json.contains("gated_out"));
  EXPECT_EQ(json.at("bands").as_array().size(), 3u);
}

// Model age is measured from training time to the prediction's as-of (market)
// time. A backfill over history served by a model trained later (the issue's
// -97,308 s) is age 0, never negative; a prediction after training is exact.
TEST(PredictorTest, ModelAgeIsFromTrainingToAsOfAndNeverNegative) {
  const Trained& t = TrainedOnce();
  ExperimentRecord later = t.record;
  later.created_at = 1'764'900'000'000'000;  // trained 2025-12-05, after the data below
  auto exp = std::make_shared<LoadedExperiment>(*t.exp);
  exp->record = later;
  PredictionRequest historical = Request();  // bars of 2023-11-14, as-of their close
  ASSERT_LT(historical.now, later.created_at);
  Prediction backfill = Predict(historical, &t.entry, exp.get());
  EXPECT_FALSE(backfill.degraded) << backfill.degraded_reason;
  EXPECT_EQ(backfill.model_age_seconds, 0.0);
  EXPECT_EQ(backfill.model_trained_at, later.created_at);

  PredictionRequest live = Request();
  live.last_bar_ts = later.created_at + 3600 * ::rc::kMicrosPerSecond;
  live.now = live.last_bar_ts + kSpacing;  // one hour and one bar after training
  Prediction after = Predict(live, &t.entry, exp.get());
  EXPECT_DOUBLE_EQ(after.model_age_seconds, 3600.0 + static_cast<double>(kSpacing) / ::rc::kMicrosPerSecond);
  EXPECT_GE(after.ToJson().at("model_age_seconds").as_double(), 3600.0);
}

TEST(PredictorTest, CuratedOverrideTakesPrecedenceOverComputedWeights) {
  const Trained& t = TrainedOnce();
  IndexEntry entry = t.entry;
  entry.curated = CuratedOverride{"cur-1", {{"naive", 0.25}, {"ridge", 0.75}}, "ana", "why", 5};
  Prediction p = Predict(Request(), &entry, t.exp.get());
  EXPECT_EQ(p.weights_source, "curated");
  EXPECT_EQ(p.curated_experiment_id, "cur-1");
  EXPECT_DOUBLE_EQ(p.weights.at("ridge"), 0.75);
  EXPECT_DOUBLE_EQ(p.weights.at("naive"), 0.25);
  EXPECT_EQ(p.weights.count("gbdt"), 0u);
  EXPECT_EQ(p.gated_out.at("gbdt"), "curated override");
  EXPECT_NEAR(p.expected_return, 0.75 * p.family_returns.at("ridge"), 1e-15);
}

TEST(PredictorTest, FeatureOrderDoesNotMatterAndMissingFeaturesDegrade) {
  const Trained& t = TrainedOnce();
  Prediction a = Predict(Request(), &t.entry, t.exp.get());
  PredictionRequest shuffled = Request();
  shuffled.feature_names = {"f4", "f3", "f2", "f1", "f0"};
  shuffled.features = Request().features.reverse();
  Prediction b = Predict(shuffled, &t.entry, t.exp.get());
  EXPECT_EQ(a.expected_return, b.expected_return);
  PredictionRequest missing = Request();
  missing.feature_names = {"f0", "f1", "f2", "f3", "zz"};
  Prediction c = Predict(missing, &t.entry, t.exp.get());
  EXPECT_TRUE(c.degraded);
  EXPECT_NE(c.degraded_reason.find("f4"), std::string::npos);
  PredictionRequest nan = Request();
  nan.features[2] = std::nan("");
  EXPECT_TRUE(Predict(nan, &t.entry, t.exp.get()).degraded);
}

TEST(PredictorTest, ScaledBandsFollowRecentVolatilityAndAdaptiveLevels) {
  const Trained& t = TrainedOnce();
  // The same experiment with a volatility-scaled calibration (residual sd proportional to vol).
  LoadedExperiment scaled = *t.exp;
  std::vector<double> res, vols;
  std::vector<regime::Regime> regs;
  for (int i = 0; i < 3000; ++i) {
    const double v = 0.001 * (1 + i % 4);
    vols.push_back(v);
    res.push_back(v * std::sin(0.7 * i) * 2.0);
    regs.push_back(regime::Regime::kTrendingUp);
  }
  auto cal = CalibrateBands(res, regs, {}, vols);
  ASSERT_THAT(cal, IsOk());
  scaled.record.calibration = *cal;
  auto width80 = [](const Prediction& p) { return p.bands[1].upper_return - p.bands[1].lower_return; };

  PredictionRequest calm = Request(), busy = Request();
  calm.recent_vol_per_bar = 0.001;
  busy.recent_vol_per_bar = 0.004;
  const Prediction pc = Predict(calm, &t.entry, &scaled), pb = Predict(busy, &t.entry, &scaled);
  ASSERT_FALSE(pc.degraded);
  EXPECT_TRUE(pc.bands_volatility_scaled);
  EXPECT_FALSE(pc.bands_adaptive);
  EXPECT_GT(width80(pb), 1.5 * width80(pc));
  EXPECT_DOUBLE_EQ(pc.expected_return, pb.expected_return);  // only the bands move

  // ACI asks for a higher level: wider, still nested.
  PredictionRequest adaptive = calm;
  adaptive.adaptive_levels = {0.6, 0.9, 0.99};
  const Prediction pa = Predict(adaptive, &t.entry, &scaled);
  EXPECT_TRUE(pa.bands_adaptive);
  EXPECT_GT(width80(pa), width80(pc));
  EXPECT_LE(pa.bands[0].upper_return, pa.bands[1].upper_return);
  EXPECT_LE(pa.bands[1].upper_return, pa.bands[2].upper_return);
  EXPECT_TRUE(pa.ToJson().at("bands_adaptive").as_bool());
  // Unusable adaptive levels (wrong count, not a level) are ignored, never a failure.
  for (std::vector<double> bad : {std::vector<double>{0.9}, std::vector<double>{0.5, std::nan(""), 0.95}}) {
    PredictionRequest r = calm;
    r.adaptive_levels = bad;
    const Prediction p = Predict(r, &t.entry, &scaled);
    EXPECT_FALSE(p.bands_adaptive);
    EXPECT_DOUBLE_EQ(width80(p), width80(pc));
  }
}

TEST(PredictorTest, StaleDataIsFlagged) {
  const Trained& t = TrainedOnce();
  PredictionRequest r = Request();
  r.now = r.last_bar_ts + 10 * kSpacing;
  EXPECT_TRUE(Predict(r, &t.entry, t.exp.get()).stale);
}

TEST(PredictorTest, ModelCacheServesRegistryModelsWithIdenticalPredictions) {
  const Trained& t = TrainedOnce();
  rc::testing::TempDir dir;
  ExperimentRegistry reg(dir.path());
  ASSERT_THAT(reg.Record(t.record, &t.result), IsOk());
  ModelCache cache(&reg);
  auto loaded = cache.Get(t.record.id);
  ASSERT_THAT(loaded, IsOk());
  auto again = cache.Get(t.record.id);
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(loaded->get(), again->get());
  EXPECT_EQ(cache.size(), 1u);
  auto entry = reg.Entry(t.record.key);
  ASSERT_THAT(entry, IsOk());
  Prediction from_disk = Predict(Request(), &*entry, loaded->get());
  Prediction in_memory = Predict(Request(), &t.entry, t.exp.get());
  EXPECT_EQ(from_disk.expected_return, in_memory.expected_return);
  ASSERT_EQ(from_disk.bands.size(), in_memory.bands.size());
  for (size_t lvl = 0; lvl < from_disk.bands.size(); ++lvl) {
    EXPECT_EQ(from_disk.bands[lvl].upper_return, in_memory.bands[lvl].upper_return);
  }
  EXPECT_FALSE(cache.Get("absent").has_value());
  // Retired experiments leave memory; the active one stays loaded (same object).
  cache.RetainOnly({});
  EXPECT_EQ(cache.size(), 0u);
  auto reloaded = cache.Get(t.record.id);
  ASSERT_THAT(reloaded, IsOk());
  cache.RetainOnly({t.record.id});
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache.Get(t.record.id)->get(), reloaded->get());
}

}  // namespace
}  // namespace rc::ml
