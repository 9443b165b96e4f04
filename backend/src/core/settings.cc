#include "core/settings.h"

#include "core/strings.h"
#include "core/time.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <functional>
#include <sstream>
#include <toml++/toml.h>

namespace rc {
namespace {

// One row per setting: how to parse its text form into Settings, and how to
// print it back. Text is the common currency of env vars, flags and TOML.
struct SettingDef {
  SettingInfo info;
  std::function<Status(Settings&, const std::string& text, const std::string& where)> parse;
  std::function<std::string(const Settings&)> print;
};

std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> items;
  std::stringstream stream(text);
  std::string item;
  while (std::getline(stream, item, ',')) {
    item = TrimAscii(item);
    if (!item.empty()) items.push_back(item);
  }
  return items;
}

std::string JoinList(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += ',';
    out += item;
  }
  return out;
}

Result<int64_t> ParseInteger(const std::string& text, int64_t min, int64_t max, const std::string& where) {
  int64_t value = 0;
  const std::string trimmed(TrimAscii(text));
  auto [ptr, ec] = std::from_chars(trimmed.data(), trimmed.data() + trimmed.size(), value);
  if (trimmed.empty() || ec != std::errc() || ptr != trimmed.data() + trimmed.size() || value < min ||
      value > max) {
    return InvalidArgument(where, "must be an integer in " + std::to_string(min) + ".." + std::to_string(max) +
                                      ", got '" + text.substr(0, 40) + "'");
  }
  return value;
}

// A number in the open interval (min, max); the message names the range.
Result<double> ParseBoundedDouble(const std::string& text, double min, double max, const std::string& where) {
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !(value > min && value < max)) {
    std::ostringstream range;
    range << "must be a number in (" << min << ", " << max << "), got '" << text.substr(0, 40) << "'";
    return InvalidArgument(where, range.str());
  }
  return value;
}

std::string FormatDouble(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

SettingDef IntSetting(std::string name, std::string env, std::string description, int Settings::*member,
                      int64_t min, int64_t max) {
  return {{std::move(name), std::move(env), std::move(description), false},
          [member, min, max](Settings& s, const std::string& text, const std::string& where) -> Status {
            RC_ASSIGN_OR_RETURN(int64_t value, ParseInteger(text, min, max, where));
            s.*member = static_cast<int>(value);
            return Ok();
          },
          [member](const Settings& s) { return std::to_string(s.*member); }};
}

SettingDef StringSetting(std::string name, std::string env, std::string description,
                         std::string Settings::*member, bool secret = false,
                         std::function<Status(const std::string&, const std::string&)> check = nullptr) {
  return {{std::move(name), std::move(env), std::move(description), secret},
          [member, check](Settings& s, const std::string& text, const std::string& where) -> Status {
            if (check) RC_RETURN_IF_ERROR(check(text, where));
            s.*member = text;
            return Ok();
          },
          [member](const Settings& s) { return s.*member; }};
}

Status CheckOneOf(const std::string& text, const std::string& where, std::initializer_list<const char*> allowed) {
  std::string list;
  for (const char* option : allowed) {
    if (text == option) return Ok();
    if (!list.empty()) list += ", ";
    list += option;
  }
  return InvalidArgument(where, "must be one of " + list + ", got '" + text.substr(0, 40) + "'");
}

// true/false (or 1/0); printed back as true or false.
SettingDef BoolSetting(std::string name, std::string env, std::string description, bool Settings::*member) {
  return {{std::move(name), std::move(env), std::move(description), false},
          [member](Settings& s, const std::string& text, const std::string& where) -> Status {
            RC_RETURN_IF_ERROR(CheckOneOf(text, where, {"true", "false", "1", "0"}));
            s.*member = text == "true" || text == "1";
            return Ok();
          },
          [member](const Settings& s) { return std::string(s.*member ? "true" : "false"); }};
}

// A number in the open interval (min, max).
SettingDef DoubleSetting(std::string name, std::string env, std::string description, double Settings::*member,
                         double min, double max) {
  return {{std::move(name), std::move(env), std::move(description), false},
          [member, min, max](Settings& s, const std::string& text, const std::string& where) -> Status {
            RC_ASSIGN_OR_RETURN(s.*member, ParseBoundedDouble(text, min, max, where));
            return Ok();
          },
          [member](const Settings& s) { return FormatDouble(s.*member); }};
}

// A comma list (items trimmed, empty items dropped), every item passed through `check_item`.
SettingDef ListSetting(std::string name, std::string env, std::string description,
                       std::vector<std::string> Settings::*member,
                       std::function<Status(const std::string& item, const std::string& where)> check_item) {
  return {{std::move(name), std::move(env), std::move(description), false},
          [member, check_item](Settings& s, const std::string& text, const std::string& where) -> Status {
            auto items = SplitList(text);
            for (const auto& item : items) RC_RETURN_IF_ERROR(check_item(item, where));
            s.*member = std::move(items);
            return Ok();
          },
          [member](const Settings& s) { return JoinList(s.*member); }};
}

Status CheckNotEmpty(const std::string& text, const std::string& where) {
  if (text.empty()) return InvalidArgument(where, "must not be empty");
  return Ok();
}

Status CheckProvider(const std::string& text, const std::string& where) {
  return CheckOneOf(text, where, {"yahoo", "twelvedata", "csv", "sim", "replay"});
}

Status CheckBaseUrl(const std::string& text, const std::string& where) {
  const bool http = text.rfind("http://", 0) == 0 || text.rfind("https://", 0) == 0;
  const size_t scheme_end = text.find("://");
  const std::string rest = scheme_end == std::string::npos ? "" : text.substr(scheme_end + 3);
  if (!http || rest.empty() || rest.find('/') != std::string::npos || rest.find_first_of(" ?#") != std::string::npos) {
    return InvalidArgument(where, "must be scheme://host[:port] with scheme http or https and no path, got '" +
                                      text.substr(0, 80) + "'");
  }
  return Ok();
}

const std::vector<SettingDef>& Definitions() {
  static const std::vector<SettingDef> defs = [] {
    std::vector<SettingDef> d;
    d.push_back(StringSetting("host", "HOST",
                              "Address the HTTP server binds (a non-loopback address without API_TOKEN generates "
                              "one in <DATA_DIR>/.api_token)",
                              &Settings::host, false, CheckNotEmpty));
    d.push_back(IntSetting("port", "PORT", "HTTP/WebSocket port (0 picks a free port)", &Settings::port, 0, 65535));
    d.push_back(IntSetting("http_threads", "HTTP_THREADS", "Threads serving HTTP (WebSocket sessions run on 2 threads of their own)",
                           &Settings::http_threads, 1, 64));
    d.push_back({{"max_body_bytes", "MAX_BODY_BYTES", "Largest accepted request body (413 above)", false},
                 [](Settings& s, const std::string& text, const std::string& where) -> Status {
                   RC_ASSIGN_OR_RETURN(s.max_body_bytes, ParseInteger(text, 1024, int64_t{1} << 30, where));
                   return Ok();
                 },
                 [](const Settings& s) { return std::to_string(s.max_body_bytes); }});
    d.push_back(IntSetting("request_timeout_seconds", "REQUEST_TIMEOUT_SECONDS",
                           "Timeout for reading a request's header and body", &Settings::request_timeout_seconds, 1,
                           3600));
    d.push_back(StringSetting("api_token", "API_TOKEN",
                              "Token required by mutating endpoints (empty: none on loopback, generated otherwise)",
                              &Settings::api_token, true));
    d.push_back(StringSetting("frontend_dir", "FRONTEND_DIR", "Built Nuxt front end served at / (empty: none)",
                              &Settings::frontend_dir));
    d.push_back(ListSetting("cors_allowed_origins", "CORS_ALLOWED_ORIGINS",
                            "Comma list of browser origins (scheme://host[:port]) allowed to call the API (empty: same "
                            "origin only)",
                            &Settings::cors_allowed_origins,
                            [](const std::string& item, const std::string& where) -> Status {
                              if (item == "*") return InvalidArgument(where, "list the origins; '*' is not accepted");
                              return CheckBaseUrl(item, where);
                            }));
    d.push_back(StringSetting("log_level", "LOG_LEVEL", "trace, debug, info, warn, error, critical or off",
                              &Settings::log_level, false,
                              [](const std::string& v, const std::string& where) {
                                return CheckOneOf(v, where,
                                                  {"trace", "debug", "info", "warn", "error", "critical", "off"});
                              }));
    d.push_back({{"log_format", "LOG_FORMAT", "text or json", false},
                 [](Settings& s, const std::string& text, const std::string& where) -> Status {
                   RC_RETURN_IF_ERROR(CheckOneOf(text, where, {"text", "json"}));
                   s.log_format = text == "json" ? LogFormat::kJson : LogFormat::kText;
                   return Ok();
                 },
                 [](const Settings& s) { return std::string(s.log_format == LogFormat::kJson ? "json" : "text"); }});
    d.push_back(IntSetting("ws_heartbeat_interval", "WS_HEARTBEAT_INTERVAL", "Seconds between websocket heartbeats",
                           &Settings::ws_heartbeat_interval, 1, 3600));
    d.push_back(IntSetting("ws_max_connections", "WS_MAX_CONNECTIONS", "Concurrent websocket clients accepted",
                           &Settings::ws_max_connections, 1, 100000));
    d.push_back(IntSetting("ws_send_queue_limit", "WS_SEND_QUEUE_LIMIT",
                           "Queued outbound messages per client before the slow client is dropped",
                           &Settings::ws_send_queue_limit, 1, 100000));
    d.push_back(IntSetting("ws_rate_limit_per_second", "WS_RATE_LIMIT_PER_SECOND",
                           "Inbound websocket messages per client per second", &Settings::ws_rate_limit_per_second, 1,
                           10000));
    d.push_back(StringSetting("data_dir", "DATA_DIR", "Root of the lake and experiment registry",
                              &Settings::data_dir, false, CheckNotEmpty));
    d.push_back(StringSetting("primary_data_provider", "PRIMARY_DATA_PROVIDER", "yahoo, twelvedata, csv, sim or replay",
                              &Settings::primary_data_provider, false, CheckProvider));
    d.push_back(ListSetting("fallback_data_providers", "FALLBACK_DATA_PROVIDERS",
                            "Comma list tried after the primary (empty: twelvedata when TWELVEDATA_API_KEY is set)",
                            &Settings::fallback_data_providers, CheckProvider));
    d.push_back(StringSetting("yahoo_base_url", "YAHOO_BASE_URL", "Yahoo chart API base, scheme://host[:port]",
                              &Settings::yahoo_base_url, false, CheckBaseUrl));
    d.push_back(StringSetting("twelvedata_base_url", "TWELVEDATA_BASE_URL", "Twelve Data API base, scheme://host[:port]",
                              &Settings::twelvedata_base_url, false, CheckBaseUrl));
    d.push_back(StringSetting("twelvedata_api_key", "TWELVEDATA_API_KEY", "Twelve Data API key",
                              &Settings::twelvedata_api_key, true));
    d.push_back(IntSetting("provider_timeout_seconds", "PROVIDER_TIMEOUT_SECONDS", "Total timeout per provider request",
                           &Settings::provider_timeout_seconds, 1, 600));
    d.push_back(IntSetting("provider_max_retries", "PROVIDER_MAX_RETRIES", "Retries on 5xx/429/timeouts",
                           &Settings::provider_max_retries, 0, 10));
    d.push_back(IntSetting("provider_circuit_cooldown_seconds", "PROVIDER_CIRCUIT_COOLDOWN_SECONDS",
                           "A provider that failed 3 times in a row is skipped this long before it is tried again",
                           &Settings::provider_circuit_cooldown_seconds, 1, 3600));
    d.push_back(StringSetting("calendar_dir", "CALENDAR_DIR",
                              "Extra exchange holiday files (empty: <DATA_DIR>/calendars)", &Settings::calendar_dir));
    d.push_back(StringSetting("csv_dir", "CSV_DIR",
                              "CSV files served by the csv provider, <SYMBOL>_<TF>.csv (empty: <DATA_DIR>/import)",
                              &Settings::csv_dir));
    d.push_back(IntSetting("sim_seed", "SIM_SEED", "Seed of the sim provider's market", &Settings::sim_seed, 0,
                           2147483647));
    d.push_back(StringSetting("replay_source", "REPLAY_SOURCE",
                              "Bars the replay provider plays: a CSV path (NSE or generic layout) or lake:raw",
                              &Settings::replay_source, false,
                              [](const std::string& v, const std::string& where) -> Status {
                                if (v.rfind("lake:", 0) == 0 && v != "lake:raw") {
                                  return InvalidArgument(where, "the only lake source is lake:raw, got '" +
                                                                    v.substr(0, 40) + "'");
                                }
                                return Ok();
                              }));
    d.push_back(DoubleSetting("replay_speed", "REPLAY_SPEED",
                              "Replay seconds per wall second while the market is open (60: a 5m bar every 5 s)",
                              &Settings::replay_speed, 0, 1e7));
    d.push_back({{"replay_start", "REPLAY_START", "ISO time the replay starts at (empty: the source's first bar)",
                  false},
                 [](Settings& s, const std::string& text, const std::string& where) -> Status {
                   if (TrimAscii(text).empty()) {
                     s.replay_start.reset();
                     return Ok();
                   }
                   RC_ASSIGN_OR_RETURN(s.replay_start, ParseIsoUtc(TrimAscii(text), where));
                   return Ok();
                 },
                 [](const Settings& s) { return s.replay_start ? FormatIsoUtc(*s.replay_start) : std::string(); }});
    d.push_back(StringSetting("market_clock", "MARKET_CLOCK",
                              "Time the scheduler runs on. auto: replay time when PRIMARY_DATA_PROVIDER=replay, else "
                              "the wall clock; replay: replay time from REPLAY_START at REPLAY_SPEED with any provider "
                              "(a drill against recorded provider servers); wall",
                              &Settings::market_clock, false, [](const std::string& v, const std::string& where) {
                                return CheckOneOf(v, where, {"auto", "wall", "replay"});
                              }));
    d.push_back(BoolSetting("replay_forming_bar", "REPLAY_FORMING_BAR",
                            "Replay also serves the still-forming bar (its open price only), true or false",
                            &Settings::replay_forming_bar));
    d.push_back(StringSetting("demo", "DEMO",
                              "auto: replay the shipped sample when the lake is empty and no live provider answers; "
                              "on: always; off: never",
                              &Settings::demo, false, [](const std::string& v, const std::string& where) {
                                return CheckOneOf(v, where, {"auto", "on", "off"});
                              }));
    d.push_back(StringSetting("demo_data_dir", "DEMO_DATA_DIR", "The demo's own lake (empty: <DATA_DIR>/demo)",
                              &Settings::demo_data_dir));
    d.push_back(IntSetting("demo_history_days", "DEMO_HISTORY_DAYS",
                           "Sample trading days imported as the demo's history; the rest is replayed",
                           &Settings::demo_history_days, 1, 1000));
    d.push_back(ListSetting("watchlist", "WATCHLIST", "Comma list of SYMBOL:TIMEFRAME the scheduler keeps fresh",
                            &Settings::watchlist, [](const std::string& item, const std::string& where) -> Status {
                              if (item.find(':') == std::string::npos) {
                                return InvalidArgument(where, "entries must be SYMBOL:TIMEFRAME, got '" + item + "'");
                              }
                              return Ok();
                            }));
    d.push_back({{"horizons_minutes", "HORIZONS_MINUTES", "Comma list of prediction horizons in minutes", false},
                 [](Settings& s, const std::string& text, const std::string& where) -> Status {
                   std::vector<int> horizons;
                   for (const auto& item : SplitList(text)) {
                     RC_ASSIGN_OR_RETURN(int64_t h, ParseInteger(item, 1, 60 * 24 * 30, where));
                     horizons.push_back(static_cast<int>(h));
                   }
                   if (horizons.empty()) return InvalidArgument(where, "must list at least one horizon");
                   s.horizons_minutes = std::move(horizons);
                   return Ok();
                 },
                 [](const Settings& s) {
                   std::string out;
                   for (int h : s.horizons_minutes) out += (out.empty() ? "" : ",") + std::to_string(h);
                   return out;
                 }});
    d.push_back(BoolSetting("scheduler_enabled", "SCHEDULER_ENABLED", "true or false", &Settings::scheduler_enabled));
    d.push_back(IntSetting("retrain_interval_hours", "RETRAIN_INTERVAL_HOURS", "Scheduled retraining period",
                           &Settings::retrain_interval_hours, 1, 24 * 365));
    d.push_back(IntSetting("drift_check_interval_seconds", "DRIFT_CHECK_INTERVAL_SECONDS",
                           "Seconds between the server's prediction-quality (drift) checks",
                           &Settings::drift_check_interval_seconds, 1, 86400));
    d.push_back(DoubleSetting("drift_mape_threshold", "DRIFT_MAPE_THRESHOLD",
                              "MAPE (ratio) above which drift triggers retraining", &Settings::drift_mape_threshold, 0,
                              10));
    d.push_back(IntSetting("lake_maintenance_interval_seconds", "LAKE_MAINTENANCE_INTERVAL_SECONDS",
                           "Seconds (wall clock) between the server's lake vacuum and log cleanup; 0 turns it off",
                           &Settings::lake_maintenance_interval_seconds, 0, 86400));
    d.push_back(IntSetting("lake_retention_minutes", "LAKE_RETENTION_MINUTES",
                           "Time-travel window the lake vacuum keeps: replaced files and log entries older go",
                           &Settings::lake_retention_minutes, 1, 5256000));
    d.push_back(IntSetting("drift_retrain_checks", "DRIFT_RETRAIN_CHECKS",
                           "Drift checks in a row above DRIFT_MAPE_THRESHOLD before the server retrains",
                           &Settings::drift_retrain_checks, 1, 1000));
    d.push_back(IntSetting("drift_retrain_cooldown_hours", "DRIFT_RETRAIN_COOLDOWN_HOURS",
                           "Hours (market time) before drift may retrain the same series again",
                           &Settings::drift_retrain_cooldown_hours, 0, 24 * 365));
    d.push_back(IntSetting("scheduler_settle_seconds", "SCHEDULER_SETTLE_SECONDS",
                           "Seconds after a bar close before the scheduler fetches it", &Settings::scheduler_settle_seconds,
                           0, 3600));
    d.push_back(IntSetting("backfill_days", "BACKFILL_DAYS", "Days of history the scheduler fetches into an empty lake",
                           &Settings::backfill_days, 1, 3650));
    d.push_back(IntSetting("training_workers", "TRAINING_WORKERS",
                           "Training threads: series trained at once by a batch job or `train --all` (bounded pool)",
                           &Settings::training_workers, 1, 16));
    d.push_back(IntSetting("training_nice", "TRAINING_NICE",
                           "Nice value of the training threads (SCHED_BATCH, lower priority than serving; 19 = lowest)",
                           &Settings::training_nice, 0, 19));
    d.push_back(StringSetting("training_sched", "TRAINING_SCHED",
                              "Scheduling class of the training threads: batch (SCHED_BATCH at TRAINING_NICE) or idle "
                              "(SCHED_IDLE: the CPU only when nothing else wants it; may never finish on a busy machine)",
                              &Settings::training_sched, false,
                              [](const std::string& v, const std::string& where) {
                                return CheckOneOf(v, where, {"batch", "idle"});
                              }));
    return d;
  }();
  return defs;
}

// TOML values become the same text the env var would carry.
Result<std::string> TomlValueToText(const toml::node& node, const std::string& where) {
  if (auto v = node.value_exact<std::string>()) return *v;
  if (auto v = node.value_exact<int64_t>()) return std::to_string(*v);
  if (auto v = node.value_exact<bool>()) return std::string(*v ? "true" : "false");
  if (auto v = node.value_exact<double>()) {
    std::ostringstream out;
    out << *v;
    return out.str();
  }
  if (const toml::array* array = node.as_array()) {
    std::string joined;
    for (const toml::node& element : *array) {
      RC_ASSIGN_OR_RETURN(std::string text, TomlValueToText(element, where));
      joined += (joined.empty() ? "" : ",") + text;
    }
    return joined;
  }
  return InvalidArgument(where, "unsupported TOML value type (use a string, number, boolean or array)");
}

}  // namespace

const std::vector<SettingInfo>& AllSettings() {
  static const std::vector<SettingInfo> infos = [] {
    std::vector<SettingInfo> out;
    for (const auto& def : Definitions()) out.push_back(def.info);
    return out;
  }();
  return infos;
}

Result<Settings> LoadSettings(const std::string& config_path, char** env, const SettingsOverrides& flags) {
  Settings settings;
  const auto& defs = Definitions();
  auto find_def = [&](std::string_view name) -> const SettingDef* {
    for (const auto& def : defs) {
      if (def.info.name == name) return &def;
    }
    return nullptr;
  };

  if (!config_path.empty()) {
    toml::table table;
    try {
      table = toml::parse_file(config_path);
    } catch (const toml::parse_error& err) {
      std::ostringstream why;
      why << err.description() << " at line " << err.source().begin.line;
      return InvalidArgument("--config", "cannot parse " + config_path + ": " + why.str());
    }
    for (const auto& [key, node] : table) {
      const std::string name(key.str());
      const std::string where = config_path + ":" + name;
      const SettingDef* def = find_def(name);
      if (def == nullptr) return InvalidArgument(where, "unknown setting (see `regimecast config`)");
      RC_ASSIGN_OR_RETURN(std::string text, TomlValueToText(node, where));
      RC_RETURN_IF_ERROR(def->parse(settings, text, where));
    }
  }

  if (env != nullptr) {
    std::map<std::string, std::string> environment;
    for (char** entry = env; *entry != nullptr; ++entry) {
      const char* eq = std::strchr(*entry, '=');
      if (eq != nullptr) environment.emplace(std::string(*entry, static_cast<size_t>(eq - *entry)), std::string(eq + 1));
    }
    for (const auto& def : defs) {
      auto it = environment.find(def.info.env);
      if (it != environment.end()) RC_RETURN_IF_ERROR(def.parse(settings, it->second, def.info.env));
    }
  }

  for (const auto& [name, text] : flags) {
    const SettingDef* def = find_def(name);
    if (def == nullptr) return InvalidArgument("--" + name, "unknown setting");
    RC_RETURN_IF_ERROR(def->parse(settings, text, "--" + name));
  }

  const bool replays = settings.primary_data_provider == "replay" ||
                       std::find(settings.fallback_data_providers.begin(), settings.fallback_data_providers.end(),
                                 "replay") != settings.fallback_data_providers.end();
  if (replays && TrimAscii(settings.replay_source).empty()) {
    return InvalidArgument("REPLAY_SOURCE", "must name a CSV file or lake:raw when the replay provider is used");
  }
  if (settings.fallback_data_providers.empty() && !settings.twelvedata_api_key.empty() &&
      settings.primary_data_provider != "twelvedata") {
    settings.fallback_data_providers = {"twelvedata"};
  }
  return settings;
}

Result<WatchedSeries> ParseWatchedSeries(const std::string& entry, const std::string& field) {
  const size_t colon = entry.rfind(':');
  auto symbol = Symbol::Parse(entry.substr(0, colon), field);
  auto tf = colon == std::string::npos ? Timeframe::Parse("", field) : Timeframe::Parse(entry.substr(colon + 1), field);
  if (!symbol || !tf) {
    return InvalidArgument(field, "entry '" + entry.substr(0, 60) + "': " +
                                      (!symbol ? symbol.error().message : tf.error().message));
  }
  return WatchedSeries{*symbol, *tf};
}

Result<std::vector<WatchedSeries>> ParseWatchlist(const Settings& settings) {
  std::vector<WatchedSeries> out;
  for (const std::string& entry : settings.watchlist) {
    RC_ASSIGN_OR_RETURN(WatchedSeries series, ParseWatchedSeries(entry, "WATCHLIST"));
    out.push_back(std::move(series));
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> DescribeSettings(const Settings& settings) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& def : Definitions()) {
    std::string value = def.print(settings);
    if (def.info.secret && !value.empty()) value = "***";
    out.emplace_back(def.info.env, value);
  }
  return out;
}

}  // namespace rc
