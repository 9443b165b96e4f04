#include "serving/job_runner.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <future>
#include <thread>

#include "testing/matchers.h"

namespace rc::serving {
namespace {

using ::rc::testing::ErrorIs;
using ::rc::testing::IsOk;

// Polls until the job has finished (bounded).
JobInfo WaitFinished(const JobRunner& jobs, const std::string& id) {
  for (int attempt = 0; attempt < 2000; ++attempt) {
    auto info = jobs.Get(id);
    if (info && (info->state == JobState::kSucceeded || info->state == JobState::kFailed)) return *info;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ADD_FAILURE() << "job " << id << " did not finish";
  return {};
}

TEST(JobRunnerTest, RunsJobsInOrderAndKeepsResults) {
  JobRunner jobs;
  std::vector<int> order;
  std::mutex order_mutex;
  std::vector<std::string> ids;
  for (int job_idx = 0; job_idx < 3; ++job_idx) {
    auto id = jobs.Submit("test", boost::json::object{{"n", job_idx}}, [&, job_idx]() -> Result<boost::json::value> {
      std::lock_guard lock(order_mutex);
      order.push_back(job_idx);
      return boost::json::value(job_idx * 10);
    });
    ASSERT_THAT(id, IsOk());
    ids.push_back(*id);
  }
  for (size_t job_idx = 0; job_idx < ids.size(); ++job_idx) {
    JobInfo info = WaitFinished(jobs, ids[job_idx]);
    EXPECT_EQ(info.state, JobState::kSucceeded);
    EXPECT_EQ(info.result.as_int64(), static_cast<int64_t>(job_idx) * 10);
    EXPECT_GE(info.finished_at, info.started_at);
  }
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(jobs.List().size(), 3u);
}

TEST(JobRunnerTest, FailuresAndExceptionsAreRecorded) {
  JobRunner jobs;
  auto failing = jobs.Submit("test", {}, []() -> Result<boost::json::value> { return NotFound("no silver"); });
  auto throwing = jobs.Submit("test", {}, []() -> Result<boost::json::value> { throw std::runtime_error("boom"); });
  ASSERT_THAT(failing, IsOk());
  ASSERT_THAT(throwing, IsOk());
  JobInfo a = WaitFinished(jobs, *failing);
  EXPECT_EQ(a.state, JobState::kFailed);
  EXPECT_EQ(a.error.code, ErrorCode::kNotFound);
  JobInfo b = WaitFinished(jobs, *throwing);
  EXPECT_EQ(b.state, JobState::kFailed);
  EXPECT_EQ(b.error.code, ErrorCode::kInternal);
  EXPECT_EQ(a.ToJson().at("error").as_object().at("code").as_string(), "not_found");
}

TEST(JobRunnerTest, FullQueueIsRefusedNotBuffered) {
  JobRunner jobs(/*max_queued=*/2);
  std::promise<void> release;
  std::shared_future<void> gate = release.get_future().share();
  std::atomic<bool> started{false};
  auto blocker = jobs.Submit("test", {}, [gate, &started]() -> Result<boost::json::value> {
    started = true;
    gate.wait();
    return boost::json::value(nullptr);
  });
  ASSERT_THAT(blocker, IsOk());
  while (!started) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  auto noop = []() -> Result<boost::json::value> { return boost::json::value(nullptr); };
  ASSERT_THAT(jobs.Submit("test", {}, noop), IsOk());
  ASSERT_THAT(jobs.Submit("test", {}, noop), IsOk());
  EXPECT_THAT(jobs.Submit("test", {}, noop), ErrorIs(ErrorCode::kRateLimited));
  EXPECT_EQ(jobs.Pending(), 3u);
  release.set_value();
}

TEST(JobRunnerTest, ShutdownFailsQueuedJobsAndFinishesTheRunningOne) {
  std::promise<void> release;
  std::shared_future<void> gate = release.get_future().share();
  std::atomic<bool> started{false};
  std::atomic<bool> finished{false};
  {
    auto jobs = std::make_unique<JobRunner>();
    ASSERT_THAT(jobs->Submit("test", {}, [gate, &started, &finished]() -> Result<boost::json::value> {
      started = true;
      gate.wait();
      finished = true;
      return boost::json::value(nullptr);
    }), IsOk());
    ASSERT_THAT(jobs->Submit("test", {}, []() -> Result<boost::json::value> { return boost::json::value(1); }), IsOk());
    while (!started) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    std::thread releaser([&release] {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      release.set_value();
    });
    jobs.reset();  // waits for the running job
    releaser.join();
  }
  EXPECT_TRUE(finished);
}

}  // namespace
}  // namespace rc::serving
