#include "monitoring/standard_metrics.h"

#include "core/build_info.h"

namespace rc::monitoring {
namespace {

// Around the 150 ms P95 SLA: 0.1 ms resolution at the bottom, 1 s at the top.
const std::vector<double> kPredictionBuckets = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                0.05,   0.075,   0.1,    0.125, 0.15,   0.2,   0.3,  0.5, 1.0};
const std::vector<double> kHttpBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                          0.1,    0.25,  0.5,    1.0,   2.5,  5.0,   10.0};
const std::vector<double> kProviderBuckets = {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0};

Registry& R() { return Registry::Default(); }

}  // namespace

Family<Histogram>& PredictionLatencySeconds() {
  static auto& f = R().AddHistogram("prediction_latency_seconds",
                                    "Time to produce one prediction (features, regime, gated ensemble, bands).",
                                    {"symbol", "timeframe"}, kPredictionBuckets);
  return f;
}
Family<Gauge>& MarketRegimeState() {
  static auto& f = R().AddGauge("market_regime_state",
                                "Current market regime: 1 for the current state, 0 for the others.",
                                {"symbol", "timeframe", "state"});
  return f;
}
Family<Gauge>& PredictionQualityMetric() {
  static auto& f = R().AddGauge("prediction_quality_metric",
                                "Realized prediction quality over the recent window (mape and coverage_95 are ratios).",
                                {"symbol", "timeframe", "metric"});
  return f;
}
Family<Counter>& CacheMissesTotal() {
  static auto& f = R().AddCounter("cache_misses_total", "Cache lookups that missed, by cache.", {"cache"});
  return f;
}
Family<Counter>& WebsocketConnectionsTotal() {
  static auto& f = R().AddCounter("websocket_connections_total", "Websocket connections accepted since start.");
  return f;
}
Family<Gauge>& WebsocketConnectionsActive() {
  static auto& f = R().AddGauge("websocket_connections_active", "Websocket connections currently open.");
  return f;
}
Family<Counter>& HttpRequestsTotal() {
  static auto& f = R().AddCounter("http_requests_total", "HTTP requests by route template, method and status code.",
                                  {"route", "method", "code"});
  return f;
}
Family<Histogram>& HttpRequestDurationSeconds() {
  static auto& f = R().AddHistogram("http_request_duration_seconds", "HTTP request handling time by route template.",
                                    {"route"}, kHttpBuckets);
  return f;
}
Family<Counter>& ErrorsTotal() {
  static auto& f = R().AddCounter("regimecast_errors_total", "Errors returned to clients, by error code.", {"code"});
  return f;
}
Family<Gauge>& BuildInfo() {
  static auto& f = R().AddGauge("regimecast_build_info", "Version and commit of this build (value 1).",
                                {"version", "commit"});
  return f;
}
Family<Counter>& ProviderRequestsTotal() {
  static auto& f = R().AddCounter("provider_requests_total", "Market data provider requests by outcome.",
                                  {"provider", "outcome"});
  return f;
}
Family<Histogram>& ProviderRequestDurationSeconds() {
  static auto& f = R().AddHistogram("provider_request_duration_seconds", "Market data provider request time.",
                                    {"provider"}, kProviderBuckets);
  return f;
}
Family<Counter>& ProviderFailoverTotal() {
  static auto& f = R().AddCounter("provider_failover_total", "Fetches served by a fallback after a provider failed.",
                                  {"from", "to"});
  return f;
}
Family<Counter>& IngestionBarsTotal() {
  static auto& f = R().AddCounter("ingestion_bars_total", "Bars committed to the lake, by layer.", {"layer"});
  return f;
}
Family<Gauge>& IngestionLagSeconds() {
  static auto& f = R().AddGauge("ingestion_lag_seconds", "Age of the newest bronze bar.", {"symbol", "timeframe"});
  return f;
}
Family<Counter>& TrainingRunsTotal() {
  static auto& f = R().AddCounter("training_runs_total", "Training runs by bot and outcome.", {"bot", "outcome"});
  return f;
}

Family<Counter>& GoldLogDroppedRowsTotal() {
  static auto& f = R().AddCounter("gold_log_dropped_rows_total",
                                  "Served predictions dropped from the gold log queue while commits kept failing.", {});
  return f;
}

Family<Counter>& StorageWriteFailuresTotal() {
  static auto& f = R().AddCounter("storage_write_failures_total",
                                  "Failed writes to the data directory (disk full, I/O error), by write path.", {"path"});
  return f;
}
Family<Gauge>& StorageDegraded() {
  static auto& f = R().AddGauge("storage_degraded",
                                "1 while the write path's last write failed (serving continues from memory).", {"path"});
  return f;
}

void SetRegimeState(const std::string& symbol, const std::string& timeframe, const std::string& state) {
  static const char* kStates[] = {"trending_up", "trending_down", "range_bound", "volatile", "neutral", "unknown"};
  for (const char* s : kStates) {
    MarketRegimeState().WithLabels({symbol, timeframe, s}).Set(state == s ? 1.0 : 0.0);
  }
}

void RegisterStandardMetrics() {
  PredictionLatencySeconds();
  MarketRegimeState();
  PredictionQualityMetric();
  CacheMissesTotal();
  WebsocketConnectionsTotal().WithLabels(std::vector<std::string>{});
  WebsocketConnectionsActive().WithLabels(std::vector<std::string>{});
  HttpRequestsTotal();
  HttpRequestDurationSeconds();
  ErrorsTotal();
  BuildInfo().WithLabels({BuildVersion(), BuildCommit()}).Set(1);
  ProviderRequestsTotal();
  ProviderRequestDurationSeconds();
  ProviderFailoverTotal();
  IngestionBarsTotal();
  IngestionLagSeconds();
  TrainingRunsTotal();
  GoldLogDroppedRowsTotal().WithLabels(std::vector<std::string>{});
  StorageWriteFailuresTotal();
  StorageDegraded();
}

}  // namespace rc::monitoring
