#include "server/scheduler_routes.h"

#include <boost/json.hpp>

#include "core/json_text.h"
#include "scheduler/scheduler.h"
#include "server/app.h"

namespace rc::server {
namespace {

Response Disabled() {
  return ErrorResponse(Error{ErrorCode::kUnavailable,
                             "the scheduler is disabled (SCHEDULER_ENABLED=false): nothing runs on its own", ""});
}

}  // namespace

void AddSchedulerRoutes(App& app, const scheduler::Scheduler* scheduler) {
  app.AddRoute({"GET", "/api/scheduler/jobs", "The market clock's jobs: last and next run (market time), outcome",
                "operations", {}, "",
                R"({"type":"object","required":["clock","now","jobs"],"properties":{
                    "clock":{"type":"string","enum":["wall","replay"]},"now":{"type":"string","format":"date-time"},
                    "jobs":{"type":"array","items":{"type":"object","properties":{
                      "name":{"type":"string"},"kind":{"type":"string","enum":["bars","retrain","drift_check","lake_maintenance"]},
                      "series":{"type":["string","null"]},"last_run":{"type":["string","null"]},
                      "next_run":{"type":["string","null"]},"last_outcome":{"type":"string"},
                      "last_duration_ms":{"type":"number"},"runs":{"type":"integer"},"failures":{"type":"integer"}}}}}})"},
               [scheduler](const Request&) {
                 if (scheduler == nullptr) return Disabled();
                 boost::json::array jobs;
                 for (const auto& job : scheduler->Jobs()) jobs.push_back(job.ToJson());
                 return JsonResponse(200, JsonText(boost::json::object{
                                              {"clock", scheduler->clock().IsReplay() ? "replay" : "wall"},
                                              {"now", FormatIsoUtc(scheduler->clock().Now())},
                                              {"jobs", std::move(jobs)}}));
               });
  app.AddRoute({"GET", "/api/data/providers",
                "Market data providers in failover order: circuit state, last success and error, latency, series served",
                "operations", {}, "",
                R"({"type":"object","required":["providers"],"properties":{"providers":{"type":"array","items":{
                    "type":"object","properties":{"name":{"type":"string"},"priority":{"type":"integer"},
                    "circuit":{"type":"string","enum":["closed","open","half_open"]},
                    "consecutive_failures":{"type":"integer"},"last_error":{"type":"string"},
                    "last_success":{"type":["string","null"]},"last_failure":{"type":["string","null"]},
                    "last_latency_ms":{"type":["number","null"]},
                    "serving":{"type":"array","items":{"type":"string"}}}}}}})"},
               [scheduler](const Request&) {
                 if (scheduler == nullptr) return Disabled();
                 return JsonResponse(200, JsonText(
                                              boost::json::object{{"providers", scheduler->ProvidersJson()}}));
               });
}

}  // namespace rc::server
