#include "serving/training_pool.h"

#include <gtest/gtest.h>
#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "serving/job_runner.h"
#include "serving/training_batch.h"
#include "testing/literals.h"
#include "testing/matchers.h"

namespace rc::serving {
namespace {

using ::rc::testing::ErrorIs;
using ::rc::testing::IsOk;
using ::rc::testing::Sym;

int CurrentThreadNice() {
  errno = 0;
  return getpriority(PRIO_PROCESS, static_cast<id_t>(gettid()));
}

// Counts tasks running at once; each waits until `wanted` run together (or a
// timeout), so the highest count seen is the pool's real bound.
class ConcurrencyProbe {
 public:
  explicit ConcurrencyProbe(int wanted) : wanted_(wanted) {}
  void Run() {
    std::unique_lock lock(mutex_);
    ++running_;
    max_running_ = std::max(max_running_, running_);
    changed_.notify_all();
    changed_.wait_for(lock, std::chrono::milliseconds(300), [&] { return running_ >= wanted_; });
    lock.unlock();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    lock.lock();
    --running_;
    ++finished_;
  }
  int max_running() const { return max_running_; }
  int finished() const { return finished_; }

 private:
  const int wanted_;
  std::mutex mutex_;
  std::condition_variable changed_;
  int running_ = 0, max_running_ = 0, finished_ = 0;
};

TEST(TrainingPoolTest, OptionsAreValidatedNamingTheField) {
  EXPECT_THAT(ValidateTrainingPoolOptions({2, 10}), IsOk());
  EXPECT_THAT(ValidateTrainingPoolOptions({0, 10}), ErrorIs(ErrorCode::kInvalidArgument, "workers"));
  EXPECT_THAT(ValidateTrainingPoolOptions({kMaxTrainingWorkers + 1, 10}),
              ErrorIs(ErrorCode::kInvalidArgument, "workers"));
  EXPECT_THAT(ValidateTrainingPoolOptions({2, -1}), ErrorIs(ErrorCode::kInvalidArgument, "nice"));
  EXPECT_THAT(ValidateTrainingPoolOptions({2, 20}), ErrorIs(ErrorCode::kInvalidArgument, "nice"));
}

TEST(TrainingPoolTest, WorkersRunAtLowerPriorityAndThreadsTheyStartInheritIt) {
  const int caller_nice = CurrentThreadNice();
  ASSERT_LT(caller_nice, 13) << "the test needs room below nice 13";
  TrainingPool pool({2, 13});
  std::mutex mutex;
  std::vector<int> nices, policies, child_nices;
  std::vector<pid_t> tids;
  ASSERT_TRUE(pool.ParallelFor(6, [&](size_t) {
    int child_nice = -100;
    // Walk-forward fits families on threads it starts: they must stay low too.
    std::thread child([&] { child_nice = CurrentThreadNice(); });
    child.join();
    std::lock_guard lock(mutex);
    nices.push_back(CurrentThreadNice());
    policies.push_back(sched_getscheduler(0));
    child_nices.push_back(child_nice);
    tids.push_back(gettid());
  }));
  ASSERT_EQ(nices.size(), 6u);
  for (size_t i = 0; i < nices.size(); ++i) {
    EXPECT_EQ(nices[i], 13);
    EXPECT_EQ(policies[i], SCHED_BATCH);
    EXPECT_EQ(child_nices[i], 13);
    EXPECT_NE(tids[i], gettid()) << "tasks run on the pool's threads, not the caller's";
  }
  // Only the pool's threads were lowered.
  EXPECT_EQ(CurrentThreadNice(), caller_nice);
  EXPECT_NE(sched_getscheduler(0), SCHED_BATCH);
  auto workers = pool.WorkerThreadIds();
  std::sort(workers.begin(), workers.end());
  EXPECT_EQ(workers.size(), 2u);
  for (pid_t tid : tids) EXPECT_TRUE(std::binary_search(workers.begin(), workers.end(), tid));
}

TEST(TrainingPoolTest, IdleClassWorkersRunAsSchedIdleAndTheirThreadsInheritIt) {
  TrainingPool pool({.workers = 2, .nice = 10, .idle_class = true});
  std::mutex mutex;
  std::vector<int> policies, child_policies;
  ASSERT_TRUE(pool.ParallelFor(4, [&](size_t) {
    int child_policy = -1;
    // XGBoost's OpenMP threads are started by the training thread: they must stay idle-class too.
    std::thread child([&] { child_policy = sched_getscheduler(0); });
    child.join();
    std::lock_guard lock(mutex);
    policies.push_back(sched_getscheduler(0));
    child_policies.push_back(child_policy);
  }));
  ASSERT_EQ(policies.size(), 4u);
  for (size_t i = 0; i < policies.size(); ++i) {
    EXPECT_EQ(policies[i], SCHED_IDLE);
    EXPECT_EQ(child_policies[i], SCHED_IDLE);
  }
  EXPECT_NE(sched_getscheduler(0), SCHED_IDLE);  // the caller is untouched
}

TEST(TrainingPoolTest, NeverRunsMoreTasksThanWorkersEvenForSeveralCallers) {
  TrainingPool pool({3, 10});
  ConcurrencyProbe probe(/*wanted=*/4);  // asks for one more than the pool may give
  std::thread other([&] { EXPECT_TRUE(pool.ParallelFor(6, [&](size_t) { probe.Run(); })); });
  EXPECT_TRUE(pool.ParallelFor(6, [&](size_t) { probe.Run(); }));
  other.join();
  EXPECT_EQ(probe.finished(), 12);
  EXPECT_EQ(probe.max_running(), 3);
}

TEST(TrainingPoolTest, ATaskThatThrowsDoesNotStopTheOthers) {
  TrainingPool pool({2, 10});
  std::atomic<int> ran{0};
  EXPECT_TRUE(pool.ParallelFor(5, [&](size_t index) {
    if (index == 1) throw std::runtime_error("boom");
    ++ran;
  }));
  EXPECT_EQ(ran.load(), 4);
}

TEST(TrainingBatchTest, RemainingTimeFollowsThePaceSoFar) {
  EXPECT_EQ(EstimateRemainingSeconds(0, 4, 3.0), std::nullopt);
  EXPECT_DOUBLE_EQ(*EstimateRemainingSeconds(2, 5, 10.0), 15.0);
  EXPECT_EQ(EstimateRemainingSeconds(5, 5, 10.0), std::nullopt);
}

std::vector<TrainRequest> FiveRequests() {
  std::vector<WatchedSeries> series;
  for (const char* name : {"AAA.NS", "BBB.NS", "CCC.NS", "DDD.NS", "EEE.NS"}) {
    series.push_back({Sym(name), Timeframe::k5m});
  }
  return RequestsForSeries(series, {180}, "orchestrator");
}

TEST(TrainingBatchTest, ManySeriesRunInParallelWithinTheBoundAndReportEveryOneInOrder) {
  TrainingPool pool({2, 10});
  ConcurrencyProbe probe(/*wanted=*/3);
  std::vector<JobProgress> seen;
  std::vector<std::string> labels;
  std::vector<int> family_threads;
  std::mutex mutex;
  const auto items = TrainMany(
      FiveRequests(), pool,
      [&](const TrainRequest& request) -> Result<TrainOutcome> {
        probe.Run();
        {
          std::lock_guard lock(mutex);
          family_threads.push_back(request.family_threads);
        }
        if (request.symbol.str() == "CCC.NS") return NotFound("no silver rows for CCC.NS 5m");
        TrainOutcome outcome;
        outcome.experiment_id = "exp-" + request.symbol.str();
        return outcome;
      },
      [&](const JobProgress& progress, const BatchItem& item) {
        seen.push_back(progress);
        labels.push_back(item.Label());
      });
  EXPECT_EQ(probe.max_running(), 2);
  ASSERT_EQ(seen.size(), 5u);
  for (size_t i = 0; i < seen.size(); ++i) {
    EXPECT_EQ(seen[i].done, static_cast<int64_t>(i + 1));
    EXPECT_EQ(seen[i].total, 5);
    EXPECT_EQ(seen[i].eta_seconds.has_value(), i + 1 < seen.size()) << "ETA while parts remain, none at the end";
  }
  EXPECT_EQ(seen.back().failed, 1);
  // Series in parallel fit their families one at a time: threads stay at the worker count.
  EXPECT_EQ(family_threads, std::vector<int>(5, 1));
  ASSERT_EQ(items.size(), 5u);
  EXPECT_EQ(items[0].outcome->experiment_id, "exp-AAA.NS");
  EXPECT_FALSE(items[2].ok());
  EXPECT_EQ(items[2].error.code, ErrorCode::kNotFound);
  EXPECT_EQ(items[4].outcome->experiment_id, "exp-EEE.NS");
  EXPECT_NE(std::find(labels.begin(), labels.end(), "CCC.NS 5m +180m"), labels.end());
  const auto json = BatchResultJson(items);
  EXPECT_EQ(json.at("trained").as_int64(), 4);
  EXPECT_EQ(json.at("failed").as_int64(), 1);
  EXPECT_EQ(json.at("items").as_array()[2].at("error").at("code").as_string(), ErrorCodeName(ErrorCode::kNotFound));
}

TEST(JobRunnerProgressTest, ProgressIsVisibleWhileTheJobRunsAndAPartialResultOutlivesAFailure) {
  JobRunner jobs;
  std::mutex mutex;
  std::condition_variable cv;
  bool reported = false, release = false;
  auto id = jobs.Submit("train_batch", {}, [&](JobContext& job) -> Result<boost::json::value> {
    job.ReportProgress({1, 0, 3, 4.5});
    {
      std::unique_lock lock(mutex);
      reported = true;
      cv.notify_all();
      cv.wait_for(lock, std::chrono::seconds(10), [&] { return release; });
    }
    job.ReportProgress({3, 1, 3, std::nullopt});
    job.SetPartialResult(boost::json::object{{"trained", 2}, {"failed", 1}});
    return Internal("1 of 3 series failed");
  });
  ASSERT_THAT(id, IsOk());
  {
    std::unique_lock lock(mutex);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return reported; }));
  }
  auto running = jobs.Get(*id)->ToJson();
  EXPECT_EQ(running.at("state").as_string(), "running");
  EXPECT_EQ(running.at("progress").at("done").as_int64(), 1);
  EXPECT_EQ(running.at("progress").at("total").as_int64(), 3);
  EXPECT_DOUBLE_EQ(running.at("progress").at("eta_seconds").to_number<double>(), 4.5);
  {
    std::lock_guard lock(mutex);
    release = true;
  }
  cv.notify_all();
  JobInfo info;
  for (int attempt = 0; attempt < 2000; ++attempt) {
    info = *jobs.Get(*id);
    if (info.state == JobState::kFailed || info.state == JobState::kSucceeded) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const auto done = info.ToJson();
  EXPECT_EQ(done.at("state").as_string(), "failed");
  EXPECT_EQ(done.at("progress").at("failed").as_int64(), 1);
  EXPECT_TRUE(done.at("progress").at("eta_seconds").is_null());
  EXPECT_EQ(done.at("result").at("trained").as_int64(), 2);
  EXPECT_EQ(done.at("error").at("message").as_string(), "1 of 3 series failed");
}

}  // namespace
}  // namespace rc::serving
