#include "server/request_pipeline.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include "core/logging.h"

namespace rc::server {
namespace {

struct Fixture {
  Router router;
  int writes = 0;
  std::vector<std::string> observed_ids;
  std::vector<std::string> observed_codes;  // what the errors metric counts: "-" for a success
  std::unique_ptr<RequestPipeline> pipeline;

  explicit Fixture(std::vector<std::string> origins) {
    router.Add({"GET", "/api/models", "List", "models"}, [](const Request&) { return JsonResponse(200, "[]"); });
    router.Add({"POST", "/api/models/clear", "Clear", "models"}, [this](const Request&) {
      ++writes;
      // Handlers see the request id, so every line they log carries it.
      return JsonResponse(200, "{\"seen\":\"" + CurrentRequestId() + "\"}");
    });
    router.Add({"GET", "/api/experiments/{id}", "One", "models"},
               [](const Request&) { return ErrorResponse(Error{ErrorCode::kNotFound, "no such experiment", "id"}); });
    pipeline = std::make_unique<RequestPipeline>(
        router, PipelineOptions{std::move(origins)},
        [this](const Request& request, const Response& response, const std::string&, double) {
          observed_ids.push_back(CurrentRequestId() + "|" + request.id);
          observed_codes.push_back(response.error_code ? std::string(ErrorCodeName(*response.error_code)) : "-");
        });
  }

  Response Send(std::string method, std::string path, std::map<std::string, std::string> headers = {}) {
    Request request;
    request.method = std::move(method);
    request.path = std::move(path);
    request.headers = std::move(headers);
    return pipeline->Handle(request);
  }
};

TEST(RequestPipelineTest, RequestIdIsAcceptedWhenSaneElseGeneratedAndInErrorsHeadersAndLogs) {
  Fixture f({});
  Response kept = f.Send("POST", "/api/models/clear", {{"x-request-id", "client-42.a_b"}});
  EXPECT_EQ(kept.status, 200);
  EXPECT_EQ(kept.Header("X-Request-Id"), "client-42.a_b");
  EXPECT_EQ(kept.body, R"({"seen":"client-42.a_b"})");
  ASSERT_EQ(f.observed_ids.size(), 1u);
  EXPECT_EQ(f.observed_ids[0], "client-42.a_b|client-42.a_b");  // the access log line is tagged too
  EXPECT_EQ(CurrentRequestId(), "");                              // and nothing leaks past the request

  // A forged or oversized id (log injection) is replaced by a generated one.
  for (const std::string& bad :
       std::vector<std::string>{"a b", "x\ninfo fake line", std::string(65, 'a'), std::string()}) {
    Response replaced = f.Send("GET", "/api/experiments/7", {{"x-request-id", bad}});
    const std::string id = replaced.Header("X-Request-Id");
    EXPECT_EQ(id.size(), 32u) << bad;
    EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos);
    EXPECT_EQ(replaced.status, 404);
    const auto envelope = boost::json::parse(replaced.body).as_object().at("error").as_object();
    EXPECT_EQ(envelope.at("request_id").as_string(), id);
    EXPECT_EQ(envelope.at("field").as_string(), "id");
  }
  // Two requests never share a generated id.
  EXPECT_NE(f.Send("GET", "/api/models").Header("X-Request-Id"), f.Send("GET", "/api/models").Header("X-Request-Id"));
  // Router-made errors (404/405) carry it as well.
  Response unknown = f.Send("GET", "/nope", {{"x-request-id", "r1"}});
  EXPECT_EQ(boost::json::parse(unknown.body).at("error").at("request_id").as_string(), "r1");
}

TEST(RequestPipelineTest, DefaultIsSameOriginOnly) {
  Fixture f({});
  // Same origin (browser on the server's own page) and non-browser clients work.
  EXPECT_EQ(f.Send("POST", "/api/models/clear", {{"origin", "http://127.0.0.1:8182"}, {"host", "127.0.0.1:8182"}}).status,
            200);
  EXPECT_EQ(f.Send("POST", "/api/models/clear").status, 200);
  EXPECT_EQ(f.writes, 2);
  // A page elsewhere cannot make the browser write (CSRF), nor read answers.
  Response csrf = f.Send("POST", "/api/models/clear", {{"origin", "https://evil.example"}, {"host", "127.0.0.1:8182"}});
  EXPECT_EQ(csrf.status, 403);
  EXPECT_EQ(boost::json::parse(csrf.body).at("error").at("field").as_string(), "origin");
  EXPECT_EQ(f.writes, 2);
  Response read = f.Send("GET", "/api/models", {{"origin", "https://evil.example"}, {"host", "127.0.0.1:8182"}});
  EXPECT_EQ(read.status, 200);
  EXPECT_EQ(read.Header("Access-Control-Allow-Origin"), "");
  EXPECT_EQ(read.Header("Vary"), "Origin");
  Response preflight = f.Send("OPTIONS", "/api/models/clear",
                              {{"origin", "https://evil.example"}, {"access-control-request-method", "POST"}});
  EXPECT_EQ(preflight.status, 403);
  EXPECT_EQ(preflight.Header("Access-Control-Allow-Origin"), "");
}

TEST(RequestPipelineTest, ListedOriginsGetPreflightsAndAllowHeaders) {
  Fixture f({"https://Dash.Example.com", "http://localhost:3000"});
  const std::map<std::string, std::string> dash = {{"origin", "https://dash.example.com"}, {"host", "10.0.0.5:8182"}};
  auto with = [&](std::map<std::string, std::string> extra) {
    extra.insert(dash.begin(), dash.end());
    return extra;
  };
  Response preflight = f.Send("OPTIONS", "/api/models/clear",
                              with({{"access-control-request-method", "POST"},
                                    {"access-control-request-headers", "authorization,content-type"}}));
  EXPECT_EQ(preflight.status, 204);
  EXPECT_EQ(preflight.Header("Access-Control-Allow-Origin"), "https://dash.example.com");
  EXPECT_EQ(preflight.Header("Access-Control-Allow-Methods"), "POST");
  EXPECT_NE(preflight.Header("Access-Control-Allow-Headers").find("Authorization"), std::string::npos);
  EXPECT_EQ(preflight.Header("Vary"), "Origin");
  EXPECT_EQ(f.writes, 0);  // a preflight never runs the handler
  Response write = f.Send("POST", "/api/models/clear", dash);
  EXPECT_EQ(write.status, 200);
  EXPECT_EQ(write.Header("Access-Control-Allow-Origin"), "https://dash.example.com");
  EXPECT_EQ(write.Header("Access-Control-Expose-Headers"), "X-Request-Id");
  EXPECT_EQ(f.writes, 1);
  // Preflight of a path that does not exist is a 404; other listed origins work; unlisted do not.
  EXPECT_EQ(f.Send("OPTIONS", "/api/none", with({{"access-control-request-method", "GET"}})).status, 404);
  EXPECT_EQ(f.Send("GET", "/api/models", {{"origin", "http://localhost:3000"}}).Header("Access-Control-Allow-Origin"),
            "http://localhost:3000");
  EXPECT_EQ(f.Send("POST", "/api/models/clear", {{"origin", "http://localhost:3001"}}).status, 403);
  // An OPTIONS that is not a preflight is an ordinary request: 405 with Allow.
  EXPECT_EQ(f.Send("OPTIONS", "/api/models").status, 405);
}

TEST(RequestPipelineTest, SameOriginComparesSchemeLessHostCaseInsensitively) {
  EXPECT_TRUE(IsSameOrigin("http://LocalHost:8182", "localhost:8182"));
  EXPECT_FALSE(IsSameOrigin("http://localhost:8182", "localhost:8183"));
  EXPECT_FALSE(IsSameOrigin("null", "localhost:8182"));
  EXPECT_FALSE(IsSameOrigin("http://localhost:8182", ""));
}

TEST(RequestPipelineTest, WebsocketUpgradesFromOtherOriginsNeedTheList) {
  Fixture f({"https://dash.example.com"});
  auto upgrade = [&](std::map<std::string, std::string> headers) {
    Request request;
    request.method = "GET";
    request.path = "/ws";
    request.headers = std::move(headers);
    return f.pipeline->RefuseWebsocketOrigin(request);
  };
  EXPECT_FALSE(upgrade({}).has_value());  // not a browser
  EXPECT_FALSE(upgrade({{"origin", "http://10.0.0.5:8182"}, {"host", "10.0.0.5:8182"}}).has_value());
  EXPECT_FALSE(upgrade({{"origin", "https://dash.example.com"}}).has_value());
  auto refused = upgrade({{"origin", "https://evil.example"}, {"x-request-id", "ws-1"}});
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->status, 403);
  EXPECT_EQ(refused->Header("X-Request-Id"), "ws-1");
  EXPECT_EQ(boost::json::parse(refused->body).at("error").at("field").as_string(), "origin");
}

TEST(RequestPipelineTest, RejectedRequestsGetTheSameIdAndHeaders) {
  Fixture f({"https://dash.example.com"});
  Request request;
  request.method = "POST";
  request.path = "/api/models/clear";
  request.headers = {{"x-request-id", "big-1"}, {"origin", "https://dash.example.com"}};
  Response response = f.pipeline->Reject(request, Error{ErrorCode::kPayloadTooLarge, "too big", "body"});
  EXPECT_EQ(response.status, 413);
  EXPECT_EQ(response.Header("X-Request-Id"), "big-1");
  EXPECT_EQ(response.Header("Access-Control-Allow-Origin"), "https://dash.example.com");
  EXPECT_EQ(boost::json::parse(response.body).at("error").at("request_id").as_string(), "big-1");
  EXPECT_EQ(f.observed_ids.back(), "big-1|big-1");
}

TEST(RequestPipelineTest, ErrorResponsesCarryTheirCodeToTheObserver) {
  Fixture f({});
  Response ok = f.Send("GET", "/api/models");
  EXPECT_FALSE(ok.error_code.has_value());
  Response handler_error = f.Send("GET", "/api/experiments/7");
  ASSERT_TRUE(handler_error.error_code.has_value());
  EXPECT_EQ(*handler_error.error_code, ErrorCode::kNotFound);
  // The carried code is the one the client reads in the envelope.
  EXPECT_EQ(boost::json::parse(handler_error.body).at("error").at("code").as_string(),
            ErrorCodeName(*handler_error.error_code));
  f.Send("GET", "/nope");                                             // no route
  f.Send("DELETE", "/api/models");                                    // no such method
  f.Send("POST", "/api/models/clear", {{"origin", "https://evil.example"}, {"host", "127.0.0.1:8182"}});  // CSRF
  Request big;
  big.method = "POST";
  big.path = "/api/models/clear";
  f.pipeline->Reject(big, Error{ErrorCode::kPayloadTooLarge, "too big", "body"});
  f.Send("GET", "/api/models");
  EXPECT_EQ(f.observed_codes, (std::vector<std::string>{"-", "not_found", "not_found", "method_not_allowed", "forbidden",
                                                        "payload_too_large", "-"}));
  EXPECT_EQ(f.writes, 0);
}

}  // namespace
}  // namespace rc::server
