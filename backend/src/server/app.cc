#include "server/app.h"

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include "core/build_info.h"
#include "core/json_text.h"
#include "ml/registry/registry.h"
#include "monitoring/standard_metrics.h"
#include "server/api_token.h"
#include "server/data_routes.h"
#include "server/http_server.h"
#include "server/model_routes.h"
#include "server/prediction_routes.h"
#include "serving/job_runner.h"
#include "serving/periodic_task.h"
#include "serving/prediction_service.h"
#include "serving/quality.h"

namespace rc::server {
namespace {

// Checks that DATA_DIR exists (creating it) and is writable.
Status PrepareDataDir(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return IoError("DATA_DIR '" + dir + "' cannot be created: " + ec.message());
  if (access(dir.c_str(), W_OK) != 0) return IoError("DATA_DIR '" + dir + "' is not writable");
  return Ok();
}

void ObserveRequest(const Request& request, const Response& response, const std::string& route, double seconds) {
  const std::string code = std::to_string(response.status);
  monitoring::HttpRequestsTotal().WithLabels({route, request.method, code}).Inc();
  monitoring::HttpRequestDurationSeconds().WithLabels({route}).Observe(seconds);
  if (response.status >= 400 && response.body.rfind("{\"error\":{\"code\":\"", 0) == 0) {
    const size_t start = 18;
    const size_t end = response.body.find('"', start);
    if (end != std::string::npos) {
      monitoring::ErrorsTotal().WithLabels({response.body.substr(start, end - start)}).Inc();
    }
  }
  spdlog::info("{} {} {} {:.3f}ms {}", request.method, request.path, response.status, seconds * 1000.0,
               request.remote);
}

}  // namespace

App::App(Settings settings) : settings_(std::move(settings)), started_at_(NowMicros()) {
  health_.Declare("http", true);
  health_.Declare("lake", true);
  health_.Declare("scheduler", false);
  health_.Declare("websocket", false);
  health_.Declare("providers", false);
  health_.Declare("models", false);
}

App::~App() = default;

Status App::Init() {
  monitoring::RegisterStandardMetrics();
  if (auto status = PrepareDataDir(settings_.data_dir); !status) {
    health_.Set("lake", HealthState::kDown, status.error().message);
    return status;
  }
  health_.Set("lake", HealthState::kOk, settings_.data_dir);
  if (settings_.api_token.empty() && !IsLoopbackHost(settings_.host)) {
    // Reachable from other machines: never leave the mutating endpoints open.
    auto generated = LoadOrCreateApiToken(settings_.data_dir);
    if (!generated) return tl::unexpected(generated.error());
    settings_.api_token = generated->token;
    spdlog::warn("HOST {} is not a loopback address and API_TOKEN is not set: mutating endpoints require "
                 "'Authorization: Bearer <token>' with the token {} {} (read it with: cat {})",
                 settings_.host, generated->created ? "generated in" : "stored in", generated->path,
                 generated->path);
  }
  ml::ExperimentRegistry registry(settings_.data_dir);
  if (auto experiments = registry.List(); !experiments) {
    health_.Set("models", HealthState::kDegraded, "experiment registry unreadable: " + experiments.error().message);
  } else if (experiments->empty()) {
    health_.Set("models", HealthState::kDegraded, "no trained experiments: predictions fall back to naive");
  } else {
    health_.Set("models", HealthState::kOk, std::to_string(experiments->size()) + " experiments");
  }
  hub_ = std::make_unique<Hub>(HubOptions{settings_.ws_heartbeat_interval,
                                          static_cast<size_t>(settings_.ws_send_queue_limit),
                                          settings_.ws_rate_limit_per_second, settings_.ws_max_connections});
  predictions_ = std::make_unique<serving::PredictionService>(settings_.data_dir);
  AddSystemRoutes();
  AddPredictionRoutes(*this, *predictions_, gold_mutex_);
  jobs_ = std::make_unique<serving::JobRunner>();
  AddModelRoutes(*this, *jobs_, registry_mutex_);
  AddDataRoutes(*this);
  if (settings_.scheduler_enabled) {
    // Prediction quality (prediction_quality_metric, the runbook's drift signal)
    // is measured on a schedule from the gold prediction log.
    const auto interval = std::chrono::seconds(settings_.drift_check_interval_seconds);
    health_.Set("scheduler", HealthState::kOk,
                "drift check every " + std::to_string(settings_.drift_check_interval_seconds) + " s");
    drift_task_ = std::make_unique<serving::PeriodicTask>(interval, [this] {
      serving::DriftOptions options;
      options.data_dir = settings_.data_dir;
      options.mape_threshold = settings_.drift_mape_threshold;
      if (auto lag = serving::UpdateIngestionLag(settings_.data_dir, NowMicros()); !lag) {
        spdlog::warn("ingestion lag not updated: {}", lag.error().ToString());
      }
      std::lock_guard lock(gold_mutex_);
      auto report = serving::RunDriftCheck(options);
      if (!report) {
        health_.Set("scheduler", HealthState::kDegraded, "drift check failed: " + report.error().message);
        return;
      }
      std::string drifting;
      for (const auto& q : *report) {
        if (q.drift) drifting += (drifting.empty() ? "" : ", ") + q.symbol.str() + " " + std::string(q.timeframe.ToString());
      }
      if (!drifting.empty()) spdlog::warn("prediction drift (MAPE above threshold): {}", drifting);
      health_.Set("scheduler", HealthState::kOk,
                  "drift check every " + std::to_string(settings_.drift_check_interval_seconds) + " s; last at " +
                      FormatIsoUtc(NowMicros()) + (drifting.empty() ? "" : "; drift: " + drifting));
    });
  }
  return Ok();
}

void App::AddRoute(RouteDoc doc, Handler handler) {
  if (doc.mutating && !settings_.api_token.empty()) {
    handler = [token = settings_.api_token, inner = std::move(handler)](const Request& request) {
      const std::string header = request.Header("authorization");
      const std::string prefix = "Bearer ";
      if (header.empty()) {
        return ErrorResponse(Error{ErrorCode::kUnauthorized, "this endpoint needs 'Authorization: Bearer <API_TOKEN>'",
                                   "authorization"});
      }
      if (header.rfind(prefix, 0) != 0 || !TokensEqual(header.substr(prefix.size()), token)) {
        return ErrorResponse(Error{ErrorCode::kForbidden, "the API token is not valid", "authorization"});
      }
      return inner(request);
    };
  }
  router_.Add(std::move(doc), std::move(handler));
}

Response App::Health() const {
  namespace json = boost::json;
  json::object subsystems;
  for (const auto& [name, entry] : health_.Snapshot()) {
    json::object item{{"status", HealthStateName(entry.state)}, {"required", entry.required}};
    if (!entry.detail.empty()) item["detail"] = entry.detail;
    subsystems[name] = std::move(item);
  }
  const bool healthy = health_.Healthy();
  json::object body{{"status", healthy ? "ok" : "down"},
                    {"version", BuildVersion()},
                    {"commit", BuildCommit()},
                    {"uptime_s", static_cast<double>(NowMicros() - started_at_) / 1e6},
                    {"subsystems", std::move(subsystems)}};
  return JsonResponse(healthy ? 200 : 503, JsonText(body));
}

void App::AddSystemRoutes() {
  AddRoute({"GET", "/health", "Service and subsystem health (503 when a required subsystem is down)", "system", {}, "",
            R"({"type":"object","required":["status","version","uptime_s","subsystems"],"properties":{
                "status":{"type":"string","enum":["ok","down"]},"version":{"type":"string"},"commit":{"type":"string"},
                "uptime_s":{"type":"number"},"subsystems":{"type":"object","additionalProperties":{"type":"object",
                "properties":{"status":{"type":"string","enum":["ok","degraded","down","not_started"]},
                "required":{"type":"boolean"},"detail":{"type":"string"}}}}}})"},
           [this](const Request&) { return Health(); });
  AddRoute({"GET", "/metrics", "Prometheus metrics (text exposition 0.0.4)", "system", {}, "",
            R"({"type":"string"})", std::string(monitoring::kExpositionContentType)},
           [](const Request&) {
             Response response;
             response.content_type = std::string(monitoring::kExpositionContentType);
             response.body = monitoring::Registry::Default().Expose();
             return response;
           });
  AddRoute({"GET", "/ws",
            "WebSocket endpoint (upgrade): send {\"op\":\"subscribe\",\"channels\":[\"regime:TCS.NS:5m\"]}; "
            "channels bars:, predictions:, regime:SYMBOL:TF; heartbeats every WS_HEARTBEAT_INTERVAL",
            "streaming"},
           [](const Request&) {
             return ErrorResponse(Error{ErrorCode::kMalformed,
                                        "this endpoint speaks WebSocket: send an Upgrade: websocket request", ""});
           });
  AddRoute({"GET", "/openapi.json", "This OpenAPI 3 document", "system", {}, "", R"({"type":"object"})"},
           [this](const Request&) { return JsonResponse(200, BuildOpenApiDocument(router_, BuildVersion())); });
}

Result<int> App::Listen() {
  HttpServerOptions options;
  options.host = settings_.host;
  options.port = settings_.port;
  options.threads = settings_.http_threads;
  options.max_body_bytes = settings_.max_body_bytes;
  options.request_timeout_seconds = settings_.request_timeout_seconds;
  options.handle_signals = true;
  options.hub = hub_.get();
  options.cors_allowed_origins = settings_.cors_allowed_origins;
  server_ = std::make_unique<HttpServer>(options, router_, ObserveRequest);
  auto port = server_->Start();
  if (!port) {
    health_.Set("http", HealthState::kDown, port.error().message);
    return port;
  }
  health_.Set("http", HealthState::kOk, "listening on " + settings_.host + ":" + std::to_string(*port));
  health_.Set("websocket", HealthState::kOk,
              "/ws, heartbeat every " + std::to_string(settings_.ws_heartbeat_interval) + " s");
  return port;
}

void App::Serve() { server_->Run(); }

void App::Stop() {
  if (server_) server_->Stop();
}

int RunService(const Settings& settings) {
  App app(settings);
  if (auto status = app.Init(); !status) {
    spdlog::critical("cannot start: {}", status.error().ToString());
    return 1;
  }
  auto port = app.Listen();
  if (!port) {
    spdlog::critical("cannot start: {}", port.error().ToString());
    return 1;
  }
  spdlog::info("regimecast {} serving on http://{}:{} (data dir {}), {} threads", BuildVersion(), settings.host, *port,
               settings.data_dir, settings.http_threads);
  app.Serve();
  spdlog::info("stopped");
  return 0;
}

}  // namespace rc::server
