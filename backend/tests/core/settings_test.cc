#include "core/settings.h"

#include <gtest/gtest.h>

#include "core/time.h"
#include "testing/matchers.h"
#include "testing/temp_dir.h"

namespace rc {
namespace {

using ::rc::testing::ErrorIs;
using ::rc::testing::IsOk;

// A NULL-terminated environment built from strings.
class Env {
 public:
  Env(std::initializer_list<std::string> entries) : storage_(entries) {
    for (auto& entry : storage_) pointers_.push_back(entry.data());
    pointers_.push_back(nullptr);
  }
  char** get() { return pointers_.data(); }

 private:
  std::vector<std::string> storage_;
  std::vector<char*> pointers_;
};

TEST(SettingsTest, DefaultsMatchTheRunbook) {
  Env env{};
  auto s = LoadSettings("", env.get(), {});
  ASSERT_THAT(s, IsOk());
  EXPECT_EQ(s->port, 8182);
  EXPECT_EQ(s->primary_data_provider, "yahoo");
  EXPECT_EQ(s->data_dir, "./data");
  EXPECT_TRUE(s->fallback_data_providers.empty());
}

TEST(SettingsTest, PrecedenceIsFlagsOverEnvOverFileOverDefaults) {
  ::rc::testing::TempDir dir;
  ::rc::testing::WriteFile(dir / "rc.toml", "port = 9000\nhost = \"0.0.0.0\"\nwatchlist = [\"TCS.NS:5m\", \"INFY.NS:15m\"]\n");
  Env env{"PORT=9100", "PRIMARY_DATA_PROVIDER=twelvedata"};
  auto s = LoadSettings((dir / "rc.toml").string(), env.get(), {{"data_dir", "/x"}});
  ASSERT_THAT(s, IsOk());
  EXPECT_EQ(s->port, 9100);            // env beats file
  EXPECT_EQ(s->host, "0.0.0.0");       // file beats default (127.0.0.1)
  EXPECT_EQ(s->data_dir, "/x");        // flag
  EXPECT_EQ(s->primary_data_provider, "twelvedata");
  EXPECT_EQ(s->watchlist, (std::vector<std::string>{"TCS.NS:5m", "INFY.NS:15m"}));
  auto flagged = LoadSettings((dir / "rc.toml").string(), env.get(), {{"port", "9200"}});
  EXPECT_EQ(flagged->port, 9200);      // flag beats env
}

TEST(SettingsTest, SafeServerDefaultsAndCorsList) {
  Env none{};
  auto defaults = LoadSettings("", none.get(), {});
  ASSERT_THAT(defaults, IsOk());
  EXPECT_EQ(defaults->host, "127.0.0.1");  // loopback unless asked
  EXPECT_TRUE(defaults->cors_allowed_origins.empty());  // same origin only
  Env env{"CORS_ALLOWED_ORIGINS= https://dash.example.com , http://localhost:3000"};
  auto s = LoadSettings("", env.get(), {});
  ASSERT_THAT(s, IsOk());
  EXPECT_EQ(s->cors_allowed_origins,
            (std::vector<std::string>{"https://dash.example.com", "http://localhost:3000"}));
}

TEST(SettingsTest, TwelveDataBecomesTheFallbackWhenAKeyIsSet) {
  Env env{"TWELVEDATA_API_KEY=abc"};
  auto s = LoadSettings("", env.get(), {});
  ASSERT_THAT(s, IsOk());
  EXPECT_EQ(s->fallback_data_providers, std::vector<std::string>{"twelvedata"});
}

TEST(SettingsTest, InvalidValuesNameTheSetting) {
  struct Case {
    std::string entry;
    std::string field;
  };
  for (const Case& c : std::vector<Case>{{"PORT=abc", "PORT"},
                                         {"PORT=70000", "PORT"},
                                         {"WS_HEARTBEAT_INTERVAL=0", "WS_HEARTBEAT_INTERVAL"},
                                         {"PRIMARY_DATA_PROVIDER=bloomberg", "PRIMARY_DATA_PROVIDER"},
                                         {"FALLBACK_DATA_PROVIDERS=yahoo,nope", "FALLBACK_DATA_PROVIDERS"},
                                         {"YAHOO_BASE_URL=ftp://x", "YAHOO_BASE_URL"},
                                         {"YAHOO_BASE_URL=http://host/path", "YAHOO_BASE_URL"},
                                         {"LOG_LEVEL=loud", "LOG_LEVEL"},
                                         {"LOG_FORMAT=xml", "LOG_FORMAT"},
                                         {"HORIZONS_MINUTES=abc", "HORIZONS_MINUTES"},
                                         {"WATCHLIST=TCS.NS", "WATCHLIST"},
                                         {"DRIFT_MAPE_THRESHOLD=-1", "DRIFT_MAPE_THRESHOLD"},
                                         {"SCHEDULER_ENABLED=maybe", "SCHEDULER_ENABLED"},
                                         {"REPLAY_SPEED=0", "REPLAY_SPEED"},
                                         {"REPLAY_SPEED=-5", "REPLAY_SPEED"},
                                         {"REPLAY_SPEED=fast", "REPLAY_SPEED"},
                                         {"REPLAY_START=yesterday", "REPLAY_START"},
                                         {"REPLAY_SOURCE=lake:gold", "REPLAY_SOURCE"},
                                         {"REPLAY_FORMING_BAR=perhaps", "REPLAY_FORMING_BAR"},
                                         {"DEMO=sometimes", "DEMO"},
                                         {"DEMO_HISTORY_DAYS=0", "DEMO_HISTORY_DAYS"},
                                         {"CORS_ALLOWED_ORIGINS=*", "CORS_ALLOWED_ORIGINS"},
                                         {"CORS_ALLOWED_ORIGINS=https://a.example,dash.example", "CORS_ALLOWED_ORIGINS"},
                                         {"CORS_ALLOWED_ORIGINS=https://a.example/", "CORS_ALLOWED_ORIGINS"}}) {
    Env env{c.entry};
    EXPECT_THAT(LoadSettings("", env.get(), {}), ErrorIs(ErrorCode::kInvalidArgument, c.field)) << c.entry;
  }
}

TEST(SettingsTest, ReplaySettings) {
  Env defaults{};
  auto d = LoadSettings("", defaults.get(), {});
  ASSERT_THAT(d, IsOk());
  EXPECT_EQ(d->replay_speed, 60.0);
  EXPECT_FALSE(d->replay_start.has_value());
  EXPECT_EQ(d->demo, "auto");

  Env env{"PRIMARY_DATA_PROVIDER=replay", "REPLAY_SOURCE=lake:raw", "REPLAY_SPEED=2.5",
          "REPLAY_START=2021-06-01T09:15:00+05:30"};
  auto s = LoadSettings("", env.get(), {});
  ASSERT_THAT(s, IsOk());
  EXPECT_EQ(s->replay_speed, 2.5);
  ASSERT_TRUE(s->replay_start.has_value());
  EXPECT_EQ(FormatIsoUtc(*s->replay_start), "2021-06-01T03:45:00Z");
  bool described = false;
  for (const auto& [name, value] : DescribeSettings(*s)) {
    if (name == "REPLAY_START") {
      described = value == "2021-06-01T03:45:00Z";
    }
  }
  EXPECT_TRUE(described);

  // The replay provider without a source is a configuration error, as primary or as fallback.
  Env missing{"PRIMARY_DATA_PROVIDER=replay"};
  EXPECT_THAT(LoadSettings("", missing.get(), {}), ErrorIs(ErrorCode::kInvalidArgument, "REPLAY_SOURCE"));
  Env fallback{"FALLBACK_DATA_PROVIDERS=sim,replay"};
  EXPECT_THAT(LoadSettings("", fallback.get(), {}), ErrorIs(ErrorCode::kInvalidArgument, "REPLAY_SOURCE"));
}

TEST(SettingsTest, UnknownFileKeysAndBadTomlAreRejected) {
  ::rc::testing::TempDir dir;
  ::rc::testing::WriteFile(dir / "typo.toml", "prot = 80\n");
  Env env{};
  auto typo = LoadSettings((dir / "typo.toml").string(), env.get(), {});
  ASSERT_FALSE(typo.has_value());
  EXPECT_NE(typo.error().field.find("prot"), std::string::npos);
  ::rc::testing::WriteFile(dir / "broken.toml", "port = [\n");
  EXPECT_THAT(LoadSettings((dir / "broken.toml").string(), env.get(), {}),
              ErrorIs(ErrorCode::kInvalidArgument, "--config"));
  EXPECT_THAT(LoadSettings("", env.get(), {{"no_such", "1"}}), ErrorIs(ErrorCode::kInvalidArgument, "--no_such"));
}

TEST(SettingsTest, DescribeMasksSecrets) {
  Env env{"TWELVEDATA_API_KEY=sekrit", "API_TOKEN=tok"};
  auto s = LoadSettings("", env.get(), {});
  ASSERT_THAT(s, IsOk());
  bool token_listed = false;
  for (const auto& [name, value] : DescribeSettings(*s)) {
    EXPECT_EQ(value.find("sekrit"), std::string::npos) << name;
    if (name == "API_TOKEN") {
      token_listed = true;
      EXPECT_EQ(value, "***");
    }
  }
  EXPECT_TRUE(token_listed) << "API_TOKEN is not among the described settings";
}

}  // namespace
}  // namespace rc
