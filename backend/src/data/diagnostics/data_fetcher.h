// File: data/diagnostics/data_fetcher.h
//
// The runbook's "Data Feed Gap" diagnostic (`regimecast data-fetcher`): probes
// every configured provider for one (symbol, timeframe) over the last N
// sessions of the exchange calendar and reports, per provider: reachable?,
// latency, newest bar and its age, bars missing against the calendar, circuit
// state and last error.
//
//   rc::data::DiagnosticReport r = rc::data::RunFeedDiagnostic(chain, {symbol, tf, 3, rc::NowMicros()});
//   std::cout << rc::data::FormatReportTable(r);   // or FormatReportJson(r)
//   return r.primary_healthy ? 0 : 1;
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/symbol.h"
#include "core/time.h"
#include "core/timeframe.h"
#include "data/failover/provider_chain.h"

namespace rc::data {

struct DiagnosticOptions {
  Symbol symbol;
  Timeframe timeframe;
  int sessions = 3;       // trading sessions to check, 1..60. Default: 3
  TimestampUs now = 0;    // the diagnostic's "now"
};

struct ProviderHealth {
  std::string provider;
  bool primary = false;
  bool reachable = false;            // the request succeeded
  double latency_seconds = 0;        // wall time of the probe, retries included
  int64_t bars = 0;                  // bars returned in the window
  std::optional<TimestampUs> newest_bar;    // open time of the newest bar
  std::optional<int64_t> newest_age_seconds;  // now - newest bar's close
  int64_t expected_bars = 0;         // complete regular bars the calendar expects in the window
  int64_t missing_bars = 0;          // expected but absent
  std::vector<TimestampUs> missing_sample;  // the first few missing open times
  int64_t lag_bars = 0;              // expected bars after the newest one received
  std::string circuit_state;         // "closed" "open" "half_open" after the probe
  std::string last_error;            // empty when reachable
  bool healthy = false;              // reachable, lag <= 2 bars and missing <= 5% of expected
};

struct DiagnosticReport {
  std::string symbol;
  std::string timeframe;
  int sessions = 0;
  TimestampUs checked_at = 0;
  TimestampUs window_from = 0;  // first regular-session open of the window
  std::vector<ProviderHealth> providers;  // chain order; the first is the primary
  bool primary_healthy = false;
};

// Probes every provider of `chain` (through its breaker, so the breaker state
// reflects the probe). Never fails: problems are reported per provider.
DiagnosticReport RunFeedDiagnostic(ProviderChain& chain, const DiagnosticOptions& options);

// A fixed-width table, one row per provider, then a verdict line.
std::string FormatReportTable(const DiagnosticReport& report);
// One JSON object: {"symbol","timeframe","sessions","checked_at","window_from",
// "primary_healthy","providers":[{...ProviderHealth fields, times ISO-8601}]}.
std::string FormatReportJson(const DiagnosticReport& report);

}  // namespace rc::data
