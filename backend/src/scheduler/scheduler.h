// File: scheduler/scheduler.h
//
// The market clock inside `serve`: threads that run, on market time,
//  - bars:SYMBOL:TF for every WATCHLIST series: a bar-close cycle
//    (scheduler/bar_cycle.h) at each bar close of the series' exchange
//    calendar plus a settle delay (every bars job due at once runs in one
//    close: RunBarClose, one commit per lake table for all of them); the first run at start is the backfill; while
//    bars are missing it retries every `retry_seconds`; outside market hours it
//    sleeps until the next bar close (it never spins);
//  - retrain:SYMBOL:TF: scheduled retraining every RETRAIN_INTERVAL_HOURS at a
//    quiet time (after the session close), and at once for a series that has
//    no trained experiment yet and enough history;
//  - drift-check: every DRIFT_CHECK_INTERVAL_SECONDS, fills realized prices
//    and publishes prediction_quality_metric (serving/quality.h) and
//    ingestion_lag_seconds; a series whose MAPE stays above
//    DRIFT_MAPE_THRESHOLD for DRIFT_RETRAIN_CHECKS checks in a row is retrained
//    (the same job as POST /api/prediction/train), then not again for
//    DRIFT_RETRAIN_COOLDOWN_HOURS;
//  - lake-maintenance: every LAKE_MAINTENANCE_INTERVAL_SECONDS of WALL time
//    (its own thread: it is upkeep, not market work), a vacuum and log
//    cleanup of every lake table keeping LAKE_RETENTION_MINUTES of time
//    travel (lake/maintenance.h), so that the files each bar close and gold
//    commit replace do not pile up on disk during a session.
// Market time is the wall clock live and replay time with the replay
// provider (core/market_clock.h). Bars and retraining share one thread (a
// series' cycles never overlap); the drift check has its own, so a provider
// that hangs until its timeout cannot delay it. Every decision is logged with
// its reason.
//
//   Scheduler scheduler(options, clock, std::move(providers), runtime);
//   scheduler.Start();            // the start-up log names the jobs
//   auto jobs = scheduler.Jobs(); // GET /api/scheduler/jobs
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/market_clock.h"
#include "core/settings.h"
#include "core/mutex.h"
#include "scheduler/bar_cycle.h"

namespace rc::data {
class ProviderChain;
}
namespace rc::serving {
class PeriodicTask;
class Runtime;
}

namespace rc::scheduler {

struct SchedulerOptions {
  std::string data_dir = "./data";
  std::vector<WatchedSeries> watchlist;
  std::vector<int> horizons_minutes = {180};
  int retrain_interval_hours = 24;
  int drift_check_interval_seconds = 300;
  double drift_mape_threshold = 0.08;
  int drift_retrain_checks = 3;          // consecutive drifting checks before a retraining
  int drift_retrain_cooldown_hours = 6;  // no second drift retraining of a series within this
  int settle_seconds = 5;                // after a bar close, before fetching it
  int retry_seconds = 30;                // between fetches while closed bars are missing
  int backfill_days = 30;                // first fetch on an empty lake
  size_t min_train_rows = 600;           // silver bars a series needs before its first training
  int maintenance_interval_seconds = 600;  // wall clock; 0: no lake maintenance
  int64_t retention_minutes = 7 * 24 * 60;  // time travel the lake maintenance keeps

  // From settings (WATCHLIST is validated there). Errors: kInvalidArgument naming WATCHLIST.
  static Result<SchedulerOptions> FromSettings(const Settings& settings);
};

// One scheduled job as GET /api/scheduler/jobs shows it. Times are market time.
struct JobStatus {
  std::string name;    // "bars:TCS.NS:5m", "retrain:TCS.NS:5m", "drift-check", "lake-maintenance"
  std::string kind;    // "bars", "retrain", "drift_check", "lake_maintenance"
  std::string series;  // "TCS.NS:5m", or "" for drift-check
  std::optional<int64_t> last_run, next_run;
  std::string last_outcome;  // what the last run did, or "error: ..."
  // How long the last run took; bars jobs run together in one bar close share
  // its time equally (their durations add up to the close's).
  double last_duration_ms = 0;
  int64_t runs = 0, failures = 0;

  boost::json::object ToJson() const;
};

class Scheduler {
 public:
  // `clock`, `providers` are owned; `runtime` must outlive the scheduler.
  Scheduler(SchedulerOptions options, std::shared_ptr<const MarketClock> clock,
            std::unique_ptr<data::ProviderChain> providers, serving::Runtime& runtime);
  ~Scheduler();  // Stop()
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Starts the thread; logs every job with its first run.
  void Start();
  // Stops the thread (a running job finishes first). Idempotent.
  void Stop();

  std::vector<JobStatus> Jobs() const;
  // Each provider: circuit state, last success and error, latency, and the
  // series it is serving (GET /api/data/providers).
  boost::json::array ProvidersJson() const;
  // Per series: newest bar, its age in market time, the bar the calendar
  // expects by now, and "fresh" | "stale" | "empty" (GET /health).
  boost::json::object FreshnessJson() const;
  // One line for /health: state, clock, next job.
  std::string Summary() const;
  const MarketClock& clock() const { return *clock_; }

 private:
  struct Job;
  // Runs the jobs of one lane in time order until stopped.
  void Loop(std::stop_token stop, int lane);
  static constexpr int kLanes = 2;
  // Run one job at `now` (on the scheduler thread); return the outcome text
  // and set `next`, the market time of the job's next run.
  // Runs the bars jobs due at `now` as one bar close (RunBarClose); sets each
  // job's outcome and next run.
  void RunBars(const std::vector<Job*>& jobs, int64_t now, std::vector<std::string>* outcomes,
               std::vector<int64_t>* nexts);
  std::string BarsOutcome(const Job& job, int64_t now, const Result<CycleReport>& report, double latency_ms,
                          int64_t* next);
  std::string RunRetrain(const Job& job, int64_t now, int64_t* next);
  std::string RunDriftCheck(const Job& job, int64_t now, int64_t* next);
  // One lake vacuum + log cleanup (the maintenance thread); updates maintenance_status_.
  void RunLakeMaintenance();
  // The first quiet moment at or after `t` (after the session close when `t` is in a session).
  int64_t QuietTimeAfter(const WatchedSeries& series, int64_t t) const;

  const SchedulerOptions options_;
  const std::shared_ptr<const MarketClock> clock_;
  const std::unique_ptr<data::ProviderChain> providers_;
  serving::Runtime& runtime_;
  CycleContext context_;

  mutable Mutex mutex_;  // guards jobs_' statuses and the records below
  std::vector<std::unique_ptr<Job>> jobs_ RC_GUARDED_BY(mutex_);
  struct ProviderRecord {
    std::optional<int64_t> last_success;  // market time
    double last_latency_ms = 0;
    std::optional<int64_t> last_failure;
    std::string last_error;
  };
  std::map<std::string, ProviderRecord> provider_records_ RC_GUARDED_BY(mutex_);
  std::map<std::string, std::string> serving_provider_ RC_GUARDED_BY(mutex_);  // series -> provider
  std::map<std::string, int> drift_streak_ RC_GUARDED_BY(mutex_);               // series -> consecutive drifting checks
  std::map<std::string, int64_t> drift_retrained_at_ RC_GUARDED_BY(mutex_);     // series -> market time

  JobStatus maintenance_status_ RC_GUARDED_BY(mutex_);  // "lake-maintenance" in Jobs()

  std::vector<std::jthread> threads_;  // one per lane
  std::unique_ptr<serving::PeriodicTask> maintenance_;  // the lake-maintenance thread (when enabled)
};

}  // namespace rc::scheduler
