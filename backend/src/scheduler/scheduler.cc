#include "scheduler/scheduler.h"

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <spdlog/spdlog.h>

#include "core/calendar.h"
#include "data/failover/provider_chain.h"
#include "lake/maintenance.h"
#include "ml/registry/registry.h"
#include "ml/silver_source.h"
#include "serving/periodic_task.h"
#include "serving/quality.h"
#include "serving/runtime.h"
#include "serving/storage_health.h"

namespace rc::scheduler {

struct Scheduler::Job {
  JobStatus status;
  int lane = 0;  // the thread that runs it: 0 market (bars, retrain), 1 quality (drift-check)
  std::optional<WatchedSeries> series;
  std::unique_ptr<BarCycle> cycle;  // bars jobs; used by the scheduler thread only
  int64_t next = 0;                 // market time of the next run (guarded by Scheduler::mutex_)
  mutable std::optional<int64_t> newest_bar;  // after the last cycle (guarded by Scheduler::mutex_)
};

namespace {

std::string SeriesName(const WatchedSeries& s) { return s.symbol.str() + ":" + std::string(s.timeframe.ToString()); }

boost::json::value OptionalTime(const std::optional<int64_t>& t) {
  return t ? boost::json::value(FormatIsoUtc(*t)) : boost::json::value(nullptr);
}

}  // namespace

Result<SchedulerOptions> SchedulerOptions::FromSettings(const Settings& settings) {
  SchedulerOptions options;
  options.data_dir = settings.data_dir;
  RC_ASSIGN_OR_RETURN(options.watchlist, ParseWatchlist(settings));
  options.horizons_minutes = settings.horizons_minutes;
  options.retrain_interval_hours = settings.retrain_interval_hours;
  options.drift_check_interval_seconds = settings.drift_check_interval_seconds;
  options.drift_mape_threshold = settings.drift_mape_threshold;
  options.drift_retrain_checks = settings.drift_retrain_checks;
  options.drift_retrain_cooldown_hours = settings.drift_retrain_cooldown_hours;
  options.settle_seconds = settings.scheduler_settle_seconds;
  options.backfill_days = settings.backfill_days;
  options.maintenance_interval_seconds = settings.lake_maintenance_interval_seconds;
  options.retention_minutes = settings.lake_retention_minutes;
  return options;
}

boost::json::object JobStatus::ToJson() const {
  return boost::json::object{{"name", name},
                             {"kind", kind},
                             {"series", series.empty() ? boost::json::value(nullptr) : boost::json::value(series)},
                             {"last_run", OptionalTime(last_run)},
                             {"next_run", OptionalTime(next_run)},
                             {"last_outcome", last_outcome},
                             {"last_duration_ms", last_duration_ms},
                             {"runs", runs},
                             {"failures", failures}};
}

Scheduler::Scheduler(SchedulerOptions options, std::shared_ptr<const MarketClock> clock,
                     std::unique_ptr<data::ProviderChain> providers, serving::Runtime& runtime)
    : options_(std::move(options)), clock_(std::move(clock)), providers_(std::move(providers)), runtime_(runtime) {
  context_.data_dir = options_.data_dir;
  context_.providers = providers_.get();
  context_.runtime = &runtime_;
  context_.horizons_minutes = options_.horizons_minutes;
  context_.backfill_days = options_.backfill_days;
  const int64_t now = clock_->Now();
  MutexLock lock(mutex_);
  for (const WatchedSeries& series : options_.watchlist) {
    auto bars = std::make_unique<Job>();
    bars->status = {"bars:" + SeriesName(series), "bars", SeriesName(series)};
    bars->series = series;
    bars->cycle = std::make_unique<BarCycle>(series, &context_);
    bars->next = now;  // the backfill, at once
    jobs_.push_back(std::move(bars));
    auto retrain = std::make_unique<Job>();
    retrain->status = {"retrain:" + SeriesName(series), "retrain", SeriesName(series)};
    retrain->series = series;
    retrain->next = now;  // decides at once whether the series needs its first model
    jobs_.push_back(std::move(retrain));
  }
  auto drift = std::make_unique<Job>();
  drift->status = {"drift-check", "drift_check", ""};
  drift->lane = 1;  // a slow provider must not delay the drift check
  drift->next = now + static_cast<int64_t>(options_.drift_check_interval_seconds) * kMicrosPerSecond;
  jobs_.push_back(std::move(drift));
  for (auto& job : jobs_) job->status.next_run = job->next;
  maintenance_status_ = {"lake-maintenance", "lake_maintenance", ""};
}

Scheduler::~Scheduler() { Stop(); }

void Scheduler::Start() {
  {
    MutexLock lock(mutex_);
    for (const auto& job : jobs_) {
      spdlog::info("scheduler job {} active, first run at {}", job->status.name, FormatIsoUtc(job->next));
    }
  }
  spdlog::info("scheduler active on {} time ({} series, horizons {})", clock_->IsReplay() ? "replay" : "wall-clock",
               options_.watchlist.size(), options_.horizons_minutes.size());
  for (int lane = 0; lane < kLanes; ++lane) {
    threads_.emplace_back([this, lane](std::stop_token stop) { Loop(stop, lane); });
  }
  if (options_.maintenance_interval_seconds > 0 && !maintenance_) {
    spdlog::info("lake maintenance every {} s, keeping {} min of time travel", options_.maintenance_interval_seconds,
                 options_.retention_minutes);
    maintenance_ = std::make_unique<serving::PeriodicTask>(
        std::chrono::seconds(options_.maintenance_interval_seconds), [this] { RunLakeMaintenance(); });
  }
}

void Scheduler::Stop() {
  maintenance_.reset();  // wakes and joins its thread (a running vacuum finishes first)
  for (auto& thread : threads_) thread.request_stop();
  threads_.clear();  // joins
}

void Scheduler::RunLakeMaintenance() {
  const auto started = std::chrono::steady_clock::now();
  lake::MaintenanceOptions options;
  options.retention_ms = options_.retention_minutes * 60 * 1000;
  auto done = lake::MaintainLake(options_.data_dir, options);
  runtime_.storage().Record("lake_maintenance", done ? Ok() : Status(tl::unexpected(done.error())));
  std::string outcome;
  if (!done) {
    outcome = "error: " + done.error().ToString();
    spdlog::error("lake maintenance failed (retried in {} s): {}", options_.maintenance_interval_seconds,
                  done.error().ToString());
  } else {
    int64_t files = 0, bytes = 0, log_entries = 0, compacted = 0;
    for (const auto& table : *done) {
      files += table.files_deleted;
      bytes += table.bytes_deleted;
      log_entries += table.log_entries_deleted;
      compacted += table.files_compacted;
    }
    outcome = fmt::format("{} small file(s) compacted; {} file(s) ({:.1f} MB) and {} log entries older than {} min "
                          "deleted",
                          compacted, files, static_cast<double>(bytes) / 1e6, log_entries,
                          options_.retention_minutes);
    if (files + log_entries + compacted > 0) spdlog::info("lake maintenance: {}", outcome);
  }
  const double duration_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  MutexLock lock(mutex_);
  maintenance_status_.last_run = clock_->Now();
  maintenance_status_.last_outcome = outcome;
  maintenance_status_.last_duration_ms = duration_ms;
  ++maintenance_status_.runs;
  if (!done) ++maintenance_status_.failures;
}

void Scheduler::Loop(std::stop_token stop, int lane) {
  while (!stop.stop_requested()) {
    Job* due = nullptr;
    {
      MutexLock lock(mutex_);
      for (auto& job : jobs_) {
        if (job->lane == lane && (due == nullptr || job->next < due->next)) due = job.get();
      }
    }
    if (due == nullptr) return;
    if (!clock_->WaitUntil(due->next, stop)) return;
    const int64_t now = clock_->Now();
    const auto started = std::chrono::steady_clock::now();
    // Every bars job due by now runs in ONE bar close (one commit per lake
    // table for all its series); other jobs run alone.
    std::vector<Job*> group = {due};
    if (due->status.kind == "bars") {
      MutexLock lock(mutex_);
      for (auto& job : jobs_) {
        if (job.get() != due && job->lane == lane && job->status.kind == "bars" && job->next <= now) {
          group.push_back(job.get());
        }
      }
    }
    std::vector<std::string> outcomes(group.size());
    std::vector<int64_t> nexts(group.size(), now);
    if (due->status.kind == "bars") {
      RunBars(group, now, &outcomes, &nexts);
    } else if (due->status.kind == "retrain") {
      outcomes[0] = RunRetrain(*due, now, &nexts[0]);
    } else {
      outcomes[0] = RunDriftCheck(*due, now, &nexts[0]);
    }
    // Jobs of one close share its time: their durations add up to the close's.
    const double duration_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count() /
        static_cast<double>(group.size());
    MutexLock lock(mutex_);
    for (size_t k = 0; k < group.size(); ++k) {
      Job* job = group[k];
      // Never the same instant again: a job that asks for `now` runs after the others.
      job->next = std::max(nexts[k], now + 1);
      job->status.last_run = now;
      job->status.next_run = job->next;
      job->status.last_outcome = outcomes[k];
      job->status.last_duration_ms = duration_ms;
      ++job->status.runs;
      if (outcomes[k].rfind("error", 0) == 0) ++job->status.failures;
    }
  }
}

void Scheduler::RunBars(const std::vector<Job*>& jobs, int64_t now, std::vector<std::string>* outcomes,
                        std::vector<int64_t>* nexts) {
  std::vector<BarCycle*> cycles;
  for (const Job* job : jobs) cycles.push_back(job->cycle.get());
  const auto fetch_started = std::chrono::steady_clock::now();
  auto reports = RunBarClose(cycles, now);
  const double latency_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - fetch_started).count() /
      static_cast<double>(jobs.size());
  for (size_t k = 0; k < jobs.size(); ++k) {
    (*outcomes)[k] = BarsOutcome(*jobs[k], now, reports[k], latency_ms, &(*nexts)[k]);
  }
}

std::string Scheduler::BarsOutcome(const Job& job, int64_t now, const Result<CycleReport>& report, double latency_ms,
                                   int64_t* next) {
  const WatchedSeries& series = *job.series;
  const ExchangeCalendar& calendar = ExchangeCalendar::ForSymbol(series.symbol);
  const int64_t settle = static_cast<int64_t>(options_.settle_seconds) * kMicrosPerSecond;
  const int64_t retry = static_cast<int64_t>(options_.retry_seconds) * kMicrosPerSecond;
  const int64_t next_close = calendar.NextBarClose(now, series.timeframe) + settle;
  if (!report) {
    *next = std::min(next_close, now + retry);
    spdlog::error("{}: cycle failed, retrying at {}: {}", job.status.name, FormatIsoUtc(*next),
                  report.error().ToString());
    return "error: " + report.error().ToString();
  }
  {
    MutexLock lock(mutex_);
    job.newest_bar = report->newest_bar;
    if (!report->provider.empty()) {
      auto& record = provider_records_[report->provider];
      record.last_success = now;
      record.last_latency_ms = latency_ms;
      serving_provider_[job.status.series] = report->provider;
    } else if (!report->fetch_error.empty()) {
      for (const std::string& name : providers_->names()) {
        auto& record = provider_records_[name];
        record.last_failure = now;
        record.last_error = report->fetch_error;
      }
      serving_provider_.erase(job.status.series);
    }
  }
  // Missing closed bars (a feed gap or an outage): look again soon, but never
  // later than the next bar close.
  *next = report->missing > 0 || !report->fetch_error.empty() ? std::min(next_close, now + retry) : next_close;
  std::string outcome = fmt::format("{} new bar(s) from {}, {} missing, {} prediction(s)", report->stored,
                                    report->provider.empty() ? "no provider" : report->provider, report->missing,
                                    report->predictions);
  if (!report->fetch_error.empty()) {
    spdlog::warn("{}: no provider answered ({} closed bars missing), retrying at {}: {}", job.status.name,
                 report->missing, FormatIsoUtc(*next), report->fetch_error);
    outcome += "; fetch failed: " + report->fetch_error;
  } else if (report->missing > 0) {
    spdlog::warn("{}: {} expected closed bar(s) not served by {} (feed gap), retrying at {}", job.status.name,
                 report->missing, report->provider, FormatIsoUtc(*next));
  } else if (report->stored > 0) {
    spdlog::info("{}: {}", job.status.name, outcome);
  }
  return outcome;
}

int64_t Scheduler::QuietTimeAfter(const WatchedSeries& series, int64_t t) const {
  const ExchangeCalendar& calendar = ExchangeCalendar::ForSymbol(series.symbol);
  if (!calendar.IsTradingTime(t)) return t;
  const auto session = calendar.RegularSession(calendar.LocalDay(t));
  // A 24x7 market has no quiet time: train when due.
  if (!session || session->close - session->open >= kMicrosPerDay) return t;
  return session->close + 10 * kMicrosPerSecond * 60;
}

std::string Scheduler::RunRetrain(const Job& job, int64_t now, int64_t* next) {
  const WatchedSeries& series = *job.series;
  const int64_t interval = static_cast<int64_t>(options_.retrain_interval_hours) * 3600 * kMicrosPerSecond;
  ml::ExperimentRegistry registry(options_.data_dir);
  // The newest model among the series' horizons decides when the next is due.
  std::optional<int64_t> trained_at;
  bool untrained = false;
  for (int horizon : options_.horizons_minutes) {
    auto entry = registry.Entry({series.symbol.str(), std::string(series.timeframe.ToString()), horizon});
    if (!entry) {
      untrained = true;
      continue;
    }
    auto record = registry.Load(entry->active_experiment);
    if (record) trained_at = std::max(trained_at.value_or(0), record->created_at);
  }
  if (!untrained && trained_at && now < *trained_at + interval) {
    *next = QuietTimeAfter(series, *trained_at + interval);
    return "models are fresh; next retraining at " + FormatIsoUtc(*next);
  }
  const auto bars = runtime_.book().BarsSeen(series.symbol, series.timeframe);
  if (!bars || *bars < options_.min_train_rows) {
    *next = now + 30 * 60 * kMicrosPerSecond;  // look again in half an hour of market time
    return fmt::format("waiting for history: {} of {} silver bars", bars ? *bars : 0, options_.min_train_rows);
  }
  if (!untrained && QuietTimeAfter(series, now) != now) {
    // Scheduled (not first) trainings wait for the quiet time.
    *next = QuietTimeAfter(series, now);
    return "deferred to the quiet time " + FormatIsoUtc(*next);
  }
  const std::string reason = untrained ? "first model" : "schedule";
  std::string submitted;
  for (int horizon : options_.horizons_minutes) {
    serving::TrainRequest request{series.symbol, series.timeframe, horizon, "orchestrator"};
    auto id = runtime_.SubmitTraining(request, reason);
    submitted += id ? " " + *id : " (" + id.error().message + ")";
  }
  spdlog::info("{}: retraining ({}) for every horizon: jobs{}", job.status.name, reason, submitted);
  *next = QuietTimeAfter(series, now + interval);
  return "retraining (" + reason + "): jobs" + submitted;
}

std::string Scheduler::RunDriftCheck(const Job& /*job*/, int64_t now, int64_t* next) {
  *next = now + static_cast<int64_t>(options_.drift_check_interval_seconds) * kMicrosPerSecond;
  if (auto lag = serving::UpdateIngestionLag(options_.data_dir, now); !lag) {
    spdlog::warn("ingestion lag not updated: {}", lag.error().ToString());
  }
  // Flush what is queued so the check sees it.
  if (auto flushed = runtime_.gold().Flush(); !flushed) {
    spdlog::warn("gold prediction log flush before the drift check failed: {}", flushed.error().ToString());
  }
  serving::DriftOptions drift;
  drift.data_dir = options_.data_dir;
  drift.mape_threshold = options_.drift_mape_threshold;
  // Realized predictions steer the live bands (adaptive conformal inference).
  drift.on_realized = [this](const Symbol& symbol, Timeframe tf, int horizon, regime::Regime regime, double realized,
                             const std::vector<ml::BandOut>& bands) {
    runtime_.adaptive().Observe({symbol.str(), std::string(tf.ToString()), horizon}, regime, realized, bands);
  };
  // Incremental: the cost is what is new since the last check (serving/drift_tracker.h).
  // Commits go on meanwhile, even during the first check's read of gold: holding
  // them back would stretch what a crash can lose beyond the gold log's flush window.
  auto report = runtime_.drift().Check(drift);
  if (!report) return "error: " + report.error().ToString();
  if (auto persisted = runtime_.gold().Exclusive([&] { return runtime_.drift().PersistIfDue(options_.data_dir); });
      !persisted) {
    spdlog::warn("realized closes not written to gold yet (retried at the next check): {}",
                 persisted.error().ToString());
  }
  const int64_t cooldown = static_cast<int64_t>(options_.drift_retrain_cooldown_hours) * 3600 * kMicrosPerSecond;
  std::string drifting;
  for (const serving::SeriesQuality& quality : *report) {
    const std::string series = quality.symbol.str() + ":" + std::string(quality.timeframe.ToString());
    int streak;
    std::optional<int64_t> last_retrain;
    {
      MutexLock lock(mutex_);
      streak = quality.drift ? ++drift_streak_[series] : (drift_streak_[series] = 0);
      if (auto it = drift_retrained_at_.find(series); it != drift_retrained_at_.end()) last_retrain = it->second;
    }
    if (!quality.drift) continue;
    drifting += fmt::format(" {} (MAPE {:.4f}, {} check(s) in a row)", series, quality.mape, streak);
    if (streak < options_.drift_retrain_checks) continue;
    if (last_retrain && now - *last_retrain < cooldown) {
      spdlog::info("drift on {}: MAPE {:.4f} > {:.4f} for {} checks, but retrained at {} (cooldown {} h): no retraining",
                   series, quality.mape, options_.drift_mape_threshold, streak, FormatIsoUtc(*last_retrain),
                   options_.drift_retrain_cooldown_hours);
      continue;
    }
    std::string ids;
    for (int horizon : options_.horizons_minutes) {
      serving::TrainRequest request{quality.symbol, quality.timeframe, horizon, "orchestrator"};
      auto id = runtime_.SubmitTraining(request, "drift");
      ids += id ? " " + *id : " (" + id.error().message + ")";
    }
    spdlog::warn("drift on {}: MAPE {:.4f} > {:.4f} for {} checks in a row: retraining, jobs{}", series, quality.mape,
                 options_.drift_mape_threshold, streak, ids);
    MutexLock lock(mutex_);
    drift_retrained_at_[series] = now;
    drift_streak_[series] = 0;
  }
  return drifting.empty() ? fmt::format("{} series measured, no drift", report->size())
                          : "drift:" + drifting;
}

std::vector<JobStatus> Scheduler::Jobs() const {
  MutexLock lock(mutex_);
  std::vector<JobStatus> out;
  for (const auto& job : jobs_) out.push_back(job->status);
  if (options_.maintenance_interval_seconds > 0) out.push_back(maintenance_status_);
  return out;
}

boost::json::array Scheduler::ProvidersJson() const {
  boost::json::array out;
  MutexLock lock(mutex_);
  for (size_t idx = 0; idx < providers_->size(); ++idx) {
    const std::string name(providers_->provider(idx).name());
    const auto& breaker = providers_->breaker(idx);
    boost::json::array serving;
    for (const auto& [series, provider] : serving_provider_) {
      if (provider == name) serving.push_back(boost::json::string(series));
    }
    boost::json::object item{{"name", name},
                             {"priority", idx},
                             {"circuit", data::CircuitStateName(breaker.state())},
                             {"consecutive_failures", breaker.consecutive_failures()},
                             {"last_error", breaker.last_error()},
                             {"serving", std::move(serving)}};
    if (auto it = provider_records_.find(name); it != provider_records_.end()) {
      item["last_success"] = OptionalTime(it->second.last_success);
      item["last_latency_ms"] = it->second.last_latency_ms;
      item["last_failure"] = OptionalTime(it->second.last_failure);
      if (item["last_error"].as_string().empty()) item["last_error"] = it->second.last_error;
    } else {
      item["last_success"] = nullptr;
      item["last_latency_ms"] = nullptr;
      item["last_failure"] = nullptr;
    }
    out.push_back(std::move(item));
  }
  return out;
}

boost::json::object Scheduler::FreshnessJson() const {
  const int64_t now = clock_->Now();
  boost::json::object out;
  MutexLock lock(mutex_);
  for (const auto& job : jobs_) {
    if (job->status.kind != "bars") continue;
    const WatchedSeries& series = *job->series;
    const ExchangeCalendar& calendar = ExchangeCalendar::ForSymbol(series.symbol);
    const auto newest = job->newest_bar;
    // The newest bar the calendar expects to have closed by now (the same rule as prediction freshness).
    std::optional<int64_t> expected;
    if (const int64_t open = ml::ExpectedNewestBar(calendar, series.timeframe, now, INT64_MIN); open != INT64_MIN) {
      expected = open;
    }
    boost::json::object item{{"newest_bar", OptionalTime(newest)}, {"expected_bar", OptionalTime(expected)}};
    if (!newest) {
      item["state"] = "empty";
    } else {
      item["age_seconds"] = static_cast<double>(now - calendar.BarClose(*newest, series.timeframe)) / 1e6;
      item["state"] = !expected || *newest >= *expected ? "fresh" : "stale";
    }
    out[job->status.series] = std::move(item);
  }
  return out;
}

std::string Scheduler::Summary() const {
  MutexLock lock(mutex_);
  const Job* next = nullptr;
  for (const auto& job : jobs_) {
    if (next == nullptr || job->next < next->next) next = job.get();
  }
  return fmt::format("{} series on {} time (now {}); drift check every {} s; next: {}", options_.watchlist.size(),
                     clock_->IsReplay() ? "replay" : "wall-clock", FormatIsoUtc(clock_->Now()),
                     options_.drift_check_interval_seconds,
                     next ? next->status.name + " at " + FormatIsoUtc(next->next) : "none");
}

}  // namespace rc::scheduler
