#include "serving/training_batch.h"

#include <boost/json.hpp>
#include <chrono>
#include <mutex>

namespace rc::serving {

std::string BatchItem::Label() const {
  return request.symbol.str() + " " + std::string(request.timeframe.ToString()) + " +" +
         std::to_string(request.horizon_minutes) + "m";
}

boost::json::object BatchItem::ToJson() const {
  boost::json::object out{{"symbol", request.symbol.str()},
                          {"timeframe", std::string(request.timeframe.ToString())},
                          {"horizon_minutes", request.horizon_minutes},
                          {"seconds", seconds}};
  if (outcome) {
    out["experiment_id"] = outcome->experiment_id;
    out["champion"] = outcome->result.champion;
  } else {
    boost::json::object err{{"code", ErrorCodeName(error.code)}, {"message", error.message}};
    if (!error.field.empty()) err["field"] = error.field;
    out["error"] = std::move(err);
  }
  return out;
}

std::vector<TrainRequest> RequestsForSeries(const std::vector<WatchedSeries>& series, const std::vector<int>& horizons,
                                            const std::string& bot) {
  std::vector<TrainRequest> out;
  out.reserve(series.size() * horizons.size());
  for (const WatchedSeries& one : series) {
    for (int horizon : horizons) out.push_back(TrainRequest{one.symbol, one.timeframe, horizon, bot});
  }
  return out;
}

std::optional<double> EstimateRemainingSeconds(int64_t done, int64_t total, double elapsed_seconds) {
  if (done <= 0 || done >= total) return std::nullopt;
  return elapsed_seconds / static_cast<double>(done) * static_cast<double>(total - done);
}

std::vector<BatchItem> TrainMany(std::vector<TrainRequest> requests, TrainingPool& pool, const TrainOneFn& train_one,
                                 const BatchProgressFn& on_finished) {
  using Clock = std::chrono::steady_clock;
  const auto started = Clock::now();
  auto seconds_since = [](Clock::time_point from) {
    return std::chrono::duration<double>(Clock::now() - from).count();
  };
  const bool parallel = pool.workers() > 1 && requests.size() > 1;
  std::vector<BatchItem> items;
  items.reserve(requests.size());
  for (TrainRequest& request : requests) {
    if (parallel) request.family_threads = 1;
    items.push_back(BatchItem{std::move(request), std::nullopt,
                              Error{ErrorCode::kUnavailable, "the service shut down before this series trained", ""}});
  }
  std::mutex progress_mutex;  // one on_finished call at a time, counts in order
  JobProgress progress;
  progress.total = static_cast<int64_t>(items.size());
  pool.ParallelFor(items.size(), [&](size_t index) {
    BatchItem& item = items[index];
    const auto item_started = Clock::now();
    auto outcome = train_one(item.request);
    item.seconds = seconds_since(item_started);
    if (outcome) {
      item.outcome = std::move(*outcome);
    } else {
      item.error = outcome.error();
    }
    std::lock_guard lock(progress_mutex);
    ++progress.done;
    if (!item.ok()) ++progress.failed;
    progress.eta_seconds = EstimateRemainingSeconds(progress.done, progress.total, seconds_since(started));
    if (on_finished) on_finished(progress, item);
  });
  return items;
}

boost::json::object BatchResultJson(const std::vector<BatchItem>& items) {
  boost::json::array list;
  int64_t trained = 0;
  for (const BatchItem& item : items) {
    trained += item.ok() ? 1 : 0;
    list.push_back(item.ToJson());
  }
  return boost::json::object{{"trained", trained},
                             {"failed", static_cast<int64_t>(items.size()) - trained},
                             {"items", std::move(list)}};
}

}  // namespace rc::serving
