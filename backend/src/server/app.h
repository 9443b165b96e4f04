// File: server/app.h
//
// The service as one object: settings, health, the router with every route, and
// the HTTP server. `regimecast serve` is RunService(settings).
//
//   rc::server::App app(settings);
//   RC_RETURN_IF_ERROR(app.Init());    // checks data dir, builds routes
//   RC_ASSIGN_OR_RETURN(int port, app.Listen());
//   app.Serve();                        // until SIGINT/SIGTERM
#pragma once

#include <memory>
#include <string>

#include "core/error.h"
#include "core/settings.h"
#include "core/time.h"
#include "server/health.h"
#include "server/hub.h"
#include "server/router.h"

namespace rc::server {

class HttpServer;
}  // namespace rc::server
namespace rc::serving {
class PeriodicTask;
class Runtime;
}  // namespace rc::serving
namespace rc::scheduler {
class Scheduler;
}  // namespace rc::scheduler
namespace rc::server {

class App {
 public:
  explicit App(Settings settings);
  ~App();

  // Prepares the data directory, the serving runtime and (SCHEDULER_ENABLED)
  // the market clock's scheduler, and registers all routes. Bound to a
  // non-loopback HOST without API_TOKEN, it loads or generates the token in
  // <DATA_DIR>/.api_token (server/api_token.h) and logs where to read it.
  // Errors: kIo when DATA_DIR or the token file cannot be created or written;
  // kInvalidArgument for a WATCHLIST or replay source that cannot be used, or
  // FRONTEND_DIR set to a directory that holds no build.
  Status Init();
  // Starts the scheduler's threads (no-op when disabled); after Listen().
  void StartScheduler();
  // Says in /health that this is the offline demo (before Listen).
  void SetDemo(std::string detail) { demo_ = std::move(detail); }
  // Binds the listening socket; returns the port. Errors: kUnavailable (in use).
  Result<int> Listen();
  // Serves until a signal or Stop(); returns after in-flight requests finish
  // and the gold log's queue is committed.
  void Serve();
  void Stop();

  const Settings& settings() const { return settings_; }
  HealthRegistry& health() { return health_; }
  // The websocket hub (valid after Init).
  Hub& hub() { return *hub_; }
  Router& router() { return router_; }
  // The serving runtime (valid after Init).
  serving::Runtime& runtime() { return *runtime_; }

  // Registers a route; when `doc.mutating` and API_TOKEN is set (or generated), the handler is
  // wrapped so requests without `Authorization: Bearer <token>` get 401 and
  // requests with a wrong token get 403.
  void AddRoute(RouteDoc doc, Handler handler);

 private:
  void AddSystemRoutes();
  Response Health() const;

  Settings settings_;
  std::string demo_;  // "demo: replay of sample data ..." while the demo runs
  TimestampUs started_at_;
  HealthRegistry health_;
  Router router_;
  std::unique_ptr<Hub> hub_;
  // Series in memory, gold log, training jobs; uses hub_ (declared before it).
  std::unique_ptr<serving::Runtime> runtime_;
  std::unique_ptr<serving::PeriodicTask> refresh_task_;  // keeps the series current with the lake
  int64_t refreshes_ = 0;  // refresh_task_'s thread only: every 30th also releases freed memory
  std::unique_ptr<scheduler::Scheduler> scheduler_;      // null when SCHEDULER_ENABLED=false
  std::unique_ptr<HttpServer> server_;
};

// `regimecast serve`: the demo decision (DEMO=auto: an empty lake and no
// live provider answering -> replay of the shipped sample in its own lake),
// then Init + Listen + scheduler + Serve with signal handling; logs the port.
// Returns the process exit code (0 after a graceful shutdown).
int RunService(const Settings& settings);

}  // namespace rc::server
