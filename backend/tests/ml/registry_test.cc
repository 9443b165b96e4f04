#include "ml/registry/registry.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "core/time.h"
#include "ml_fixtures.h"
#include "testing/matchers.h"
#include "testing/temp_dir.h"

namespace rc::ml {
namespace {

namespace fs = std::filesystem;
using rc::testing::ErrorIs;
using rc::testing::IsOk;

constexpr int64_t kNow = 1'717'755'300'000'000;  // 2024-06-07T10:15:00Z
const ExperimentKey kKey{"TCS.NS", "5m", 180};

// One small orchestrator run shared by the tests (trained once). Never
// destroyed: XGBoost's own statics may be gone at exit.
const TrainingResult& SmallRun() {
  static const TrainingResult* result = new TrainingResult([] {
    Dataset ds = testing::SignalDataset(1500, 17);
    WalkForwardOptions o;
    o.folds = 2;
    o.min_train_rows = 500;
    o.families = {"ridge", "gbdt"};
    return std::move(*RunWalkForward(ds, o));
  }());
  return *result;
}

ExperimentRecord Rec(const std::string& kind, int64_t now, const ExperimentKey& key = kKey) {
  WalkForwardOptions o;
  return MakeExperimentRecord(SmallRun(), key, kind, DataVersion{"17", "silver/features/TCS.NS/5m@fs1", 0, 0, 0}, o, now);
}

TEST(RegistryTest, OrchestratorRunSetsChampionChallengerAndPinsTheDataVersion) {
  rc::testing::TempDir dir;
  ExperimentRegistry reg(dir.path());
  ExperimentRecord rec = Rec("orchestrator", kNow);
  auto id = reg.Record(rec, &SmallRun());
  ASSERT_THAT(id, IsOk());
  auto entry = reg.Entry(kKey);
  ASSERT_THAT(entry, IsOk());
  ASSERT_TRUE(entry->champion.has_value());
  EXPECT_EQ(entry->champion->family, SmallRun().champion);
  EXPECT_EQ(entry->challenger->family, SmallRun().challenger);
  EXPECT_EQ(entry->champion->experiment_id, *id);
  EXPECT_EQ(entry->active_experiment, *id);
  EXPECT_NE(entry->champion->family, "naive");
  auto loaded = reg.Load(*id);
  ASSERT_THAT(loaded, IsOk());
  EXPECT_EQ(loaded->data.lake_table_version, "17");
  EXPECT_EQ(loaded->data.silver_identity, "silver/features/TCS.NS/5m@fs1");
  EXPECT_EQ(loaded->families.size(), 3u);
  // The record names how its bands were calibrated, method included.
  const auto& bands = loaded->parameters.at("bands").as_object();
  EXPECT_EQ(bands.at("regime_method").as_string(), "tail_shrunk");
  EXPECT_EQ(bands.at("tail_pseudo_count").as_double(), BandOptions{}.tail_pseudo_count);
  EXPECT_EQ(bands.at("volatility_scaled").as_bool(), true);
  EXPECT_EQ(bands.at("levels").as_array().size(), 3u);
  EXPECT_TRUE(fs::exists(dir.path() / "experiments" / *id / "models" / "gbdt" / "model.json"));
  EXPECT_TRUE(fs::exists(dir.path() / "experiments" / *id / "calibration.json"));
  auto models = reg.LoadModels(*loaded);
  ASSERT_THAT(models, IsOk());
  // Models reload to identical predictions.
  Eigen::RowVectorXd x = Eigen::RowVectorXd::Constant(5, 0.3);
  for (const FamilyResult& fr : SmallRun().families) {
    EXPECT_EQ(models->at(fr.family)->PredictRow(x), fr.final_model->PredictRow(x)) << fr.family;
  }
  EXPECT_THAT(reg.Entry(ExperimentKey{"INFY.NS", "5m", 180}), ErrorIs(ErrorCode::kNotFound));
}

TEST(RegistryTest, SingleBotRunSlotsIntoTheRankingByPrimaryMetric) {
  rc::testing::TempDir dir;
  ExperimentRegistry reg(dir.path());
  ExperimentRecord orch = Rec("orchestrator", kNow);
  ASSERT_THAT(reg.Record(orch, &SmallRun()), IsOk());
  ExperimentRecord single = Rec("single", kNow + 1);
  // Pretend the single bot's family is better than everything so far.
  single.champion = "ridge";
  single.primary_by_family["ridge"] = 1e-9;
  ASSERT_THAT(reg.Record(single, nullptr), IsOk());
  auto entry = reg.Entry(kKey);
  ASSERT_THAT(entry, IsOk());
  EXPECT_EQ(entry->champion->experiment_id, single.id);
  EXPECT_EQ(entry->challenger->experiment_id, orch.id);
  EXPECT_EQ(entry->challenger->family, orch.champion);
  EXPECT_EQ(entry->active_experiment, orch.id);  // predictions keep using the orchestrator's ensemble
}

TEST(RegistryTest, CuratedOverrideIsValidatedAuditedAndWinsUntilRemoved) {
  rc::testing::TempDir dir;
  ExperimentRegistry reg(dir.path());
  ASSERT_THAT(reg.Record(Rec("orchestrator", kNow), &SmallRun()), IsOk());
  EXPECT_THAT(reg.Curate(kKey, {{"naive", 0.2}, {"lstm", 0.8}}, "ana", "test", kNow),
              ErrorIs(ErrorCode::kInvalidArgument, "weights.lstm"));
  EXPECT_THAT(reg.Curate(kKey, {{"naive", 0.2}, {"ridge", 0.7}}, "ana", "test", kNow),
              ErrorIs(ErrorCode::kInvalidArgument, "weights"));
  EXPECT_THAT(reg.Curate(kKey, {{"naive", 0.2}, {"ridge", 0.8}}, "", "test", kNow),
              ErrorIs(ErrorCode::kInvalidArgument, "who"));
  EXPECT_THAT(reg.Curate(ExperimentKey{"X", "5m", 180}, {{"naive", 1.0}}, "ana", "t", kNow),
              ErrorIs(ErrorCode::kNotFound));
  auto cid = reg.Curate(kKey, {{"naive", 0.2}, {"ridge", 0.8}}, "ana", "analysts see a range", kNow + 5);
  ASSERT_THAT(cid, IsOk());
  auto entry = reg.Entry(kKey);
  ASSERT_TRUE(entry->curated.has_value());
  EXPECT_EQ(entry->curated->who, "ana");
  EXPECT_EQ(entry->curated->weights.at("ridge"), 0.8);
  auto cur = reg.Load(*cid);
  ASSERT_THAT(cur, IsOk());
  EXPECT_EQ(cur->kind, "curated");
  EXPECT_EQ(cur->curated->why, "analysts see a range");
  // A new orchestrator run does not displace the curated override.
  ASSERT_THAT(reg.Record(Rec("orchestrator", kNow + 10), &SmallRun()), IsOk());
  EXPECT_EQ(reg.Entry(kKey)->curated->experiment_id, *cid);
  std::string audit = rc::testing::ReadFile(dir.path() / "experiments" / "audit.jsonl");
  EXPECT_NE(audit.find("\"curate\""), std::string::npos);
  ASSERT_THAT(reg.Uncurate(kKey, "ana", "range over", kNow + 20), IsOk());
  EXPECT_FALSE(reg.Entry(kKey)->curated.has_value());
  EXPECT_THAT(reg.Uncurate(kKey, "ana", "again", kNow + 21), ErrorIs(ErrorCode::kNotFound));
}

TEST(RegistryTest, PruneBacksUpFirstAndNeverRemovesChampionChallengerOrCurated) {
  rc::testing::TempDir dir;
  ExperimentRegistry reg(dir.path());
  const int64_t day = kMicrosPerDay;
  ExperimentRecord old_orch = Rec("orchestrator", kNow - 40 * day);
  ASSERT_THAT(reg.Record(old_orch, &SmallRun()), IsOk());
  // An old single-bot run that becomes the champion: old, but protected.
  ExperimentRecord old_single = Rec("single", kNow - 39 * day);
  old_single.champion = "ridge";
  old_single.primary_by_family["ridge"] = 1e-9;
  ASSERT_THAT(reg.Record(old_single, nullptr), IsOk());
  // Another key whose old experiment is curated.
  ExperimentKey other{"INFY.NS", "5m", 180};
  ExperimentRecord other_orch = Rec("orchestrator", kNow - 50 * day, other);
  ASSERT_THAT(reg.Record(other_orch, &SmallRun()), IsOk());
  auto curated = reg.Curate(other, {{"naive", 0.5}, {"gbdt", 0.5}}, "ana", "why", kNow - 45 * day);
  ASSERT_THAT(curated, IsOk());
  // Replace INFY's orchestrator so the old one is unprotected, and add stale junk.
  ExperimentRecord other_new = Rec("orchestrator", kNow - 1 * day, other);
  ASSERT_THAT(reg.Record(other_new, &SmallRun()), IsOk());
  ExperimentRecord junk = Rec("single", kNow - 60 * day, ExperimentKey{"JUNK", "5m", 180});
  junk.kind = "curated";  // recorded without touching the index
  ASSERT_THAT(reg.Record(junk, nullptr), IsOk());

  auto dry = reg.Prune(30, true, kNow, "ops");
  ASSERT_THAT(dry, IsOk());
  EXPECT_TRUE(dry->backup_path.empty());
  std::vector<std::string> expected_removed = {other_orch.id, junk.id};
  std::sort(expected_removed.begin(), expected_removed.end());
  std::vector<std::string> removed = dry->removed;
  std::sort(removed.begin(), removed.end());
  EXPECT_EQ(removed, expected_removed);
  EXPECT_TRUE(fs::exists(reg.root() / other_orch.id));  // dry run removed nothing

  auto real = reg.Prune(30, false, kNow, "ops");
  ASSERT_THAT(real, IsOk());
  ASSERT_FALSE(real->backup_path.empty());
  EXPECT_TRUE(fs::exists(real->backup_path));
  EXPECT_FALSE(fs::exists(reg.root() / other_orch.id));
  EXPECT_FALSE(fs::exists(reg.root() / junk.id));
  for (const std::string& id : {old_orch.id, old_single.id, *curated, other_new.id}) {
    EXPECT_TRUE(fs::exists(reg.root() / id / "record.json")) << id;
  }
  EXPECT_NE(real->kept.at(old_single.id).find("champion"), std::string::npos);
  EXPECT_NE(real->kept.at(*curated).find("curated"), std::string::npos);
  // Pruning everything unprotected still keeps them.
  auto all = reg.Prune(std::nullopt, false, kNow, "ops");
  ASSERT_THAT(all, IsOk());
  for (const std::string& id : {old_orch.id, old_single.id, *curated, other_new.id}) {
    EXPECT_TRUE(fs::exists(reg.root() / id / "record.json")) << id;
  }
  EXPECT_THAT(reg.Prune(-1, true, kNow, "ops"), ErrorIs(ErrorCode::kInvalidArgument, "older_than_days"));
}

TEST(RegistryTest, BackupRestoresWithPlainTar) {
  rc::testing::TempDir dir;
  ExperimentRegistry reg(dir.path());
  auto id = reg.Record(Rec("orchestrator", kNow), &SmallRun());
  ASSERT_THAT(id, IsOk());
  auto path = reg.Backup(kNow);
  ASSERT_THAT(path, IsOk());
  EXPECT_EQ(fs::path(*path).filename(), "experiments-20240607.tgz");
  auto second = reg.Backup(kNow);
  ASSERT_THAT(second, IsOk());
  EXPECT_EQ(fs::path(*second).filename(), "experiments-20240607-2.tgz");
  rc::testing::TempDir restore;
  std::string cmd = "tar -xzf '" + *path + "' -C '" + restore.str() + "'";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  for (const auto& e : fs::recursive_directory_iterator(reg.root())) {
    if (!e.is_regular_file() || e.path().filename() == ".lock") continue;
    fs::path rel = fs::relative(e.path(), dir.path());
    ASSERT_TRUE(fs::exists(restore.path() / rel)) << rel;
    EXPECT_EQ(rc::testing::ReadFile(restore.path() / rel), rc::testing::ReadFile(e.path())) << rel;
  }
  // The restored registry works.
  ExperimentRegistry restored(restore.path());
  auto rec = restored.Load(*id);
  ASSERT_THAT(rec, IsOk());
  EXPECT_THAT(restored.LoadModels(*rec), IsOk());
}

TEST(RegistryTest, WeightsParseFromTheCliForm) {
  auto w = ParseWeights("naive=0.2,ridge=0.8");
  ASSERT_THAT(w, IsOk());
  EXPECT_EQ(w->at("ridge"), 0.8);
  EXPECT_THAT(ParseWeights("naive"), ErrorIs(ErrorCode::kInvalidArgument, "weights"));
  EXPECT_THAT(ParseWeights("naive=x"), ErrorIs(ErrorCode::kInvalidArgument, "weights.naive"));
  EXPECT_THAT(ParseWeights("naive=0.5,naive=0.5"), ErrorIs(ErrorCode::kInvalidArgument, "weights.naive"));
}

TEST(RegistryTest, UnsafeIdsAreRejected) {
  rc::testing::TempDir dir;
  ExperimentRegistry reg(dir.path());
  EXPECT_THAT(reg.Load("../etc"), ErrorIs(ErrorCode::kInvalidArgument, "id"));
}

}  // namespace
}  // namespace rc::ml

namespace rc::ml {
namespace {

TEST(ExperimentKeyTest, FromInputCanonicalisesAndNamesTheBadField) {
  auto key = ExperimentKey::FromInput("tcs.ns", "5m", 180);
  ASSERT_TRUE(key) << key.error().ToString();
  EXPECT_EQ(key->ToString(), "TCS.NS|5m|180");
  EXPECT_THAT(ExperimentKey::FromInput("a/b", "5m", 180), rc::testing::ErrorIs(ErrorCode::kInvalidArgument, "symbol"));
  EXPECT_THAT(ExperimentKey::FromInput("TCS.NS", "7m", 180),
              rc::testing::ErrorIs(ErrorCode::kInvalidArgument, "timeframe"));
  EXPECT_THAT(ExperimentKey::FromInput("TCS.NS", "5m", 7),
              rc::testing::ErrorIs(ErrorCode::kInvalidArgument, "horizon_minutes"));
  EXPECT_THAT(ExperimentKey::FromInput("TCS.NS", "5m", 0),
              rc::testing::ErrorIs(ErrorCode::kInvalidArgument, "horizon_minutes"));
  EXPECT_THAT(ExperimentKey::FromInput("TCS.NS", "5m", int64_t{1} << 40),
              rc::testing::ErrorIs(ErrorCode::kInvalidArgument, "horizon_minutes"));
}

}  // namespace
}  // namespace rc::ml
