#include "server/router.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace rc::server {
namespace {

Request Make(std::string method, std::string path) {
  Request r;
  r.method = std::move(method);
  r.path = std::move(path);
  return r;
}

Router MakeRouter() {
  Router router;
  router.Add({"GET", "/api/models", "List", "models"}, [](const Request&) { return JsonResponse(200, "[]"); });
  router.Add({"GET", "/api/experiments/{id}", "One", "models", {{"id", "path"}}},
             [](const Request& r) { return JsonResponse(200, "\"" + r.path_params.at("id") + "\""); });
  router.Add({"POST", "/api/models/clear", "Clear", "models", {}, R"({"type":"object"})", "", "application/json", true},
             [](const Request&) { return JsonResponse(200, "{}"); });
  router.Add({"GET", "/boom", "Throws", "system"}, [](const Request&) -> Response { throw std::runtime_error("secret detail"); });
  return router;
}

TEST(RouterTest, MatchesPathParameters) {
  Router router = MakeRouter();
  Request request = Make("GET", "/api/experiments/exp-42");
  std::string route;
  Response response = router.Dispatch(request, &route);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "\"exp-42\"");
  EXPECT_EQ(route, "/api/experiments/{id}");
}

TEST(RouterTest, UnknownPathIs404AndWrongMethodIs405WithAllow) {
  Router router = MakeRouter();
  Request missing = Make("GET", "/api/nothing");
  std::string route;
  EXPECT_EQ(router.Dispatch(missing, &route).status, 404);
  EXPECT_EQ(route, "unmatched");
  Request wrong = Make("DELETE", "/api/models/clear");
  Response response = router.Dispatch(wrong);
  EXPECT_EQ(response.status, 405);
  ASSERT_EQ(response.headers.size(), 1u);
  EXPECT_EQ(response.headers[0].second, "POST");
  EXPECT_NE(response.body.find("method_not_allowed"), std::string::npos);
  Request empty_param = Make("GET", "/api/experiments/");
  EXPECT_EQ(router.Dispatch(empty_param).status, 404);
}

TEST(RouterTest, HeadIsServedByGetRoutes) {
  Router router = MakeRouter();
  Request head = Make("HEAD", "/api/models");
  EXPECT_EQ(router.Dispatch(head).status, 200);
}

TEST(RouterTest, HandlerExceptionsBecome500WithoutDetails) {
  Router router = MakeRouter();
  Request request = Make("GET", "/boom");
  Response response = router.Dispatch(request);
  EXPECT_EQ(response.status, 500);
  EXPECT_EQ(response.body.find("secret detail"), std::string::npos);
  EXPECT_NE(response.body.find("\"code\":\"internal\""), std::string::npos);
}

TEST(RouterTest, DuplicateRoutesAreRejected) {
  Router router = MakeRouter();
  EXPECT_THROW(router.Add({"GET", "/api/models", "Again"}, [](const Request&) { return Response{}; }), std::logic_error);
}

TEST(RouterTest, ErrorEnvelopeCarriesCodeMessageAndField) {
  Response response = ErrorResponse(Error{ErrorCode::kInvalidArgument, "must be one of \"5m\"", "body.timeframe"});
  EXPECT_EQ(response.status, 422);
  auto body = boost::json::parse(response.body).as_object();
  EXPECT_EQ(body["error"].as_object()["code"].as_string(), "invalid_argument");
  EXPECT_EQ(body["error"].as_object()["field"].as_string(), "body.timeframe");
  EXPECT_EQ(body["error"].as_object()["message"].as_string(), "must be one of \"5m\"");
}

TEST(OpenApiTest, DocumentListsExactlyTheRouterRoutes) {
  Router router = MakeRouter();
  auto doc = boost::json::parse(BuildOpenApiDocument(router, "1.2.3")).as_object();
  EXPECT_EQ(doc["openapi"].as_string(), "3.1.0");
  EXPECT_EQ(doc["info"].as_object()["version"].as_string(), "1.2.3");
  size_t operations = 0;
  for (const auto& [path, item] : doc["paths"].as_object()) {
    for (const auto& [method, op] : item.as_object()) {
      ++operations;
      std::string upper(method);
      for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      bool found = false;
      for (const auto& route : router.routes()) found |= route.method == upper && route.path == path;
      EXPECT_TRUE(found) << upper << " " << std::string(path);
      EXPECT_TRUE(op.as_object().contains("responses"));
    }
  }
  EXPECT_EQ(operations, router.routes().size());
  auto& clear = doc["paths"].as_object()["/api/models/clear"].as_object()["post"].as_object();
  EXPECT_TRUE(clear.contains("requestBody"));
  EXPECT_TRUE(clear.contains("security"));
  auto& one = doc["paths"].as_object()["/api/experiments/{id}"].as_object()["get"].as_object();
  EXPECT_EQ(one["parameters"].as_array()[0].as_object()["in"].as_string(), "path");
}

TEST(OpenApiTest, NamedSchemasAreListedBesideTheErrorEnvelope) {
  Router router;
  router.Add({"GET", "/api/jobs/{id}", "One job", "models", {{"id", "path"}}, "", R"({"$ref":"#/components/schemas/Job"})"},
             [](const Request&) { return JsonResponse(200, "{}"); });
  auto doc = boost::json::parse(BuildOpenApiDocument(
                                    router, "1", {{"Job", R"({"type":"object","properties":{"id":{"type":"string"}}})"}}))
                 .as_object();
  const auto& schemas = doc.at("components").at("schemas").as_object();
  EXPECT_EQ(schemas.size(), 2u);
  EXPECT_TRUE(schemas.contains("Error"));
  EXPECT_EQ(schemas.at("Job").at("properties").at("id").at("type"), "string");
  EXPECT_EQ(doc.at("paths").at("/api/jobs/{id}").at("get").at("responses").at("200").at("content")
                .at("application/json").at("schema").at("$ref"),
            "#/components/schemas/Job");
  // Every error answer is the one shared response, whose body is the error envelope.
  EXPECT_EQ(doc.at("paths").at("/api/jobs/{id}").at("get").at("responses").at("default").at("$ref"),
            "#/components/responses/Error");
  EXPECT_EQ(doc.at("components").at("responses").at("Error").at("content").at("application/json").at("schema").at("$ref"),
            "#/components/schemas/Error");
}

}  // namespace
}  // namespace rc::server
