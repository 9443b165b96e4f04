// The incremental drift check gives what the full recompute (RunDriftCheck)
// gives on the same gold and silver, check after check, while its state and
// the silver it reads per check stay bounded however long the session runs;
// realized closes reach gold when written, and a restarted tracker resumes.
#include "serving/drift_tracker.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <cmath>
#include <filesystem>
#include <thread>
#include <tuple>

#include "core/calendar.h"
#include "lake/layers/layers.h"
#include "serving/gold_log.h"
#include "testing/bars.h"
#include "testing/literals.h"
#include "testing/matchers.h"
#include "testing/temp_dir.h"

namespace rc::serving {
namespace {

using rc::testing::IsOk;
using rc::testing::TempDir;
using rc::testing::Sym;

const Symbol kTcs = Sym("TCS.NS");
constexpr int kSixtyMinutesOfBars = 12;  // the logged predictions' horizon, in 5m bars

// The bars of the whole test session (a fixed random walk on the NSE calendar).
const BarSeries& SessionBars() {
  static const BarSeries bars = rc::testing::RandomWalkBars(
      ExchangeCalendar::ForSymbol(kTcs), Timeframe::k5m, 1'717'400'000'000'000, 3000, /*seed=*/11, 3500.0, 0.003);
  return bars;
}

// Appends bars [from, to) of the session to silver (no features: the drift check reads close only).
void AppendSilver(const std::string& data_dir, size_t from, size_t to) {
  auto silver = lake::layers::LayerTable::OpenSilver(data_dir, {});
  ASSERT_THAT(silver, IsOk());
  lake::ColumnBatch rows(silver->schema());
  const auto idx = [&](const char* name) { return static_cast<size_t>(rows.schema().FieldIndex(name)); };
  for (size_t bar = from; bar < to; ++bar) {
    const Bar& b = SessionBars()[bar];
    rows.Strings(idx("symbol")).push_back(kTcs.str());
    rows.Strings(idx("timeframe")).push_back("5m");
    rows.Int64s(idx("ts")).push_back(b.open_time);
    rows.Doubles(idx("open")).push_back(b.open);
    rows.Doubles(idx("high")).push_back(b.high);
    rows.Doubles(idx("low")).push_back(b.low);
    rows.Doubles(idx("close")).push_back(b.close);
    rows.Doubles(idx("volume")).push_back(b.volume);
    rows.Strings(idx("feature_set_version")).push_back("core_v1");
  }
  ASSERT_THAT(silver->Append(rows), IsOk());
}

// A prediction served at bar `bar`; `skew` makes some miss (drift) and some
// fall outside their bands.
PredictionOutcome Served(size_t bar, double skew) {
  const double last = SessionBars()[bar].close;
  PredictionOutcome outcome{PredictQuery{kTcs, Timeframe::k5m, 60, std::nullopt}, {}, last};
  ml::Prediction& p = outcome.prediction;
  p.data_last_ts = SessionBars()[bar].open_time;
  p.horizon_bars = kSixtyMinutesOfBars;
  p.expected_price = last * (1 + skew);
  p.expected_return = std::log1p(skew);
  p.regime = bar % 3 ? regime::Regime::kVolatile : regime::Regime::kTrendingUp;
  p.regime_confidence = 0.7;
  p.weights = {{"naive", 1.0}};
  p.experiment_id = "exp-1";
  p.bands = {{0.5, last * 0.995, last * 1.005, 0, 0}, {0.8, last * 0.99, last * 1.01, 0, 0},
             {0.95, last * 0.98, last * 1.02, 0, 0}};
  return outcome;
}

struct Realized {
  int horizon;
  regime::Regime regime;
  double realized_return;
  bool operator==(const Realized&) const = default;
};

DriftOptions Options(const std::string& data_dir, std::vector<Realized>* fed) {
  DriftOptions options;
  options.data_dir = data_dir;
  options.window = 50;
  options.min_matured = 10;
  options.mape_threshold = 0.004;
  options.on_realized = [fed](const Symbol&, Timeframe, int horizon, regime::Regime state, double ret,
                              const std::vector<ml::BandOut>&) { fed->push_back({horizon, state, ret}); };
  return options;
}

// RunDriftCheck on a copy of the lake as it is now (it rewrites gold, the tracker's data must stay as is).
std::vector<SeriesQuality> FullRecompute(const std::string& data_dir, const std::string& scratch,
                                         std::vector<Realized>* fed) {
  std::filesystem::remove_all(scratch);
  std::filesystem::copy(data_dir, scratch, std::filesystem::copy_options::recursive);
  lake::delta::Table::ClearSnapshotCache();
  auto report = RunDriftCheck(Options(scratch, fed));
  EXPECT_THAT(report, IsOk());
  return report ? *report : std::vector<SeriesQuality>{};
}

void ExpectSameMeasure(const SeriesQuality& incremental, const SeriesQuality& full) {
  EXPECT_EQ(incremental.symbol, full.symbol);
  EXPECT_EQ(incremental.predictions, full.predictions);
  EXPECT_EQ(incremental.matured, full.matured);
  EXPECT_EQ(incremental.measured, full.measured);
  EXPECT_DOUBLE_EQ(incremental.mape, full.mape);
  EXPECT_DOUBLE_EQ(incremental.rmse, full.rmse);
  EXPECT_DOUBLE_EQ(incremental.coverage_50, full.coverage_50);
  EXPECT_DOUBLE_EQ(incremental.coverage_80, full.coverage_80);
  EXPECT_DOUBLE_EQ(incremental.coverage_95, full.coverage_95);
  EXPECT_EQ(incremental.drift, full.drift);
}

// A market session: every round a few bars close (silver grows), a few
// predictions are served at the newest bar, and the drift check runs.
class DriftSession : public ::testing::Test {
 protected:
  void SetUp() override {
    data_ = (dir_ / "data").string();
    AppendSilver(data_, 0, 100);
    GoldLogOptions gold;
    gold.max_delay = std::chrono::hours(1);  // commits only by Flush, like the scheduler before each check
    gold.on_committed = [this](const lake::ColumnBatch& rows, int64_t version) { tracker_.OnLogged(rows, version); };
    gold_ = std::make_unique<GoldLog>(data_, gold);
  }

  // Serves `per_round` predictions at the newest bar, then `bars` more bars close.
  void Round(int per_round, size_t bars) {
    for (int k = 0; k < per_round; ++k) {
      const double skew = (newest_ % 7 == 0 ? 0.02 : 0.001) * (k % 2 ? 1 : -1);
      gold_->Append(Served(newest_, skew));
    }
    AppendSilver(data_, newest_ + 1, newest_ + 1 + bars);
    newest_ += bars;
  }

  Result<std::vector<SeriesQuality>> Check(std::vector<Realized>* fed) {
    EXPECT_THAT(gold_->Flush(), IsOk());
    return tracker_.Check(Options(data_, fed));  // as the scheduler runs it: commits may go on
  }

  TempDir dir_;
  std::string data_;
  DriftTracker tracker_;
  std::unique_ptr<GoldLog> gold_;
  size_t newest_ = 99;
};

TEST_F(DriftSession, EveryCheckEqualsTheFullRecomputeOnTheSameData) {
  std::vector<Realized> fed_incremental;
  for (int round = 0; round < 40; ++round) {
    Round(3, round % 4 == 3 ? 1 : 2);  // one or two bars a round: checks realize 0 to 6 predictions
    auto incremental = Check(&fed_incremental);
    ASSERT_THAT(incremental, IsOk());
    std::vector<Realized> fed_full;
    auto full = FullRecompute(data_, (dir_ / "full").string(), &fed_full);
    ASSERT_EQ(incremental->size(), 1u);
    ASSERT_EQ(full.size(), 1u);
    ExpectSameMeasure(incremental->front(), full.front());
    // Everything realized so far was fed once, in the order the predictions were made.
    EXPECT_EQ(fed_incremental, fed_full) << "round " << round;
  }
  const SeriesQuality last = Check(&fed_incremental)->front();
  EXPECT_EQ(last.predictions, 120);
  EXPECT_GT(last.matured, 60);        // the session realized most predictions
  EXPECT_EQ(last.measured, 50);       // ... and measures the window
  EXPECT_TRUE(last.drift);            // one bar in seven is off by 2 %
}

TEST_F(DriftSession, ALongSessionKeepsTheCheckBoundedAndGoldGetsTheRealizedCloses) {
  std::vector<Realized> fed;
  std::vector<int64_t> silver_read, held;
  for (int round = 0; round < 300; ++round) {
    Round(4, 3);
    ASSERT_THAT(Check(&fed), IsOk());
    const DriftTracker::Stats stats = tracker_.stats();
    silver_read.push_back(stats.silver_bars_read);
    held.push_back(stats.pending + stats.windowed);
  }
  // 1,200 predictions over 900 bars: the state holds the window and what is
  // pending (at most the horizon's bars of predictions), and a check reads the
  // bars since the oldest pending target, the same late as early.
  EXPECT_LE(held.back(), 50 + 4 * (kSixtyMinutesOfBars / 3 + 2));
  EXPECT_EQ(held[100], held.back());
  EXPECT_LE(silver_read.back(), kSixtyMinutesOfBars + 3);
  EXPECT_EQ(silver_read[100], silver_read.back());

  // Written to gold on Persist: the realized closes RunDriftCheck would fill.
  std::vector<Realized> ignored;
  FullRecompute(data_, (dir_ / "full").string(), &ignored);
  auto persisted = gold_->Exclusive([&] { return tracker_.Persist(data_); });
  ASSERT_THAT(persisted, IsOk());
  EXPECT_EQ(*persisted, static_cast<int64_t>(fed.size()));
  EXPECT_EQ(tracker_.stats().unpersisted, 0);
  auto read_realized = [](const std::string& dir) {
    lake::delta::Table::ClearSnapshotCache();
    auto rows = lake::layers::LayerTable::OpenGold(dir)->Read(kTcs, Timeframe::k5m);
    EXPECT_THAT(rows, IsOk());
    std::vector<std::optional<double>> out;
    const size_t col = static_cast<size_t>(rows->schema().FieldIndex("realized_close"));
    for (size_t row = 0; row < rows->num_rows(); ++row) {
      out.push_back(rows->column(col).IsNull(row) ? std::nullopt : std::optional(rows->Doubles(col)[row]));
    }
    return out;
  };
  const auto ours = read_realized(data_), full = read_realized((dir_ / "full").string());
  ASSERT_EQ(ours.size(), 1200u);
  EXPECT_EQ(ours, full);
  EXPECT_GT(std::count(ours.begin(), ours.end(), std::nullopt), 0);  // the newest are still pending

  // Nothing to write twice; a tracker of a restarted server seeds from gold and agrees.
  EXPECT_EQ(*gold_->Exclusive([&] { return tracker_.Persist(data_); }), 0);
  DriftTracker restarted;
  std::vector<Realized> fed_again;
  auto resumed = restarted.Check(Options(data_, &fed_again));
  ASSERT_THAT(resumed, IsOk());
  auto before = Check(&fed);
  ExpectSameMeasure(resumed->front(), before->front());
  EXPECT_TRUE(fed_again.empty());  // what was written is not fed again
}

// A restarted server's first check reads the whole of gold; the gold log
// commits on meanwhile (it once waited, and a crash then lost more than the
// flush window). Commits that land during the read are counted once: those
// the read's snapshot holds are not added again, the newer ones are.
class SeedingRead : public DriftSession {
 protected:
  void SetUp() override {
    DriftSession::SetUp();
    gold_.reset();
    many_files_.max_delay = std::chrono::hours(1);
    many_files_.compact_every = 0;  // one file per commit: a read that takes a while
    many_files_.on_committed = [this](const lake::ColumnBatch& rows, int64_t version) {
      tracker_.OnLogged(rows, version);
    };
    gold_ = std::make_unique<GoldLog>(data_, many_files_);
    for (int round = 0; round < 150; ++round) {
      Round(4, 1);
      ASSERT_THAT(gold_->Flush(), IsOk());
    }
    gold_.reset();
    lake::delta::Table::ClearSnapshotCache();  // a restarted process reads gold cold
  }

  // The gold log of the restarted server, feeding `restarted`.
  std::unique_ptr<GoldLog> LogFeeding(DriftTracker& restarted) {
    GoldLogOptions live = many_files_;
    live.on_committed = [&restarted](const lake::ColumnBatch& rows, int64_t version) {
      restarted.OnLogged(rows, version);
    };
    return std::make_unique<GoldLog>(data_, live);
  }

  // After the first check: every gold row is one prediction of the tracker.
  void ExpectEachGoldRowCountedOnce(DriftTracker& restarted) {
    auto gold_rows = lake::layers::LayerTable::OpenGold(data_)->Read(kTcs, Timeframe::k5m);
    ASSERT_THAT(gold_rows, IsOk());
    std::vector<Realized> fed;
    auto after = restarted.Check(Options(data_, &fed));
    ASSERT_THAT(after, IsOk());
    ASSERT_EQ(after->size(), 1u);
    EXPECT_EQ(after->front().predictions, static_cast<int64_t>(gold_rows->num_rows()));
  }

  GoldLogOptions many_files_;
};

TEST_F(SeedingRead, ACommitOnEitherSideOfThePinnedSnapshotIsCountedOnce) {
  // One commit before the snapshot is pinned (the read holds it: not added
  // again), one after the read (added). No thread timing decides which is which.
  std::unique_ptr<GoldLog> log;
  std::vector<SeedStep> steps;
  DriftTrackerOptions options;
  options.during_seed = [&](SeedStep step) {
    steps.push_back(step);
    log->Append(Served(steps.size(), 0.001));
    ASSERT_THAT(log->Flush(), IsOk());
  };
  DriftTracker restarted(options);
  log = LogFeeding(restarted);
  std::vector<Realized> fed;
  ASSERT_THAT(restarted.Check(Options(data_, &fed)), IsOk());
  EXPECT_EQ(steps, (std::vector<SeedStep>{SeedStep::kBeforeSnapshot, SeedStep::kAfterRead}));
  EXPECT_EQ(restarted.stats().commits_during_seed, 2);
  ExpectEachGoldRowCountedOnce(restarted);

  // Later commits are counted as they come, and the seed is not read again.
  log->Append(Served(7, 0.001));
  ASSERT_THAT(log->Flush(), IsOk());
  EXPECT_EQ(steps.size(), 2u);
  ExpectEachGoldRowCountedOnce(restarted);
}

TEST_F(SeedingRead, CommitsFromAnotherThreadThroughoutTheReadAreCountedOnce) {
  // As the server runs it: the gold log's writer commits on its own thread
  // while the first check reads (where each commit lands is up to the timing).
  DriftTracker restarted;
  auto log = LogFeeding(restarted);
  std::atomic<bool> stop = false;
  std::atomic<int> commits = 0;
  std::thread serving([&] {
    for (size_t bar = 0; !stop; bar = (bar + 1) % 100) {
      log->Append(Served(bar, 0.001));
      if (log->Flush()) ++commits;
    }
  });
  while (commits == 0) std::this_thread::yield();  // the first check starts amid commits
  std::vector<Realized> fed;
  auto first = restarted.Check(Options(data_, &fed));
  stop = true;
  serving.join();
  ASSERT_THAT(first, IsOk());
  ASSERT_THAT(log->Flush(), IsOk());
  EXPECT_GT(commits.load(), 0);
  ExpectEachGoldRowCountedOnce(restarted);
}

// numRemovedFiles of the newest UPDATE commit of gold (the realized-close write).
int64_t FilesRewrittenByLastUpdate(const std::string& data_dir) {
  auto gold = lake::layers::LayerTable::OpenGold(data_dir);
  EXPECT_THAT(gold, IsOk());
  auto history = gold->table().History();
  EXPECT_THAT(history, IsOk());
  for (auto it = history->rbegin(); it != history->rend(); ++it) {
    if (it->operation != "UPDATE") continue;
    const auto info = boost::json::parse(it->commit_info_json).as_object();
    return std::stoll(std::string(info.at("operationMetrics").at("numRemovedFiles").as_string()));
  }
  return -1;
}

TEST_F(DriftSession, PersistRewritesOnlyTheRecentFilesNotThePartition) {
  // One gold file per round (no compaction): the partition grows all session.
  gold_.reset();
  GoldLogOptions gold;
  gold.max_delay = std::chrono::hours(1);
  gold.compact_every = 0;
  gold.on_committed = [this](const lake::ColumnBatch& rows, int64_t version) { tracker_.OnLogged(rows, version); };
  gold_ = std::make_unique<GoldLog>(data_, gold);
  std::vector<Realized> fed;
  std::vector<int64_t> rewritten;
  for (int round = 0; round < 120; ++round) {
    Round(4, 3);
    ASSERT_THAT(Check(&fed), IsOk());
    if (round % 10 == 9) {
      auto persisted = gold_->Exclusive([&] { return tracker_.Persist(data_); });
      ASSERT_THAT(persisted, IsOk());
      EXPECT_GT(*persisted, 0);
      rewritten.push_back(FilesRewrittenByLastUpdate(data_));
    }
  }
  // Each write touches the files of the predictions realized since the last
  // one (ten rounds, plus the horizon's), the same late in the session as early.
  auto live = lake::layers::LayerTable::OpenGold(data_)->table().Latest();
  ASSERT_THAT(live, IsOk());
  EXPECT_GE((*live)->files.size(), 120u);
  ASSERT_EQ(rewritten.size(), 12u);
  for (int64_t files : rewritten) {
    EXPECT_GE(files, 5);
    EXPECT_LE(files, 10 + kSixtyMinutesOfBars / 3 + 2);
  }
  // ... and gold holds exactly the realized closes the full recompute fills.
  std::vector<Realized> ignored;
  FullRecompute(data_, (dir_ / "full").string(), &ignored);
  auto read_realized = [](const std::string& dir) {
    lake::delta::Table::ClearSnapshotCache();
    auto rows = lake::layers::LayerTable::OpenGold(dir)->Read(kTcs, Timeframe::k5m);
    EXPECT_THAT(rows, IsOk());
    std::vector<std::tuple<int64_t, double, std::optional<double>>> out;  // (ts, expected, realized), sorted
    const size_t col = static_cast<size_t>(rows->schema().FieldIndex("realized_close"));
    const size_t ts = static_cast<size_t>(rows->schema().FieldIndex("ts"));
    const size_t expected = static_cast<size_t>(rows->schema().FieldIndex("expected_close"));
    for (size_t row = 0; row < rows->num_rows(); ++row) {
      out.emplace_back(rows->Int64s(ts)[row], rows->Doubles(expected)[row],
                       rows->column(col).IsNull(row) ? std::nullopt : std::optional(rows->Doubles(col)[row]));
    }
    std::sort(out.begin(), out.end());
    return out;
  };
  ASSERT_THAT(gold_->Exclusive([&] { return tracker_.Persist(data_); }), IsOk());
  const auto ours = read_realized(data_), full = read_realized((dir_ / "full").string());
  EXPECT_EQ(ours.size(), 480u);
  EXPECT_EQ(ours, full);
}

TEST_F(DriftSession, APredictionWhoseTargetBarIsMissingIsDroppedLikeTheFullCheckNeverMaturesIt) {
  std::vector<Realized> fed;
  gold_->Append(Served(newest_, 0.001));  // target: bar newest_ + 12
  // Silver skips the target bar: 11 bars, then the 13th on.
  AppendSilver(data_, newest_ + 1, newest_ + 12);
  AppendSilver(data_, newest_ + 13, newest_ + 20);
  newest_ += 19;
  Round(1, kSixtyMinutesOfBars + 1);
  auto report = Check(&fed);
  ASSERT_THAT(report, IsOk());
  std::vector<Realized> fed_full;
  auto full = FullRecompute(data_, (dir_ / "full").string(), &fed_full);
  ExpectSameMeasure(report->front(), full.front());
  EXPECT_EQ(report->front().matured, 1);
  EXPECT_EQ(tracker_.stats().dropped_gaps, 1);
  EXPECT_EQ(tracker_.stats().pending, 0);
}

TEST(DriftTrackerTest, PersistIfDueWaitsForTheInterval) {
  TempDir dir;
  DriftTracker tracker({.persist_every = std::chrono::hours(1)});
  AppendSilver(dir.str(), 0, 40);
  {
    GoldLog gold(dir.str());
    gold.Append(Served(10, 0.001));
  }
  DriftOptions options;
  options.data_dir = dir.str();
  ASSERT_THAT(tracker.Check(options), IsOk());
  EXPECT_EQ(tracker.stats().unpersisted, 1);
  EXPECT_EQ(*tracker.PersistIfDue(dir.str()), 0);  // not due: an hour has not passed
  EXPECT_EQ(tracker.stats().unpersisted, 1);
  EXPECT_EQ(*tracker.Persist(dir.str()), 1);
}

}  // namespace
}  // namespace rc::serving
