#include "server/static_site.h"

#include <boost/json.hpp>
#include <filesystem>
#include <gtest/gtest.h>

#include "server/router.h"
#include "testing/temp_dir.h"

namespace rc::server {
namespace {

Request Get(std::string path, std::string method = "GET") {
  Request r;
  r.method = std::move(method);
  r.path = std::move(path);
  return r;
}

// A miniature `npm run generate` output: shell, SPA fallback, a hashed bundle.
class StaticSiteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::WriteFile(dir_ / "index.html", "<!doctype html><title>index</title>");
    testing::WriteFile(dir_ / "200.html", "<!doctype html><title>spa</title>");
    testing::WriteFile(dir_ / "_nuxt/entry.Ab12Cd.js", "console.log('app')");
    testing::WriteFile(dir_ / "_nuxt/entry.Ab12Cd.css", "body{}");
    testing::WriteFile(dir_ / "_nuxt/builds/latest.json", R"({"id":"b1"})");
    testing::WriteFile(dir_ / "favicon.svg", "<svg/>");
    testing::WriteFile(dir_ / "docs/index.html", "<title>docs</title>");
    testing::WriteFile(outside_ / "secret.txt", "do not serve");
    auto site = StaticSite::Open(dir_.str());
    ASSERT_TRUE(site) << site.error().ToString();
    site_.emplace(std::move(*site));
  }

  testing::TempDir dir_;
  testing::TempDir outside_;
  std::optional<StaticSite> site_;
};

TEST_F(StaticSiteTest, ServesFilesWithTheirContentTypes) {
  auto js = site_->Serve(Get("/_nuxt/entry.Ab12Cd.js"));
  ASSERT_TRUE(js);
  EXPECT_EQ(js->status, 200);
  EXPECT_EQ(js->content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(js->body, "console.log('app')");
  EXPECT_EQ(site_->Serve(Get("/_nuxt/entry.Ab12Cd.css"))->content_type, "text/css; charset=utf-8");
  EXPECT_EQ(site_->Serve(Get("/favicon.svg"))->content_type, "image/svg+xml");
  auto root = site_->Serve(Get("/"));
  ASSERT_TRUE(root);
  EXPECT_EQ(root->content_type, "text/html; charset=utf-8");
  EXPECT_NE(root->body.find("index"), std::string::npos);
  EXPECT_NE(site_->Serve(Get("/docs/"))->body.find("docs"), std::string::npos);
}

TEST_F(StaticSiteTest, HashedAssetsAreImmutableAndHtmlIsRevalidated) {
  EXPECT_EQ(site_->Serve(Get("/_nuxt/entry.Ab12Cd.js"))->Header("Cache-Control"),
            "public, max-age=31536000, immutable");
  EXPECT_EQ(site_->Serve(Get("/"))->Header("Cache-Control"), "no-cache");
  EXPECT_EQ(site_->Serve(Get("/models"))->Header("Cache-Control"), "no-cache");
  EXPECT_EQ(site_->Serve(Get("/favicon.svg"))->Header("Cache-Control"), "no-cache");
  // The build manifest names the current build: never cached for long.
  EXPECT_EQ(site_->Serve(Get("/_nuxt/builds/latest.json"))->Header("Cache-Control"), "no-cache");
}

TEST_F(StaticSiteTest, ClientRoutesGetTheSpaShellButMissingAssetsAre404) {
  for (const char* route : {"/models", "/operations", "/market/TCS.NS/5m", "/market/TCS.NS"}) {
    auto response = site_->Serve(Get(route));
    ASSERT_TRUE(response) << route;
    EXPECT_EQ(response->status, 200) << route;
    EXPECT_NE(response->body.find("spa"), std::string::npos) << route;
  }
  EXPECT_EQ(site_->Serve(Get("/_nuxt/gone.Zz99.js"))->status, 404);
  EXPECT_EQ(site_->Serve(Get("/_nuxt/builds/other"))->status, 404);
  EXPECT_EQ(site_->Serve(Get("/robots.txt"))->status, 404);
  EXPECT_EQ(site_->Serve(Get("/favicon.ico"))->status, 404);
}

TEST_F(StaticSiteTest, ServicePathsAndOtherMethodsAreLeftToTheRouter) {
  for (const char* path : {"/api", "/api/nothing", "/ws", "/health", "/metrics", "/openapi.json", "/api/models/x"}) {
    EXPECT_FALSE(site_->Serve(Get(path))) << path;
  }
  EXPECT_TRUE(site_->Serve(Get("/apis")));        // only whole segments are reserved
  EXPECT_TRUE(site_->Serve(Get("/healthy")));
  EXPECT_FALSE(site_->Serve(Get("/", "POST")));
  EXPECT_FALSE(site_->Serve(Get("/models", "DELETE")));
  auto head = site_->Serve(Get("/", "HEAD"));
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
}

TEST_F(StaticSiteTest, PrecompressedSiblingsGoToClientsThatAcceptGzip) {
  testing::WriteFile(dir_ / "_nuxt/entry.Ab12Cd.js.gz", "GZIPPED-BYTES");
  Request plain = Get("/_nuxt/entry.Ab12Cd.js");
  auto identity = site_->Serve(plain);
  EXPECT_EQ(identity->body, "console.log('app')");
  EXPECT_EQ(identity->Header("Content-Encoding"), "");
  EXPECT_EQ(identity->Header("Vary"), "Accept-Encoding");
  for (const char* accept : {"gzip", "br, gzip;q=0.8", "GZIP, deflate"}) {
    Request request = Get("/_nuxt/entry.Ab12Cd.js");
    request.headers["accept-encoding"] = accept;
    auto response = site_->Serve(request);
    EXPECT_EQ(response->body, "GZIPPED-BYTES") << accept;
    EXPECT_EQ(response->Header("Content-Encoding"), "gzip") << accept;
    EXPECT_EQ(response->content_type, "text/javascript; charset=utf-8") << accept;
  }
  for (const char* accept : {"gzip;q=0", "br", "deflate, identity", "xgzip"}) {
    Request request = Get("/_nuxt/entry.Ab12Cd.js");
    request.headers["accept-encoding"] = accept;
    EXPECT_EQ(site_->Serve(request)->body, "console.log('app')") << accept;
  }
  // No sibling: the file as it is.
  Request css = Get("/_nuxt/entry.Ab12Cd.css");
  css.headers["accept-encoding"] = "gzip";
  EXPECT_EQ(site_->Serve(css)->body, "body{}");
}

TEST_F(StaticSiteTest, PathTraversalIsRefused) {
  const std::string escape = "/../" + outside_.path().filename().string() + "/secret.txt";
  for (const std::string& path : {escape, std::string("/_nuxt/../../etc/passwd"), "/docs/../../" + outside_.path().filename().string() + "/secret.txt",
                                  std::string("/a\\..\\secret.txt"), std::string("/x\0y", 4), std::string("nope")}) {
    auto response = site_->Serve(Get(path));
    ASSERT_TRUE(response) << path;
    EXPECT_EQ(response->status, 404) << path;
    EXPECT_EQ(response->body.find("do not serve"), std::string::npos) << path;
  }
}

TEST_F(StaticSiteTest, SymlinksOutOfTheDirectoryAreNotFollowed) {
  std::filesystem::create_symlink(outside_ / "secret.txt", dir_ / "leak.txt");
  auto response = site_->Serve(Get("/leak.txt"));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 404);
  // Nor through a precompressed sibling.
  std::filesystem::create_symlink(outside_ / "secret.txt", dir_ / "favicon.svg.gz");
  Request gzip = Get("/favicon.svg");
  gzip.headers["accept-encoding"] = "gzip";
  auto icon = site_->Serve(gzip);
  EXPECT_EQ(icon->body, "<svg/>");
}

TEST(StaticSiteOpenTest, RejectsADirectoryWithoutABuildNamingTheSetting) {
  testing::TempDir empty;
  auto missing = StaticSite::Open((empty / "nope").string());
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().field, "FRONTEND_DIR");
  auto no_index = StaticSite::Open(empty.str());
  ASSERT_FALSE(no_index);
  EXPECT_EQ(no_index.error().field, "FRONTEND_DIR");
  EXPECT_NE(no_index.error().message.find("index.html"), std::string::npos);
}

TEST(StaticSiteOpenTest, WithoutA200PageClientRoutesGetIndex) {
  testing::TempDir dir;
  testing::WriteFile(dir / "index.html", "<title>only index</title>");
  auto site = StaticSite::Open(dir.str());
  ASSERT_TRUE(site);
  EXPECT_NE(site->Serve(Get("/operations"))->body.find("only index"), std::string::npos);
}

TEST(ContentTypeTest, KnownAndUnknownExtensions) {
  EXPECT_EQ(ContentTypeForPath("/a/b.HTML"), "text/html; charset=utf-8");
  EXPECT_EQ(ContentTypeForPath("x.woff2"), "font/woff2");
  EXPECT_EQ(ContentTypeForPath("x.json"), "application/json");
  EXPECT_EQ(ContentTypeForPath("/dir.d/file"), "application/octet-stream");
  EXPECT_EQ(ContentTypeForPath("x.bin"), "application/octet-stream");
}

TEST(RouterFallbackTest, UnmatchedPathsGoToTheFallbackButNotTo405s) {
  Router router;
  router.Add({"GET", "/api/models", "List", "models"}, [](const Request&) { return JsonResponse(200, "[]"); });
  router.Add({"POST", "/api/clear", "Clear", "models"}, [](const Request&) { return JsonResponse(200, "{}"); });
  router.SetFallback("static", [](const Request& r) -> std::optional<Response> {
    if (r.path.rfind("/api", 0) == 0) return std::nullopt;
    Response response;
    response.content_type = "text/html";
    response.body = "shell";
    return response;
  });
  std::string route;
  Request page = Get("/models");
  EXPECT_EQ(router.Dispatch(page, &route).body, "shell");
  EXPECT_EQ(route, "static");
  Request api_miss = Get("/api/nothing");
  EXPECT_EQ(router.Dispatch(api_miss, &route).status, 404);
  EXPECT_EQ(route, "unmatched");
  Request wrong_method = Get("/api/clear");
  EXPECT_EQ(router.Dispatch(wrong_method, &route).status, 405);
  Request routed = Get("/api/models");
  EXPECT_EQ(router.Dispatch(routed, &route).body, "[]");
  // The fallback is no route: the OpenAPI document does not list it.
  auto doc = boost::json::parse(BuildOpenApiDocument(router, "test")).as_object();
  EXPECT_EQ(doc.at("paths").as_object().size(), 2u);
}

TEST(RouterFallbackTest, AThrowingFallbackIsA500WithoutDetails) {
  Router router;
  router.SetFallback("static", [](const Request&) -> std::optional<Response> { throw std::runtime_error("disk detail"); });
  Request request = Get("/x");
  Response response = router.Dispatch(request);
  EXPECT_EQ(response.status, 500);
  EXPECT_EQ(response.body.find("disk detail"), std::string::npos);
}

}  // namespace
}  // namespace rc::server
