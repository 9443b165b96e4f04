// libFuzzer target for the HTTP request path without sockets: the App's real
// router with every route (system, prediction, model and data routes) behind
// the RequestPipeline (request id, CORS), fed requests whose method, target
// (path + query string, parsed as the server parses it), headers and body come
// from the input:
//
//   METHOD TARGET\n
//   name: value\n        (any number of header lines)
//   \n
//   body...
//
// Seeds in backend/fuzz/seeds/rc_http_request_fuzz/ hold a valid request for
// every route, so mutations reach each JSON body parser. Checks: no crash, no
// 500 (bad input must be a 4xx naming the field), every JSON answer parses,
// every error is the envelope with a request id, every answer has X-Request-Id.
//
//   scripts/run-fuzzers rc_http_request_fuzz
#include <spdlog/spdlog.h>
#include <stdlib.h>

#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

#include "core/strings.h"
#include "server/app.h"
#include "server/internal/request_target.h"
#include "server/request_pipeline.h"

namespace {

struct Service {
  rc::server::App* app = nullptr;
  rc::server::RequestPipeline* pipeline = nullptr;
};

std::string& DataDir() {
  static std::string dir;
  return dir;
}

void RemoveDataDir() {
  std::error_code ignored;
  if (!DataDir().empty()) std::filesystem::remove_all(DataDir(), ignored);
}

Service& TheService() {
  static Service service = [] {
    spdlog::set_level(spdlog::level::off);  // the routes' info lines would dominate the run time
    char dir[] = "/tmp/rc-http-fuzz-XXXXXX";
    if (mkdtemp(dir) == nullptr) __builtin_trap();
    DataDir() = dir;
    std::atexit(RemoveDataDir);  // libFuzzer exits through exit(): no /tmp litter per run
    rc::Settings settings;
    settings.host = "127.0.0.1";
    settings.data_dir = dir;
    settings.scheduler_enabled = false;
    Service s;
    s.app = new rc::server::App(settings);  // lives for the whole run
    if (!s.app->Init()) __builtin_trap();
    s.pipeline = new rc::server::RequestPipeline(s.app->router(), {{"https://dash.example.com"}});
    return s;
  }();
  return service;
}

std::string_view NextLine(std::string_view& rest) {
  const size_t end = rest.find('\n');
  std::string_view line = rest.substr(0, end);
  rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

bool HasHeader(const rc::server::Response& response, std::string_view name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name && !value.empty()) return true;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;  // the server's body limit is far below what matters here
  Service& service = TheService();
  std::string_view rest(reinterpret_cast<const char*>(data), size);

  rc::server::Request request;
  const std::string_view request_line = NextLine(rest);
  const size_t space = request_line.find(' ');
  request.method = std::string(request_line.substr(0, space));
  const std::string_view target = space == std::string_view::npos ? "/" : request_line.substr(space + 1);
  rc::server::internal::ParseRequestTarget(target, request);
  while (!rest.empty()) {
    const std::string_view line = NextLine(rest);
    if (line.empty()) break;
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    request.headers[rc::AsciiLower(line.substr(0, colon))] = std::string(rc::TrimAscii(line.substr(colon + 1)));
  }
  request.body = std::string(rest);
  request.remote = "fuzz";

  const rc::server::Response response = service.pipeline->Handle(request);
  if (response.status < 100 || response.status > 599) __builtin_trap();
  if (response.status == 500) __builtin_trap();  // input must never cause an internal error
  if (!HasHeader(response, "X-Request-Id")) __builtin_trap();
  if (response.content_type == "application/json" && !response.body.empty()) {
    boost::system::error_code ec;
    const boost::json::value body = boost::json::parse(response.body, ec);
    if (ec) __builtin_trap();
    if (response.status >= 400) {
      const auto* error = body.is_object() ? body.as_object().if_contains("error") : nullptr;
      if (error == nullptr || !error->is_object() || !error->as_object().contains("code") ||
          !error->as_object().contains("request_id")) {
        __builtin_trap();
      }
    }
  }
  return 0;
}
