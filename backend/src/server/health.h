// File: server/health.h
//
// Subsystem health for GET /health: each subsystem (http, scheduler, websocket,
// lake, providers, models) reports ok / degraded / down / not_started with a
// short detail. /health answers 503 when a REQUIRED subsystem is down.
// Thread-safe.
#pragma once

#include <map>
#include <string>

#include "core/mutex.h"

namespace rc::server {

enum class HealthState { kOk, kDegraded, kDown, kNotStarted };
std::string_view HealthStateName(HealthState state);

class HealthRegistry {
 public:
  struct Entry {
    HealthState state = HealthState::kNotStarted;
    std::string detail;
    bool required = false;
  };

  // Declares a subsystem (initially not_started).
  void Declare(const std::string& name, bool required);
  void Set(const std::string& name, HealthState state, std::string detail = "");
  std::map<std::string, Entry> Snapshot() const;
  // True when no required subsystem is down.
  bool Healthy() const;

 private:
  mutable Mutex mutex_;
  std::map<std::string, Entry> entries_ RC_GUARDED_BY(mutex_);
};

}  // namespace rc::server
