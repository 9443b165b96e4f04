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
#include <mutex>
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
class JobRunner;
class PeriodicTask;
class PredictionService;
}  // namespace rc::serving
namespace rc::server {

class App {
 public:
  explicit App(Settings settings);
  ~App();

  // Prepares the data directory and registers all routes. Bound to a
  // non-loopback HOST without API_TOKEN, it loads or generates the token in
  // <DATA_DIR>/.api_token (server/api_token.h) and logs where to read it.
  // Errors: kIo when DATA_DIR or the token file cannot be created or written.
  Status Init();
  // Binds the listening socket; returns the port. Errors: kUnavailable (in use).
  Result<int> Listen();
  // Serves until a signal or Stop(); returns after in-flight requests finish.
  void Serve();
  void Stop();

  const Settings& settings() const { return settings_; }
  HealthRegistry& health() { return health_; }
  // The websocket hub (valid after Init).
  Hub& hub() { return *hub_; }
  Router& router() { return router_; }

  // Registers a route; when `doc.mutating` and API_TOKEN is set (or generated), the handler is
  // wrapped so requests without `Authorization: Bearer <token>` get 401 and
  // requests with a wrong token get 403.
  void AddRoute(RouteDoc doc, Handler handler);

 private:
  void AddSystemRoutes();
  Response Health() const;

  Settings settings_;
  TimestampUs started_at_;
  HealthRegistry health_;
  Router router_;
  std::unique_ptr<Hub> hub_;
  std::unique_ptr<serving::PredictionService> predictions_;
  std::mutex registry_mutex_;                  // serialises experiment-registry writes
  std::mutex gold_mutex_;                      // serialises data/gold/predictions writes
  std::unique_ptr<serving::JobRunner> jobs_;   // declared after what its jobs use
  std::unique_ptr<serving::PeriodicTask> drift_task_;
  std::unique_ptr<HttpServer> server_;
};

// `regimecast serve`: Init + Listen + Serve with signal handling; logs the
// port. Returns the process exit code (0 after a graceful shutdown).
int RunService(const Settings& settings);

}  // namespace rc::server
