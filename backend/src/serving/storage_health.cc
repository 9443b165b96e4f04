#include "serving/storage_health.h"

#include <spdlog/spdlog.h>

#include "monitoring/standard_metrics.h"

namespace rc::serving {

bool IsStorageFailure(const Error& error) { return error.code == ErrorCode::kIo; }

void StorageHealth::RecordFailure(std::string_view path, const Error& error, TimestampUs now) {
  const std::string name(path);
  monitoring::StorageWriteFailuresTotal().WithLabels({name}).Inc();
  monitoring::StorageDegraded().WithLabels({name}).Set(1);
  MutexLock lock(mutex_);
  PathState& state = paths_[name];
  if (!state.failing) {
    state.failing = true;
    state.failing_since = now;
    spdlog::error("storage: {} writes failing, serving continues from memory and retries: {}", name,
                  error.ToString());
  }
  state.last_error = error.ToString();
  state.last_failure = now;
  ++state.failures;
}

void StorageHealth::RecordSuccess(std::string_view path) {
  MutexLock lock(mutex_);
  auto it = paths_.find(path);
  if (it == paths_.end() || !it->second.failing) return;
  it->second.failing = false;
  monitoring::StorageDegraded().WithLabels({it->first}).Set(0);
  spdlog::info("storage: {} writes succeed again (failing since {}, {} failures in total)", it->first,
               FormatIsoUtc(it->second.failing_since), it->second.failures);
}

void StorageHealth::Record(std::string_view path, const Status& status) {
  if (status) {
    RecordSuccess(path);
  } else if (IsStorageFailure(status.error())) {
    RecordFailure(path, status.error());
  }
}

std::map<std::string, StorageHealth::PathState> StorageHealth::Snapshot() const {
  MutexLock lock(mutex_);
  return {paths_.begin(), paths_.end()};
}

bool StorageHealth::Degraded() const {
  MutexLock lock(mutex_);
  for (const auto& [name, state] : paths_) {
    if (state.failing) return true;
  }
  return false;
}

}  // namespace rc::serving
