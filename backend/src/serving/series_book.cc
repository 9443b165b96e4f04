#include "serving/series_book.h"

#include <chrono>
#include <filesystem>
#include <set>
#include <spdlog/spdlog.h>

#include "lake/layers/layers.h"
#include "ml/dataset.h"
#include "ml/pooled/pooled_forecast.h"
#include "monitoring/standard_metrics.h"

namespace rc::serving {

SeriesBook::Slot::Slot(const Symbol& s, Timeframe tf)
    : symbol(s),
      timeframe(tf),
      latency(&monitoring::PredictionLatencySeconds().WithLabels({s.str(), tf.ToString()})) {}

namespace {

// Size and modification time of the experiment index: changes when training,
// curating or pruning rewrote it (atomically, by rename), in this process or not.
std::string IndexStamp(const std::filesystem::path& index) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(index, ec);
  if (ec) return "absent";
  const auto mtime = std::filesystem::last_write_time(index, ec);
  return std::to_string(size) + "@" + std::to_string(mtime.time_since_epoch().count());
}

// How long a failed build of a series read only for another's pooled
// cross-section is not retried (LockBuiltOrBackOff). Long enough that a
// trigger load does not turn into lake reads, short enough that a series whose
// first silver just landed joins the cross-section within seconds (Invalidate,
// called after the live loop's own commits, clears it at once).
constexpr std::chrono::seconds kFailedBuildBackoff{5};

}  // namespace

SeriesBook::SeriesBook(std::string data_dir, const AdaptiveBands* adaptive)
    : data_dir_(std::move(data_dir)),
      adaptive_(adaptive),
      registry_(data_dir_),
      models_(&registry_),
      pooled_models_(data_dir_) {
  index_stamp_ = IndexStamp(registry_.root() / "index.json");
}

SeriesBook::~SeriesBook() = default;

SeriesBook::SlotPtr SeriesBook::SlotFor(const Symbol& symbol, Timeframe timeframe) {
  MutexLock lock(mutex_);
  auto& slot = slots_[{symbol.str(), std::string(timeframe.ToString())}];
  if (!slot) slot = std::make_shared<Slot>(symbol, timeframe);
  return slot;
}

Result<std::unique_ptr<SeriesState>> SeriesBook::Build(const Symbol& symbol, Timeframe timeframe) {
  RC_ASSIGN_OR_RETURN(ml::SilverSlice slice, ml::LoadSilver(data_dir_, symbol, timeframe));
  RC_ASSIGN_OR_RETURN(auto state, SeriesState::FromSilver(slice, symbol, timeframe));
  monitoring::CacheMissesTotal().WithLabels({"series"}).Inc();
  MutexLock lock(mutex_);
  ++builds_;
  return state;
}

Status SeriesBook::EnsureBuilt(Slot& slot) {
  {
    MutexLock lock(slot.mutex);
    if (slot.state) return Ok();
  }
  MutexLock building(slot.build_mutex);
  return BuildIfAbsent(slot);
}

bool SeriesBook::LockBuilt(Slot& slot, Error* error) {
  // A rebuild (Invalidate) may drop the state between the build and the lock:
  // build again then; twice in a row means the lake keeps changing under us.
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (Status built = EnsureBuilt(slot); !built) {
      *error = built.error();
      return false;
    }
    slot.mutex.Lock();
    if (slot.state) return true;
    slot.mutex.Unlock();
  }
  *error = Unavailable("series " + slot.symbol.str() + " is being rebuilt, retry").value();
  return false;
}

bool SeriesBook::LockBuiltOrBackOff(Slot& slot, Error* error) {
  const auto now = std::chrono::steady_clock::now();
  {
    MutexLock lock(slot.mutex);
    if (!slot.state && slot.build_failure && now < slot.retry_build_after) {
      *error = *slot.build_failure;
      return false;
    }
  }
  if (LockBuilt(slot, error)) {
    slot.build_failure.reset();
    return true;
  }
  spdlog::debug("series {} {}: build failed, not retried for {} s: {}", slot.symbol.str(), slot.timeframe.ToString(),
                std::chrono::duration_cast<std::chrono::seconds>(kFailedBuildBackoff).count(), error->ToString());
  MutexLock lock(slot.mutex);
  slot.build_failure = *error;
  slot.retry_build_after = now + kFailedBuildBackoff;
  return false;
}

Status SeriesBook::BuildIfAbsent(Slot& slot) {
  {
    MutexLock lock(slot.mutex);
    if (slot.state) return Ok();  // another caller built it meanwhile
  }
  RC_ASSIGN_OR_RETURN(auto state, Build(slot.symbol, slot.timeframe));
  MutexLock lock(slot.mutex);
  slot.state = std::move(state);
  return Ok();
}

Result<SeriesBook::ActiveModel> SeriesBook::ActiveFor(Slot& slot, int horizon_minutes) {
  if (auto cached = slot.models.find(horizon_minutes); cached != slot.models.end()) return cached->second;
  const ml::ExperimentKey key{slot.symbol.str(), std::string(slot.timeframe.ToString()), horizon_minutes};
  ActiveModel active;
  if (auto found = registry_.Entry(key); found) {
    active.entry = *found;
    RC_ASSIGN_OR_RETURN(active.experiment, models_.Get(found->active_experiment));
    monitoring::CacheMissesTotal().WithLabels({"model"}).Inc();
  } else if (found.error().code != ErrorCode::kNotFound) {
    return tl::unexpected(found.error());
  }
  slot.models[horizon_minutes] = active;
  return active;
}

Result<PredictionOutcome> SeriesBook::Predict(const PredictQuery& query, int64_t wall_now) {
  const auto started = std::chrono::steady_clock::now();
  if (query.as_of) return InvalidArgument("as_of", "as-of predictions read the lake (PredictionService)");
  // A bad horizon is the caller's error whether or not the series has data.
  RC_RETURN_IF_ERROR(ml::HorizonBars(query.timeframe, query.horizon_minutes));
  SlotPtr slot = SlotFor(query.symbol, query.timeframe);
  ml::PredictionRequest request;
  ActiveModel active;
  std::optional<ml::PooledSeries> own_history;  // set when the experiment has the pooled family
  int64_t silver_version = -1;
  {
    Error error;
    if (!LockBuilt(*slot, &error)) return tl::unexpected(error);
    MutexLock lock(slot->mutex, kAdoptLock);
    RC_ASSIGN_OR_RETURN(request, slot->state->Request(query.horizon_minutes, wall_now));
    if (adaptive_ != nullptr) {
      // Live coverage steers the band levels (adaptive conformal inference).
      request.adaptive_levels = adaptive_->Levels(
          {query.symbol.str(), std::string(query.timeframe.ToString()), query.horizon_minutes}, request.regime.regime);
    }
    RC_ASSIGN_OR_RETURN(active, ActiveFor(*slot, query.horizon_minutes));
    if (active.experiment && ml::HasPooledFamily(active.experiment->record)) {
      own_history = slot->state->PooledHistory(request.horizon_bars);
    }
    silver_version = slot->state->silver_version();
  }
  // The pooled column needs the other series' recent bars: gathered with this
  // series' lock released (a slot's mutex is never held with another's).
  if (own_history) AddPooledColumn(*active.experiment, query, *own_history, request);
  PredictionOutcome outcome{query,
                            ml::Predict(request, active.entry ? &*active.entry : nullptr, active.experiment.get()),
                            request.last_close, silver_version, 0.0};
  outcome.latency_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  slot->latency->Observe(outcome.latency_seconds);
  const std::string_view regime = regime::ToString(outcome.prediction.regime);
  MutexLock lock(slot->mutex);
  if (slot->published_regime != regime) {
    slot->published_regime = std::string(regime);
    monitoring::SetRegimeState(query.symbol.str(), std::string(query.timeframe.ToString()), slot->published_regime);
  }
  return outcome;
}

Result<double> SeriesBook::PooledForecast(const ml::LoadedExperiment& experiment, const PredictQuery& query,
                                          const ml::PooledSeries& own_history, int64_t bar_ts,
                                          std::string* model_id) {
  RC_ASSIGN_OR_RETURN(auto pooled,
                      pooled_models_.ForExperiment(experiment, query.timeframe, query.horizon_minutes, model_id));
  // The other series from memory, one series lock at a time (a series not in
  // memory yet is built from silver once).
  auto from_memory = [&](const Symbol& symbol) -> Result<std::optional<ml::PooledSeries>> {
    SlotPtr other = SlotFor(symbol, query.timeframe);
    Error error;
    if (!LockBuiltOrBackOff(*other, &error)) {
      spdlog::debug("pooled cross-section without {}: {}", symbol.str(), error.ToString());
      return std::optional<ml::PooledSeries>();
    }
    MutexLock lock(other->mutex, kAdoptLock);
    return std::optional<ml::PooledSeries>(other->state->PooledHistory(own_history.horizon_bars));
  };
  return PooledForecastFrom(*pooled, query.symbol, own_history, bar_ts, from_memory);
}

void SeriesBook::AddPooledColumn(const ml::LoadedExperiment& experiment, const PredictQuery& query,
                                 const ml::PooledSeries& own_history, ml::PredictionRequest& request) {
  auto forecast = PooledForecast(experiment, query, own_history, request.last_bar_ts, &request.pooled_model_id);
  SetPooledColumn(forecast, request);
  const std::string key =
      query.symbol.str() + "|" + std::string(query.timeframe.ToString()) + "|" + std::to_string(query.horizon_minutes);
  if (!forecast) {
    // Served without the pooled family, and said so in the prediction; the log
    // says it once per reason (under trigger load it would be every request).
    bool changed;
    {
      MutexLock lock(mutex_);
      std::string& last = pooled_unavailable_[key];
      changed = last != request.pooled_unavailable;
      if (changed) last = request.pooled_unavailable;
    }
    if (changed) {
      spdlog::warn("{} {} {}m: {} (logged again when the reason changes)", query.symbol.str(),
                   query.timeframe.ToString(), query.horizon_minutes, request.pooled_unavailable);
    }
    return;
  }
  bool recovered;
  {
    MutexLock lock(mutex_);
    recovered = pooled_unavailable_.erase(key) > 0;
  }
  if (recovered) {
    spdlog::info("{} {} {}m: pooled forecast available again", query.symbol.str(), query.timeframe.ToString(),
                 query.horizon_minutes);
  }
}

Result<SeriesBook::RegimeView> SeriesBook::Regime(const Symbol& symbol, Timeframe timeframe, size_t history,
                                                  int64_t wall_now) {
  SlotPtr slot = SlotFor(symbol, timeframe);
  Error error;
  if (!LockBuilt(*slot, &error)) return tl::unexpected(error);
  MutexLock lock(slot->mutex, kAdoptLock);
  const SeriesState& state = *slot->state;
  const auto& recent = state.recent_regimes();
  RegimeView view;
  view.history_truncated = history > recent.size() && recent.size() < state.bars_seen();
  view.current = state.RegimeAt(wall_now);
  view.silver_version = state.silver_version();
  const size_t first = recent.size() > history ? recent.size() - history : 0;
  view.history.assign(recent.begin() + static_cast<std::ptrdiff_t>(first), recent.end());
  const std::string_view current = regime::ToString(view.current.regime);
  if (slot->published_regime != current) {
    slot->published_regime = std::string(current);
    monitoring::SetRegimeState(symbol.str(), std::string(timeframe.ToString()), slot->published_regime);
  }
  return view;
}

Result<std::vector<Bar>> SeriesBook::CatchUp(const Symbol& symbol, Timeframe timeframe) {
  SlotPtr slot = SlotFor(symbol, timeframe);
  std::vector<Bar> consumed;
  // Serialised with builds, so two catch-ups never feed the same bar twice.
  MutexLock building(slot->build_mutex);
  std::optional<int64_t> after;
  {
    MutexLock lock(slot->mutex);
    if (slot->state) after = slot->state->last_bar_ts();
  }
  // Nothing in memory yet: the build reads everything, new bars included.
  if (!after) {
    RC_RETURN_IF_ERROR(BuildIfAbsent(*slot));
    return consumed;
  }
  ml::SilverQuery query;
  query.from = *after + 1;
  auto slice = ml::LoadSilver(data_dir_, symbol, timeframe, query);
  if (!slice) {
    if (slice.error().code == ErrorCode::kNotFound) return consumed;  // no new rows
    return tl::unexpected(slice.error());
  }
  RC_ASSIGN_OR_RETURN(std::vector<Bar> bars, SilverBars(*slice));
  MutexLock lock(slot->mutex);
  for (const Bar& bar : bars) {
    RC_RETURN_IF_ERROR(slot->state->Advance(bar, slice->silver_version));
    consumed.push_back(bar);
  }
  return consumed;
}

Status SeriesBook::Refresh() {
  Status first_error = Ok();
  // Experiments: one stat of the index for every series.
  const std::string stamp = IndexStamp(registry_.root() / "index.json");
  std::vector<SlotPtr> slots;
  bool index_changed = false;
  {
    MutexLock lock(mutex_);
    if (stamp != index_stamp_) {
      index_stamp_ = stamp;
      index_changed = true;
    }
    for (const auto& [key, slot] : slots_) slots.push_back(slot);
  }
  if (index_changed) InvalidateExperiments();
  if (slots.empty()) return first_error;
  auto silver = lake::layers::LayerTable::OpenSilverExisting(data_dir_);
  if (!silver) return silver.error().code == ErrorCode::kNotFound ? first_error : Status(tl::unexpected(silver.error()));
  for (const SlotPtr& slot : slots) {
    int64_t known;
    {
      MutexLock lock(slot->mutex);
      if (!slot->state) continue;
      known = slot->state->silver_version();
    }
    auto watermark = silver->PartitionWatermark(slot->symbol, slot->timeframe);
    if (!watermark || *watermark <= known) {
      if (!watermark && first_error) first_error = tl::unexpected(watermark.error());
      continue;
    }
    // Changed by someone else (CLI pipeline, a replaced partition): rebuild
    // from scratch off-lock, then swap; requests keep the old state meanwhile.
    MutexLock building(slot->build_mutex);
    auto rebuilt = Build(slot->symbol, slot->timeframe);
    if (!rebuilt) {
      spdlog::warn("series {} {}: rebuild after silver changed failed: {}", slot->symbol.str(),
                   slot->timeframe.ToString(), rebuilt.error().ToString());
      if (first_error) first_error = tl::unexpected(rebuilt.error());
      continue;
    }
    MutexLock lock(slot->mutex);
    spdlog::info("series {} {}: silver changed (version {} -> {}), rebuilt in memory", slot->symbol.str(),
                 slot->timeframe.ToString(), known, (*rebuilt)->silver_version());
    slot->state = std::move(*rebuilt);
  }
  return first_error;
}

void SeriesBook::InvalidateExperiments() {
  std::vector<SlotPtr> slots;
  {
    MutexLock lock(mutex_);
    for (const auto& [key, slot] : slots_) slots.push_back(slot);
  }
  for (const SlotPtr& slot : slots) {
    MutexLock lock(slot->mutex);
    slot->models.clear();
  }
  // Keep the active experiments loaded; retired ones (retrained, pruned,
  // uncurated) leave memory, or a server that retrains daily grows for good.
  if (auto index = registry_.ReadIndex(); index) {
    std::set<std::string> active;
    for (const auto& [key, entry] : *index) active.insert(entry.active_experiment);
    models_.RetainOnly(active);
  } else {
    models_.Clear();
  }
}

std::optional<size_t> SeriesBook::BarsSeen(const Symbol& symbol, Timeframe timeframe) {
  SlotPtr slot = SlotFor(symbol, timeframe);
  Error error;
  if (!LockBuilt(*slot, &error)) return std::nullopt;
  MutexLock lock(slot->mutex, kAdoptLock);
  return slot->state->bars_seen();
}

void SeriesBook::Invalidate(const Symbol& symbol, Timeframe timeframe) {
  SlotPtr slot = SlotFor(symbol, timeframe);
  MutexLock building(slot->build_mutex);
  MutexLock lock(slot->mutex);
  slot->state.reset();
  slot->build_failure.reset();  // new bars may have made a failed build possible
}

std::vector<std::pair<Symbol, Timeframe>> SeriesBook::Series() const {
  std::vector<std::pair<Symbol, Timeframe>> out;
  MutexLock lock(mutex_);
  for (const auto& [key, slot] : slots_) out.emplace_back(slot->symbol, slot->timeframe);
  return out;
}

int64_t SeriesBook::builds() const {
  MutexLock lock(mutex_);
  return builds_;
}

}  // namespace rc::serving
