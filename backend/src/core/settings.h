// File: core/settings.h
//
// Effective configuration of a Regimecast process. Sources, lowest precedence
// first: built-in defaults < TOML file (--config) < environment variables <
// command-line flags. Every setting is declared once, in settings.cc's table
// (name, environment variable, TOML key, default, validation, description), so
// the loader, `regimecast config` and the README's settings table agree.
//
//   rc::SettingsOverrides flags{{"port", "9000"}};
//   RC_ASSIGN_OR_RETURN(rc::Settings s, rc::LoadSettings(config_path, environ, flags));
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/symbol.h"
#include "core/timeframe.h"

namespace rc {

enum class LogFormat { kText, kJson };

struct Settings {
  // --- server
  std::string host = "127.0.0.1";             // HOST (loopback by default; 0.0.0.0 needs a token, see server/api_token.h)
  int port = 8182;                            // PORT, 1..65535 (0 = pick a free port, for tests)
  int http_threads = 2;                       // HTTP_THREADS, 1..64
  int64_t max_body_bytes = 1 << 20;           // MAX_BODY_BYTES, request body limit (413 above)
  int request_timeout_seconds = 30;           // REQUEST_TIMEOUT_SECONDS, header/body read timeout
  std::string api_token;                      // API_TOKEN (secret); when set, mutating endpoints need it
  std::string frontend_dir;                   // FRONTEND_DIR, built Nuxt output served at /; empty = none
  std::vector<std::string> cors_allowed_origins;  // CORS_ALLOWED_ORIGINS, comma list of scheme://host[:port]; empty = same origin only
  // --- logging
  std::string log_level = "info";             // LOG_LEVEL: trace debug info warn error critical off
  LogFormat log_format = LogFormat::kText;    // LOG_FORMAT: text | json
  // --- websocket
  int ws_heartbeat_interval = 20;             // WS_HEARTBEAT_INTERVAL (seconds), settings.ws_heartbeat_interval
  int ws_max_connections = 1000;              // WS_MAX_CONNECTIONS
  int ws_send_queue_limit = 256;              // WS_SEND_QUEUE_LIMIT, messages per client before it is dropped
  int ws_rate_limit_per_second = 20;          // WS_RATE_LIMIT_PER_SECOND, inbound messages per client
  // --- data
  std::string data_dir = "./data";            // DATA_DIR
  std::string primary_data_provider = "yahoo";       // PRIMARY_DATA_PROVIDER: yahoo | twelvedata | csv | sim | replay
  std::vector<std::string> fallback_data_providers;  // FALLBACK_DATA_PROVIDERS, comma list; empty = twelvedata when a key is set
  std::string yahoo_base_url = "https://query2.finance.yahoo.com";  // YAHOO_BASE_URL, scheme://host[:port]
  std::string twelvedata_base_url = "https://api.twelvedata.com";   // TWELVEDATA_BASE_URL
  std::string twelvedata_api_key;             // TWELVEDATA_API_KEY (secret)
  int provider_timeout_seconds = 10;          // PROVIDER_TIMEOUT_SECONDS, total per request
  int provider_max_retries = 3;               // PROVIDER_MAX_RETRIES
  int provider_circuit_cooldown_seconds = 30;  // PROVIDER_CIRCUIT_COOLDOWN_SECONDS, open circuit -> retried after
  std::string calendar_dir;                   // CALENDAR_DIR, extra holiday files; empty = <DATA_DIR>/calendars
  std::string csv_dir;                        // CSV_DIR, files read by PRIMARY_DATA_PROVIDER=csv; empty = <DATA_DIR>/import
  int sim_seed = 42;                          // SIM_SEED, seed of PRIMARY_DATA_PROVIDER=sim (same seed+symbol = same history)
  // --- replay market and demo (data/providers/replay_provider.h, data/pipeline/demo.h)
  std::string replay_source;                  // REPLAY_SOURCE: a CSV path (NSE or generic layout) or "lake:raw"
  double replay_speed = 60.0;                 // REPLAY_SPEED, replay seconds per wall second while the market is open, > 0
  std::optional<int64_t> replay_start;        // REPLAY_START (ISO); unset = the source's first bar
  std::string market_clock = "auto";          // MARKET_CLOCK: auto (replay time when the primary is replay) | wall | replay
  bool replay_forming_bar = false;            // REPLAY_FORMING_BAR, also serve the still-forming bar (open price only)
  std::string demo = "auto";                  // DEMO: auto (when the lake is empty and no live provider answers) | off
  std::string demo_data_dir;                  // DEMO_DATA_DIR, the demo's own lake; empty = <DATA_DIR>/demo
  int demo_history_days = 20;                 // DEMO_HISTORY_DAYS, sample trading days imported as history (the rest is replayed)
  // --- scheduling and ML
  std::vector<std::string> watchlist = {"TCS.NS:5m"};  // WATCHLIST, comma list of SYMBOL:TF
  std::vector<int> horizons_minutes = {180};   // HORIZONS_MINUTES, comma list
  bool scheduler_enabled = true;              // SCHEDULER_ENABLED
  int retrain_interval_hours = 24;            // RETRAIN_INTERVAL_HOURS
  double drift_mape_threshold = 0.08;         // DRIFT_MAPE_THRESHOLD (runbook: MAPE > 8% sustained)
  int drift_check_interval_seconds = 300;     // DRIFT_CHECK_INTERVAL_SECONDS, how often the server measures quality
  int drift_retrain_checks = 3;               // DRIFT_RETRAIN_CHECKS, drifting checks in a row before a retraining
  int drift_retrain_cooldown_hours = 6;       // DRIFT_RETRAIN_COOLDOWN_HOURS, market hours between drift retrainings
  int scheduler_settle_seconds = 5;           // SCHEDULER_SETTLE_SECONDS, after a bar close before fetching it
  int backfill_days = 30;                     // BACKFILL_DAYS, first fetch into an empty lake
  int lake_maintenance_interval_seconds = 600;  // LAKE_MAINTENANCE_INTERVAL_SECONDS, vacuum + log cleanup period (0: never)
  int lake_retention_minutes = 7 * 24 * 60;   // LAKE_RETENTION_MINUTES, time-travel window kept by the vacuum (Delta: 7 days)
  int training_workers = 2;                   // TRAINING_WORKERS, 1..16: series trained at once (serving/training_pool.h)
  int training_nice = 10;                     // TRAINING_NICE, 0..19: nice value of the training threads
  std::string training_sched = "batch";       // TRAINING_SCHED, batch or idle: scheduling class of the training threads
};

// Name -> value pairs from flags, keyed by the setting's name ("port", "data_dir").
using SettingsOverrides = std::map<std::string, std::string>;

// Describes one setting (for `regimecast config`, docs and validation).
struct SettingInfo {
  std::string name;         // "ws_heartbeat_interval"
  std::string env;          // "WS_HEARTBEAT_INTERVAL"
  std::string description;
  bool secret = false;
};
const std::vector<SettingInfo>& AllSettings();

// Builds the effective settings. `config_path` may be empty (no file). `env`
// is the process environment (pass `environ`; tests pass their own).
// Errors: kInvalidArgument whose field is the setting's environment name (or
// "<file>:<key>" for file values) and whose message says why, e.g.
// "PORT: must be an integer in 0..65535, got 'abc'". Unknown keys in the TOML
// file are rejected (a typo should not be silently ignored).
Result<Settings> LoadSettings(const std::string& config_path, char** env, const SettingsOverrides& flags);

// One WATCHLIST entry, parsed.
struct WatchedSeries {
  Symbol symbol;
  Timeframe timeframe;
};

// One "SYMBOL:TF" entry. Errors: kInvalidArgument naming `field`, quoting the entry.
Result<WatchedSeries> ParseWatchedSeries(const std::string& entry, const std::string& field);

// WATCHLIST as symbols and timeframes, in order. Errors: kInvalidArgument
// naming WATCHLIST for an entry whose symbol or timeframe does not parse.
Result<std::vector<WatchedSeries>> ParseWatchlist(const Settings& settings);

// Current value of every setting as text, secrets masked as "***" when set.
std::vector<std::pair<std::string, std::string>> DescribeSettings(const Settings& settings);

}  // namespace rc
