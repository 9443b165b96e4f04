#include "server/app.h"

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include "core/build_info.h"
#include "core/json_text.h"
#include "ml/registry/registry.h"
#include "server/curated_routes.h"
#include "monitoring/standard_metrics.h"
#include "server/api_token.h"
#include "server/backtest_routes.h"
#include "server/data_routes.h"
#include "server/http_server.h"
#include "server/model_routes.h"
#include "server/openapi_schemas.h"
#include "server/prediction_routes.h"
#include "data/failover/provider_chain.h"
#include "data/pipeline/demo.h"
#include "data/pipeline/pipeline.h"
#include "scheduler/scheduler.h"
#include "server/scheduler_routes.h"
#include "server/static_site.h"
#include "server/watchlist_routes.h"
#include "serving/periodic_task.h"
#include "serving/process_memory.h"
#include "serving/runtime.h"

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

// The method as a metric label: any token a client sends would otherwise make
// a label set of its own, growing /metrics (and memory) without bound.
std::string_view MethodLabel(const std::string& method) {
  static constexpr std::string_view kKnown[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
  for (std::string_view known : kKnown) {
    if (method == known) return known;
  }
  return "other";
}

void ObserveRequest(const Request& request, const Response& response, const std::string& route, double seconds) {
  const std::string code = std::to_string(response.status);
  monitoring::HttpRequestsTotal().WithLabels({route, MethodLabel(request.method), code}).Inc();
  monitoring::HttpRequestDurationSeconds().WithLabels({route}).Observe(seconds);
  if (response.error_code) {
    monitoring::ErrorsTotal().WithLabels({std::string(ErrorCodeName(*response.error_code))}).Inc();
  }
  spdlog::info("{} {} {} {:.3f}ms {}", request.method, request.path, response.status, seconds * 1000.0,
               request.remote);
}

// The "storage" entry of /health: degraded while a write path of the live
// loop fails (disk full, I/O error), naming each failing path, its last error
// and since when; ok again after that path's next successful write.
boost::json::object StorageHealthJson(const serving::StorageHealth& storage) {
  namespace json = boost::json;
  json::object failing;
  std::string detail;
  int64_t failures = 0;
  TimestampUs since = 0;
  std::string last_error;
  for (const auto& [path, state] : storage.Snapshot()) {
    failures += state.failures;
    if (!state.failing) continue;
    failing[path] = json::object{{"last_error", state.last_error},
                                 {"since", FormatIsoUtc(state.failing_since)},
                                 {"failures", state.failures}};
    if (!detail.empty()) detail += "; ";
    detail += path + " writes failing since " + FormatIsoUtc(state.failing_since) + ": " + state.last_error;
    if (since == 0 || state.failing_since < since) {
      since = state.failing_since;
      last_error = state.last_error;
    }
  }
  json::object item{{"required", false}};
  if (failing.empty()) {
    item["status"] = HealthStateName(HealthState::kOk);
    item["detail"] = failures == 0 ? "writes to DATA_DIR succeed"
                                   : "writes to DATA_DIR succeed again (" + std::to_string(failures) +
                                         " failed writes since start)";
    return item;
  }
  item["status"] = HealthStateName(HealthState::kDegraded);
  item["detail"] = detail + " (serving continues from memory; retrying)";
  item["last_error"] = last_error;
  item["since"] = FormatIsoUtc(since);
  item["failing"] = std::move(failing);
  return item;
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
  // First, before the threads that allocate start: a long session's large
  // transient buffers go back to the system when freed (serving/process_memory.h).
  serving::ConfigureAllocatorForServing();
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
  // The scheduler, the providers' breakers, the replay and the REST routes all
  // live on one market clock (replay time in a replay or the demo).
  std::shared_ptr<const MarketClock> market_clock;
  data::SeriesReader lake_raw = data::pipeline::LakeRawReader(settings_.data_dir);
  if (settings_.scheduler_enabled) {
    RC_ASSIGN_OR_RETURN(market_clock, data::MakeMarketClock(settings_, lake_raw));
  }
  serving::RuntimeOptions runtime_options;
  runtime_options.data_dir = settings_.data_dir;
  runtime_options.market_clock = market_clock;
  runtime_options.training = {settings_.training_workers, settings_.training_nice,
                              settings_.training_sched == "idle"};
  runtime_options.on_trained = [this](const serving::TrainOutcome& outcome) {
    health_.Set("models", HealthState::kOk, "last trained " + outcome.experiment_id);
  };
  runtime_ = std::make_unique<serving::Runtime>(std::move(runtime_options), hub_.get());
  // A CLI `pipeline` run or training elsewhere changes the lake under the
  // series in memory: notice within a second.
  refresh_task_ = std::make_unique<serving::PeriodicTask>(std::chrono::milliseconds(1000), [this] {
    if (auto refreshed = runtime_->book().Refresh(); !refreshed) {
      spdlog::warn("series refresh: {}", refreshed.error().ToString());
    }
    // Every 30 s: what the live loop freed goes back to the system (serving/process_memory.h).
    if (++refreshes_ % 30 == 0) serving::ReleaseFreedMemory();
  });
  AddSystemRoutes();
  AddPredictionRoutes(*this, *runtime_);
  AddModelRoutes(*this, *runtime_);
  AddBacktestRoutes(*this, *runtime_);
  AddCuratedRoutes(*this, *runtime_);
  AddDataRoutes(*this, *runtime_);
  AddWatchlistRoutes(*this);
  if (!settings_.frontend_dir.empty()) {
    RC_ASSIGN_OR_RETURN(StaticSite site, StaticSite::Open(settings_.frontend_dir));
    spdlog::info("serving the front end from {}", site.root());
    router_.SetFallback("static", [site = std::move(site)](const Request& request) { return site.Serve(request); });
  }
  if (settings_.scheduler_enabled) {
    RC_ASSIGN_OR_RETURN(auto options, scheduler::SchedulerOptions::FromSettings(settings_));
    data::ProviderDeps deps;
    deps.lake_raw = std::move(lake_raw);
    deps.market_clock = market_clock;
    data::CircuitBreakerOptions breakers;
    breakers.cool_down_micros = int64_t{settings_.provider_circuit_cooldown_seconds} * kMicrosPerSecond;
    RC_ASSIGN_OR_RETURN(auto chain, data::MakeProviderChain(settings_, "", breakers, deps));
    scheduler_ = std::make_unique<scheduler::Scheduler>(std::move(options), deps.market_clock, std::move(chain),
                                                        *runtime_);
    health_.Set("scheduler", HealthState::kOk, "starting");
    health_.Set("providers", HealthState::kOk, settings_.primary_data_provider + " (primary)");
  } else {
    health_.Set("scheduler", HealthState::kNotStarted, "disabled (SCHEDULER_ENABLED=false)");
  }
  AddSchedulerRoutes(*this, scheduler_.get());
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
    if (name == "scheduler" && scheduler_) item["detail"] = scheduler_->Summary();
    subsystems[name] = std::move(item);
  }
  if (runtime_) subsystems["storage"] = StorageHealthJson(runtime_->storage());
  const bool healthy = health_.Healthy();
  json::object body{{"status", healthy ? "ok" : "down"},
                    {"version", BuildVersion()},
                    {"commit", BuildCommit()},
                    {"uptime_s", static_cast<double>(NowMicros() - started_at_) / 1e6},
                    {"subsystems", std::move(subsystems)}};
  if (!demo_.empty()) body["demo"] = demo_;
  if (scheduler_) {
    body["scheduler"] = scheduler_->Summary();
    body["series"] = scheduler_->FreshnessJson();
  }
  return JsonResponse(healthy ? 200 : 503, JsonText(body));
}

void App::AddSystemRoutes() {
  AddRoute({"GET", "/health", "Service and subsystem health (503 when a required subsystem is down)", "system", {}, "",
            R"({"type":"object","required":["status","version","uptime_s","subsystems"],"properties":{
                "status":{"type":"string","enum":["ok","down"]},"version":{"type":"string"},"commit":{"type":"string"},
                "uptime_s":{"type":"number"},"subsystems":{"type":"object","additionalProperties":{"type":"object",
                "properties":{"status":{"type":"string","enum":["ok","degraded","down","not_started"]},
                "required":{"type":"boolean"},"detail":{"type":"string"},
                "last_error":{"type":"string","description":"storage: the oldest failing write path's last error"},
                "since":{"type":"string","description":"storage: when writes started failing, ISO 8601 UTC"},
                "failing":{"type":"object","description":"storage: each failing write path: raw, pipeline, gold_log, gold_compaction, training",
                  "additionalProperties":{"type":"object","properties":{"last_error":{"type":"string"},
                  "since":{"type":"string"},"failures":{"type":"integer"}}}}}}},
                "demo":{"type":"string","description":"present while the offline demo (replay of sample data) runs"},
                "scheduler":{"type":"string"},
                "series":{"type":"object","additionalProperties":{"type":"object","properties":{
                  "state":{"type":"string","enum":["fresh","stale","empty"]},"newest_bar":{"type":["string","null"]},
                  "expected_bar":{"type":["string","null"]},"age_seconds":{"type":"number"}}}}}})"},
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
           [this](const Request&) {
             return JsonResponse(200, BuildOpenApiDocument(router_, BuildVersion(), ComponentSchemas()));
           });
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

void App::StartScheduler() {
  if (scheduler_) scheduler_->Start();
}

void App::Serve() {
  server_->Run();
  // Every request has been answered: stop the background work, then commit
  // the predictions still queued for gold (nothing acknowledged is lost).
  if (scheduler_) scheduler_->Stop();
  refresh_task_.reset();
  if (auto closed = runtime_->Shutdown(); !closed) {
    spdlog::error("gold prediction log: final commit failed: {}", closed.error().ToString());
  } else {
    const auto stats = runtime_->gold().stats();
    spdlog::info("gold prediction log closed: {} predictions in {} commits", stats.rows_committed, stats.commits);
  }
}

void App::Stop() {
  if (server_) server_->Stop();
}

namespace {

// DEMO=auto on an empty lake with no live provider answering: the settings of
// a replay of the shipped sample in its own lake (data/pipeline/demo.h).
Result<std::optional<data::pipeline::DemoPlan>> DecideDemo(const Settings& settings) {
  if (!settings.scheduler_enabled) return std::optional<data::pipeline::DemoPlan>();
  RC_ASSIGN_OR_RETURN(auto watchlist, ParseWatchlist(settings));
  RC_ASSIGN_OR_RETURN(bool wanted, data::pipeline::DemoWanted(settings, [&] {
    auto chain = data::MakeProviderChain(settings);
    if (!chain || watchlist.empty()) return false;
    spdlog::info("empty lake: asking {} for {} to decide between live data and the demo", settings.primary_data_provider,
                 watchlist.front().symbol.str());
    return data::pipeline::AnyProviderAnswers(**chain, watchlist.front(), NowMicros());
  }));
  if (!wanted) return std::optional<data::pipeline::DemoPlan>();
  RC_ASSIGN_OR_RETURN(auto plan, data::pipeline::PrepareDemo(settings));
  return std::optional<data::pipeline::DemoPlan>(std::move(plan));
}

}  // namespace

int RunService(const Settings& requested) {
  Settings settings = requested;
  // The demo decision reads the lake: a DATA_DIR that cannot be used is reported first, by name.
  if (auto usable = PrepareDataDir(settings.data_dir); !usable) {
    spdlog::critical("cannot start: {}", usable.error().ToString());
    return 1;
  }
  std::string demo_detail;
  if (auto demo = DecideDemo(settings); !demo) {
    spdlog::critical("cannot start: {}", demo.error().ToString());
    return 1;
  } else if (*demo) {
    settings = (*demo)->settings;
    demo_detail = fmt::format("{}: {} {} from {} at {}x ({} bars of history, {} to replay) in {}",
                              data::pipeline::kDemoBanner, (*demo)->series.symbol.str(),
                              (*demo)->series.timeframe.ToString(), FormatIsoUtc((*demo)->replay_start),
                              settings.replay_speed, (*demo)->history_bars, (*demo)->replay_bars, settings.data_dir);
    spdlog::warn("{}", demo_detail);
  }
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
  if (!demo_detail.empty()) app.SetDemo(demo_detail);
  spdlog::info("regimecast {} serving on http://{}:{} (data dir {}), {} threads", BuildVersion(), settings.host, *port,
               settings.data_dir, settings.http_threads);
  spdlog::info("websocket hub active on /ws (heartbeat every {} s, own threads)", settings.ws_heartbeat_interval);
  spdlog::info("training pool: {} worker(s) at {}, nice {} (TRAINING_WORKERS, TRAINING_SCHED, TRAINING_NICE)",
               settings.training_workers, settings.training_sched == "idle" ? "SCHED_IDLE" : "SCHED_BATCH",
               settings.training_nice);
  app.StartScheduler();
  app.Serve();
  spdlog::info("stopped");
  return 0;
}

}  // namespace rc::server
