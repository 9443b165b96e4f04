// Failure and crash safety of Delta commits: an injected failure at every
// FileSystem operation of a commit (with and without a simulated power loss
// afterwards), two processes appending at once, and a child process killed
// with SIGKILL at random points of its commits.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>

#include "delta_test_util.h"
#include "lake/delta/table.h"
#include "lake/paths.h"
#include "testing/matchers.h"
#include "testing/temp_dir.h"

namespace rc::lake::delta {
namespace {

using rc::testing::IsOk;
using rc::testing::TempDir;
using namespace testing_util;

constexpr int kRowsPerCommit = 3;

// Opens `dir` afresh (no cache) and checks that the latest version and every
// version listed in `check` read completely with kRowsPerCommit rows per
// append; returns the latest version or -1 with a gtest failure.
int64_t CheckConsistent(const std::string& dir, int64_t appends_before_v1 = 0) {
  TableOptions opts;
  opts.snapshot_cache = false;
  auto t = Table::Open(dir, opts);
  EXPECT_THAT(t, IsOk());
  if (!t) return -1;
  auto snap = t->Latest();
  EXPECT_THAT(snap, IsOk()) << dir;
  if (!snap) return -1;
  auto rows = t->Scan(**snap);
  EXPECT_THAT(rows, IsOk()) << "version " << (*snap)->version;
  if (!rows) return -1;
  EXPECT_EQ(static_cast<int64_t>(rows->num_rows()), ((*snap)->version + appends_before_v1) * kRowsPerCommit);
  return (*snap)->version;
}

// Number of FileSystem operations one append performs (measured, so the test
// follows the implementation instead of hard-coding it).
int64_t OpsOfOneAppend(const std::string& dir) {
  FaultInjectionFileSystem fs(LocalFileSystem());
  TableOptions opts;
  opts.fs = &fs;
  opts.snapshot_cache = false;
  auto t = Table::Open(dir, opts);
  if (!t) return -1;
  fs.ResetCounter();
  if (!t->Append(Bars("A", kRowsPerCommit))) return -1;
  return fs.op_count();
}

void RunFaultAtEveryOp(bool sticky, bool crash) {
  TempDir tmp;
  const std::string dir = tmp.str() + "/t";
  ASSERT_THAT(Table::Create(dir, BarsCreate()), IsOk());
  const int64_t ops = OpsOfOneAppend(dir);  // leaves version 1
  ASSERT_GT(ops, 5);
  int64_t version = 1;
  int failures = 0;
  for (int64_t n = 1; n <= ops + 1; ++n) {
    FaultInjectionFileSystem fs(LocalFileSystem());
    TableOptions opts;
    opts.fs = &fs;
    opts.snapshot_cache = false;
    auto t = Table::Open(dir, opts);
    ASSERT_THAT(t, IsOk());
    fs.ResetCounter();
    fs.FailAtOp(n, sticky);
    auto r = t->Append(Bars("A", kRowsPerCommit));
    if (!r) ++failures;
    if (crash) {
      ASSERT_THAT(fs.SimulateCrash(), IsOk());
    }
    int64_t now = CheckConsistent(dir);
    // Either the commit is there completely or not at all.
    EXPECT_TRUE(now == version || now == version + 1) << "op " << n << ": version " << now;
    if (r) {
      EXPECT_EQ(now, version + 1) << "op " << n << " reported success";
    }
    version = now;
  }
  EXPECT_GT(failures, 0);
}

TEST(DeltaCrashTest, FailureAtEveryOpOfACommitLeavesTheTableReadable) { RunFaultAtEveryOp(false, false); }
TEST(DeltaCrashTest, StickyFailureAtEveryOpLeavesTheTableReadable) { RunFaultAtEveryOp(true, false); }
TEST(DeltaCrashTest, PowerLossAfterFailureAtEveryOpKeepsALastGoodVersion) { RunFaultAtEveryOp(true, true); }

TEST(DeltaCrashTest, PowerLossAfterSuccessfulCommitKeepsIt) {
  TempDir tmp;
  const std::string dir = tmp.str() + "/t";
  ASSERT_THAT(Table::Create(dir, BarsCreate()), IsOk());
  FaultInjectionFileSystem fs(LocalFileSystem());
  TableOptions opts;
  opts.fs = &fs;
  auto t = Table::Open(dir, opts);
  ASSERT_THAT(t, IsOk());
  ASSERT_THAT(t->Append(Bars("NEW", kRowsPerCommit)), IsOk());  // new partition directories too
  ASSERT_THAT(fs.SimulateCrash(), IsOk());
  EXPECT_EQ(CheckConsistent(dir), 1);
}

// Appends `batches` commits of kRowsPerCommit rows in a child process.
pid_t SpawnAppender(const std::string& dir, const std::string& symbol, int batches) {
  pid_t pid = fork();
  if (pid != 0) return pid;
  int code = 0;
  {
    TableOptions opts;
    opts.max_commit_attempts = 1000;
    auto t = Table::Open(dir, opts);
    if (!t) _exit(10);
    for (int i = 0; batches < 0 || i < batches; ++i) {
      if (!t->Append(Bars(symbol, kRowsPerCommit, 1'700'000'000'000'000 + i * 60'000'000LL))) {
        code = 11;
        break;
      }
    }
  }
  _exit(code);
}

TEST(DeltaCrashTest, TwoProcessesAppendingConcurrentlyLoseNothing) {
  TempDir tmp;
  const std::string dir = tmp.str() + "/t";
  ASSERT_THAT(Table::Create(dir, BarsCreate()), IsOk());
  constexpr int kBatches = 25;
  pid_t a = SpawnAppender(dir, "A", kBatches);
  pid_t b = SpawnAppender(dir, "B", kBatches);
  ASSERT_GT(a, 0);
  ASSERT_GT(b, 0);
  for (pid_t p : {a, b}) {
    int status = 0;
    ASSERT_EQ(waitpid(p, &status, 0), p);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
  }
  EXPECT_EQ(CheckConsistent(dir), 2 * kBatches);
  // Versions are contiguous and each holds exactly one append.
  TableOptions opts;
  opts.snapshot_cache = false;
  auto t = Table::Open(dir, opts);
  ASSERT_THAT(t, IsOk());
  auto hist = t->History();
  ASSERT_THAT(hist, IsOk());
  ASSERT_EQ(hist->size(), static_cast<size_t>(2 * kBatches + 1));
  for (size_t v = 0; v < hist->size(); ++v) {
    EXPECT_EQ((*hist)[v].version, static_cast<int64_t>(v));
    if (v > 0) {
      EXPECT_EQ((*hist)[v].operation, "WRITE");
    }
  }
  auto a_rows = t->Scan(**t->Latest(), {.partition_filter = {{"symbol", "A"}}});
  ASSERT_THAT(a_rows, IsOk());
  EXPECT_EQ(a_rows->num_rows(), static_cast<size_t>(kBatches * kRowsPerCommit));
}

TEST(DeltaCrashTest, KilledWriterAlwaysLeavesAConsistentVersion) {
  TempDir tmp;
  const std::string dir = tmp.str() + "/t";
  ASSERT_THAT(Table::Create(dir, BarsCreate()), IsOk());
  std::mt19937 rng(12345);
  std::uniform_int_distribution<int> delay_us(0, 15000);
  constexpr int kIterations = 50;
  int64_t last = 0;
  std::set<int64_t> distinct;
  for (int i = 0; i < kIterations; ++i) {
    pid_t child = SpawnAppender(dir, i % 2 ? "A" : "B", -1);  // appends until killed
    ASSERT_GT(child, 0);
    usleep(static_cast<useconds_t>(delay_us(rng)));
    ASSERT_EQ(kill(child, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    if (WIFEXITED(status)) {
      // Only possible if the child failed before being killed.
      ADD_FAILURE() << "appender exited with " << WEXITSTATUS(status);
      break;
    }
    int64_t v = CheckConsistent(dir);
    ASSERT_GE(v, last) << "iteration " << i;
    last = v;
    distinct.insert(v);
  }
  // A random earlier version still reads exactly.
  TableOptions opts;
  opts.snapshot_cache = false;
  auto t = Table::Open(dir, opts);
  ASSERT_THAT(t, IsOk());
  if (last > 0) {
    int64_t v = std::uniform_int_distribution<int64_t>(0, last)(rng);
    EXPECT_EQ(RowCount(*t, v), v * kRowsPerCommit);
  }
  // Leftovers of killed writers (unreferenced data files, temp commits) are
  // invisible to readers and vacuumable.
  auto dry = t->Vacuum({.retention_ms = 0, .dry_run = true});
  ASSERT_THAT(dry, IsOk());
  for (const auto& f : dry->files) EXPECT_EQ((*t->Latest())->files.count(f), 0u) << f;
}

}  // namespace
}  // namespace rc::lake::delta
