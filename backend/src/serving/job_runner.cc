#include "serving/job_runner.h"

#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include "core/time.h"

namespace rc::serving {

std::string_view JobStateName(JobState state) {
  switch (state) {
    case JobState::kQueued: return "queued";
    case JobState::kRunning: return "running";
    case JobState::kSucceeded: return "succeeded";
    case JobState::kFailed: return "failed";
  }
  return "failed";
}

boost::json::object JobProgress::ToJson() const {
  boost::json::object out{{"done", done}, {"failed", failed}, {"total", total}};
  out["eta_seconds"] = eta_seconds ? boost::json::value(*eta_seconds) : boost::json::value(nullptr);
  return out;
}

void JobContext::ReportProgress(const JobProgress& progress) {
  runner_.Update(id_, [&](JobInfo& info) { info.progress = progress; });
}

void JobContext::SetPartialResult(boost::json::value result) {
  runner_.Update(id_, [&](JobInfo& info) { info.result = std::move(result); });
}

void JobRunner::Update(const std::string& id, const std::function<void(JobInfo&)>& change) {
  MutexLock lock(mutex_);
  if (auto it = jobs_.find(id); it != jobs_.end()) change(it->second);
}

boost::json::object JobInfo::ToJson() const {
  boost::json::object out{{"id", id},
                          {"kind", kind},
                          {"state", JobStateName(state)},
                          {"submitted_at", FormatIsoUtc(submitted_at)},
                          {"params", params}};
  if (started_at != 0) out["started_at"] = FormatIsoUtc(started_at);
  if (finished_at != 0) out["finished_at"] = FormatIsoUtc(finished_at);
  if (progress) out["progress"] = progress->ToJson();
  if (state == JobState::kSucceeded || (state == JobState::kFailed && !result.is_null())) out["result"] = result;
  if (state == JobState::kFailed) {
    boost::json::object err{{"code", ErrorCodeName(error.code)}, {"message", error.message}};
    if (!error.field.empty()) err["field"] = error.field;
    out["error"] = std::move(err);
  }
  return out;
}

JobRunner::JobRunner(size_t max_queued, size_t max_kept)
    : max_queued_(max_queued), max_kept_(max_kept), worker_([this] { Loop(); }) {}

JobRunner::~JobRunner() {
  {
    MutexLock lock(mutex_);
    stopping_ = true;
    for (auto& [id, work] : queue_) {
      JobInfo& info = jobs_[id];
      info.state = JobState::kFailed;
      info.error = Error{ErrorCode::kUnavailable, "the service shut down before the job started", ""};
    }
    queue_.clear();
  }
  wake_.SignalAll();
  worker_.join();
}

Result<std::string> JobRunner::Submit(std::string kind, boost::json::value params, Work work) {
  return Submit(std::move(kind), std::move(params), ContextWork([work = std::move(work)](JobContext&) { return work(); }));
}

Result<std::string> JobRunner::Submit(std::string kind, boost::json::value params, ContextWork work) {
  MutexLock lock(mutex_);
  if (stopping_) return Unavailable("the service is shutting down");
  if (queue_.size() >= max_queued_) {
    return RateLimited(std::to_string(queue_.size()) + " jobs are already queued; retry when one has finished");
  }
  const std::string id = "job-" + std::to_string(NowMicros() / kMicrosPerSecond) + "-" + std::to_string(next_id_++);
  JobInfo info;
  info.id = id;
  info.kind = std::move(kind);
  info.submitted_at = NowMicros();
  info.params = std::move(params);
  jobs_.emplace(id, std::move(info));
  queue_.emplace_back(id, std::move(work));
  wake_.Signal();
  return id;
}

std::optional<JobInfo> JobRunner::Get(const std::string& id) const {
  MutexLock lock(mutex_);
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return std::nullopt;
  return it->second;
}

std::vector<JobInfo> JobRunner::List() const {
  MutexLock lock(mutex_);
  std::vector<JobInfo> out;
  for (const auto& [id, info] : jobs_) out.push_back(info);
  std::sort(out.begin(), out.end(), [](const JobInfo& a, const JobInfo& b) { return a.submitted_at > b.submitted_at; });
  return out;
}

size_t JobRunner::Pending() const {
  MutexLock lock(mutex_);
  size_t pending = queue_.size();
  for (const auto& [id, info] : jobs_) pending += info.state == JobState::kRunning ? 1 : 0;
  return pending;
}

void JobRunner::Loop() {
  for (;;) {
    std::pair<std::string, ContextWork> next;
    {
      MutexLock lock(mutex_);
      while (!stopping_ && queue_.empty()) wake_.Wait(mutex_);
      if (queue_.empty()) return;  // stopping
      next = std::move(queue_.front());
      queue_.pop_front();
      JobInfo& info = jobs_[next.first];
      info.state = JobState::kRunning;
      info.started_at = NowMicros();
    }
    Result<boost::json::value> outcome = Internal("job threw");
    try {
      JobContext context(*this, next.first);
      outcome = next.second(context);
    } catch (const std::exception& e) {
      spdlog::error("job {} threw: {}", next.first, e.what());
      outcome = Internal(std::string("job failed unexpectedly: ") + e.what());
    }
    MutexLock lock(mutex_);
    JobInfo& info = jobs_[next.first];
    info.finished_at = NowMicros();
    if (outcome) {
      info.state = JobState::kSucceeded;
      info.result = std::move(*outcome);
    } else {
      info.state = JobState::kFailed;
      info.error = outcome.error();  // a partial result set by the job stays
    }
    if (info.state == JobState::kFailed) {
      spdlog::warn("job {} ({}) failed in {:.2f}s: {}", info.id, info.kind,
                   static_cast<double>(info.finished_at - info.started_at) / 1e6, info.error.ToString());
    } else {
      spdlog::info("job {} ({}) {} in {:.2f}s", info.id, info.kind, JobStateName(info.state),
                   static_cast<double>(info.finished_at - info.started_at) / 1e6);
    }
    finished_order_.push_back(info.id);
    while (finished_order_.size() > max_kept_) {
      jobs_.erase(finished_order_.front());
      finished_order_.pop_front();
    }
  }
}

}  // namespace rc::serving
