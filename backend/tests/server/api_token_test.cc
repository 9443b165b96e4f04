#include "server/api_token.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>

#include "server/app.h"
#include "testing/matchers.h"
#include "testing/temp_dir.h"

namespace rc::server {
namespace {

TEST(ApiTokenTest, LoopbackIsOnlyThisMachine) {
  for (const char* host : {"127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1"}) EXPECT_TRUE(IsLoopbackHost(host)) << host;
  for (const char* host : {"0.0.0.0", "::", "10.0.0.5", "192.168.1.1", "128.0.0.1", "::ffff:10.0.0.1", "localhost", ""}) {
    EXPECT_FALSE(IsLoopbackHost(host)) << host;
  }
}

TEST(ApiTokenTest, GeneratedOnceWithMode0600AndReusedOnLaterStarts) {
  ::rc::testing::TempDir dir;
  auto first = LoadOrCreateApiToken(dir.str());
  ASSERT_TRUE(first.has_value()) << first.error().ToString();
  EXPECT_TRUE(first->created);
  EXPECT_EQ(first->path, (dir / ".api_token").string());
  EXPECT_EQ(first->token.size(), 64u);
  EXPECT_EQ(first->token.find_first_not_of("0123456789abcdef"), std::string::npos);
  struct stat info{};
  ASSERT_EQ(stat(first->path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  auto second = LoadOrCreateApiToken(dir.str());
  ASSERT_TRUE(second.has_value());
  EXPECT_FALSE(second->created);
  EXPECT_EQ(second->token, first->token);
  ::rc::testing::TempDir other;
  EXPECT_NE(LoadOrCreateApiToken(other.str())->token, first->token);  // random, not fixed
}

TEST(ApiTokenTest, UnsafeOrEmptyTokenFilesAreRefusedWithTheReason) {
  ::rc::testing::TempDir dir;
  const std::string path = (dir / ".api_token").string();
  std::ofstream(path) << "0123456789abcdef0123\n";
  chmod(path.c_str(), 0644);
  auto readable = LoadOrCreateApiToken(dir.str());
  ASSERT_FALSE(readable.has_value());
  EXPECT_EQ(readable.error().field, "API_TOKEN");
  EXPECT_NE(readable.error().message.find("644"), std::string::npos) << readable.error().message;
  chmod(path.c_str(), 0600);
  EXPECT_EQ(LoadOrCreateApiToken(dir.str())->token, "0123456789abcdef0123");  // a token the operator wrote
  std::ofstream(path, std::ios::trunc) << "short\n";
  auto too_short = LoadOrCreateApiToken(dir.str());
  ASSERT_FALSE(too_short.has_value());
  EXPECT_NE(too_short.error().message.find("does not hold a token"), std::string::npos);
}

TEST(ApiTokenTest, ComparisonIsExact) {
  EXPECT_TRUE(TokensEqual("abc", "abc"));
  EXPECT_FALSE(TokensEqual("abc", "abd"));
  EXPECT_FALSE(TokensEqual("abc", "abcd"));
  EXPECT_FALSE(TokensEqual("", "a"));
}

Response Clear(App& app, const std::string& authorization) {
  Request request;
  request.method = "POST";
  request.path = "/api/models/clear";
  request.body = R"({"dry_run":true})";
  if (!authorization.empty()) request.headers["authorization"] = authorization;
  return app.router().Dispatch(request);
}

Settings ServerSettings(const std::string& host, const std::string& data_dir) {
  Settings settings;
  settings.host = host;
  settings.data_dir = data_dir;
  settings.scheduler_enabled = false;
  return settings;
}

// The issue: /api/models/clear open to anyone who reaches port 8182.
TEST(ApiTokenTest, NonLoopbackServerWithoutApiTokenRequiresTheGeneratedOne) {
  ::rc::testing::TempDir dir;
  App app(ServerSettings("0.0.0.0", dir.str()));
  ASSERT_TRUE(app.Init().has_value());
  std::ifstream in(dir / ".api_token");
  std::string token;
  in >> token;
  ASSERT_EQ(token.size(), 64u);
  EXPECT_EQ(Clear(app, "").status, 401);
  EXPECT_EQ(Clear(app, "Bearer wrong").status, 403);
  EXPECT_EQ(Clear(app, "Bearer " + token).status, 200);
  Request health;
  health.method = "GET";
  health.path = "/health";
  EXPECT_NE(app.router().Dispatch(health).status, 401);  // reads stay open

  // A restart reuses the token rather than locking clients out.
  App again(ServerSettings("0.0.0.0", dir.str()));
  ASSERT_TRUE(again.Init().has_value());
  EXPECT_EQ(Clear(again, "Bearer " + token).status, 200);
}

TEST(ApiTokenTest, LoopbackOrExplicitTokenKeepsTodaysBehaviour) {
  ::rc::testing::TempDir dir;
  App loopback(ServerSettings("127.0.0.1", dir.str()));
  ASSERT_TRUE(loopback.Init().has_value());
  EXPECT_EQ(Clear(loopback, "").status, 200);
  EXPECT_FALSE(std::filesystem::exists(dir / ".api_token"));

  Settings explicit_token = ServerSettings("0.0.0.0", dir.str());
  explicit_token.api_token = "operator-chosen-token";
  App configured(explicit_token);
  ASSERT_TRUE(configured.Init().has_value());
  EXPECT_FALSE(std::filesystem::exists(dir / ".api_token"));
  EXPECT_EQ(Clear(configured, "").status, 401);
  EXPECT_EQ(Clear(configured, "Bearer operator-chosen-token").status, 200);
}

}  // namespace
}  // namespace rc::server
