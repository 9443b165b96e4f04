#include "server/health.h"

namespace rc::server {

std::string_view HealthStateName(HealthState state) {
  switch (state) {
    case HealthState::kOk: return "ok";
    case HealthState::kDegraded: return "degraded";
    case HealthState::kDown: return "down";
    case HealthState::kNotStarted: return "not_started";
  }
  return "down";
}

void HealthRegistry::Declare(const std::string& name, bool required) {
  MutexLock lock(mutex_);
  entries_[name].required = required;
}

void HealthRegistry::Set(const std::string& name, HealthState state, std::string detail) {
  MutexLock lock(mutex_);
  auto& entry = entries_[name];
  entry.state = state;
  entry.detail = std::move(detail);
}

std::map<std::string, HealthRegistry::Entry> HealthRegistry::Snapshot() const {
  MutexLock lock(mutex_);
  return entries_;
}

bool HealthRegistry::Healthy() const {
  MutexLock lock(mutex_);
  for (const auto& [name, entry] : entries_) {
    if (entry.required && entry.state == HealthState::kDown) return false;
  }
  return true;
}

}  // namespace rc::server
