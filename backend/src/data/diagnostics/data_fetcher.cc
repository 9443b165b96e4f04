#include "data/diagnostics/data_fetcher.h"

#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <set>

#include "core/calendar.h"
#include "core/json_text.h"

namespace rc::data {
namespace {

constexpr size_t kMissingSample = 5;

std::string Fixed(double value, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  return buf;
}

std::string Pad(std::string text, size_t width) {
  if (text.size() < width) text.append(width - text.size(), ' ');
  return text;
}

}  // namespace

DiagnosticReport RunFeedDiagnostic(ProviderChain& chain, const DiagnosticOptions& options) {
  const ExchangeCalendar& cal = ExchangeCalendar::ForSymbol(options.symbol);
  const int sessions = std::clamp(options.sessions, 1, 60);
  DiagnosticReport report;
  report.symbol = options.symbol.str();
  report.timeframe = std::string(options.timeframe.ToString());
  report.sessions = sessions;
  report.checked_at = options.now;

  // Window: the last `sessions` trading sessions that have opened by now.
  TimestampUs from = options.now;
  int found = 0;
  for (int64_t day = cal.LocalDay(options.now), guard = 0; found < sessions && guard < sessions * 3 + 30;
       --day, ++guard) {
    auto session = cal.RegularSession(day);
    if (!session || session->open >= options.now) continue;
    from = session->open;
    ++found;
  }
  report.window_from = from;
  std::vector<TimestampUs> expected;
  if (options.timeframe == Timeframe::k1d) {
    for (int64_t day = cal.LocalDay(from); day <= cal.LocalDay(options.now); ++day) {
      auto session = cal.RegularSession(day);
      if (session && session->close <= options.now && session->open >= from) expected.push_back(session->open);
    }
  } else {
    for (TimestampUs t : cal.TradingBars(from, options.now, options.timeframe)) {
      if (cal.BarClose(t, options.timeframe) <= options.now) expected.push_back(t);
    }
  }

  FetchRequest request{options.symbol, options.timeframe, from, std::max(options.now, from + 1)};
  for (size_t i = 0; i < chain.size(); ++i) {
    ProviderHealth health;
    health.provider = std::string(chain.provider(i).name());
    health.primary = i == 0;
    health.expected_bars = static_cast<int64_t>(expected.size());
    const auto started = std::chrono::steady_clock::now();
    auto result = chain.FetchFrom(health.provider, request);
    health.latency_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (result) {
      health.reachable = true;
      health.bars = static_cast<int64_t>(result->bars.size());
      std::set<TimestampUs> have;
      for (const RawBar& bar : result->bars) {
        if (!bar.AllPricesNull()) have.insert(bar.open_time);
      }
      if (!have.empty()) {
        health.newest_bar = *have.rbegin();
        const TimestampUs close = BarCloseTime(options.symbol, options.timeframe, *health.newest_bar);
        health.newest_age_seconds = std::max<int64_t>(0, (options.now - close) / kMicrosPerSecond);
      }
      for (TimestampUs t : expected) {
        if (have.count(t) == 0) {
          ++health.missing_bars;
          if (health.missing_sample.size() < kMissingSample) health.missing_sample.push_back(t);
        }
        if (!health.newest_bar || t > *health.newest_bar) ++health.lag_bars;
      }
      const int64_t allowed_missing = std::max<int64_t>(0, health.expected_bars / 20);
      health.healthy = health.lag_bars <= 2 && health.missing_bars <= allowed_missing &&
                       (health.expected_bars == 0 || health.bars > 0);
    } else {
      health.last_error = result.error().ToString();
    }
    health.circuit_state = std::string(CircuitStateName(chain.breaker(i).state()));
    if (health.last_error.empty() && !health.reachable) health.last_error = chain.breaker(i).last_error();
    report.providers.push_back(std::move(health));
  }
  report.primary_healthy = !report.providers.empty() && report.providers.front().healthy;
  return report;
}

std::string FormatReportTable(const DiagnosticReport& report) {
  std::string out = "Data feed diagnostic: " + report.symbol + " " + report.timeframe + ", last " +
                    std::to_string(report.sessions) + " session(s) since " + FormatIsoUtc(report.window_from) +
                    ", checked " + FormatIsoUtc(report.checked_at) + "\n";
  const std::vector<std::pair<std::string, size_t>> columns = {
      {"PROVIDER", 12}, {"ROLE", 9}, {"REACHABLE", 10}, {"LATENCY", 9}, {"BARS", 7}, {"NEWEST BAR", 22},
      {"AGE", 10},      {"MISSING", 11}, {"CIRCUIT", 10}, {"HEALTHY", 8}, {"LAST ERROR", 0}};
  for (const auto& [name, width] : columns) out += width ? Pad(name, width) : name;
  out += "\n";
  for (const ProviderHealth& p : report.providers) {
    out += Pad(p.provider, 12);
    out += Pad(p.primary ? "primary" : "fallback", 9);
    out += Pad(p.reachable ? "yes" : "no", 10);
    out += Pad(Fixed(p.latency_seconds * 1000, 0) + "ms", 9);
    out += Pad(std::to_string(p.bars), 7);
    out += Pad(p.newest_bar ? FormatIsoUtc(*p.newest_bar) : "-", 22);
    out += Pad(p.newest_age_seconds ? std::to_string(*p.newest_age_seconds) + "s" : "-", 10);
    out += Pad(std::to_string(p.missing_bars) + "/" + std::to_string(p.expected_bars), 11);
    out += Pad(p.circuit_state, 10);
    out += Pad(p.healthy ? "yes" : "NO", 8);
    std::string error = p.last_error;
    if (error.size() > 160) error = error.substr(0, 157) + "...";
    out += error.empty() ? "-" : error;
    out += "\n";
    if (!p.missing_sample.empty()) {
      out += "  missing e.g.:";
      for (TimestampUs t : p.missing_sample) out += " " + FormatIsoUtc(t);
      out += "\n";
    }
  }
  out += report.primary_healthy ? "primary provider healthy\n"
                                : "primary provider UNHEALTHY: see the runbook's Data Feed Gap procedure "
                                  "(set PRIMARY_DATA_PROVIDER to a healthy provider)\n";
  return out;
}

std::string FormatReportJson(const DiagnosticReport& report) {
  namespace json = boost::json;
  json::object root;
  root["symbol"] = report.symbol;
  root["timeframe"] = report.timeframe;
  root["sessions"] = report.sessions;
  root["checked_at"] = FormatIsoUtc(report.checked_at);
  root["window_from"] = FormatIsoUtc(report.window_from);
  root["primary_healthy"] = report.primary_healthy;
  json::array providers;
  for (const ProviderHealth& p : report.providers) {
    json::object o;
    o["provider"] = p.provider;
    o["primary"] = p.primary;
    o["reachable"] = p.reachable;
    o["latency_seconds"] = p.latency_seconds;
    o["bars"] = p.bars;
    o["newest_bar"] = p.newest_bar ? json::value(FormatIsoUtc(*p.newest_bar)) : json::value(nullptr);
    o["newest_age_seconds"] = p.newest_age_seconds ? json::value(*p.newest_age_seconds) : json::value(nullptr);
    o["expected_bars"] = p.expected_bars;
    o["missing_bars"] = p.missing_bars;
    json::array sample;
    for (TimestampUs t : p.missing_sample) sample.emplace_back(FormatIsoUtc(t));
    o["missing_sample"] = std::move(sample);
    o["lag_bars"] = p.lag_bars;
    o["circuit_state"] = p.circuit_state;
    o["last_error"] = p.last_error.empty() ? json::value(nullptr) : json::value(p.last_error);
    o["healthy"] = p.healthy;
    providers.push_back(std::move(o));
  }
  root["providers"] = std::move(providers);
  return JsonText(root) + "\n";
}

}  // namespace rc::data
