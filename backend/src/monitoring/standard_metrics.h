// File: monitoring/standard_metrics.h
//
// The metrics every operator procedure relies on, with the runbook's exact names,
// registered once in the default registry. Modules record through these
// accessors instead of registering their own copies.
#pragma once

#include "monitoring/metrics.h"

namespace rc::monitoring {

// Runbook §2/§4 names (fixed).
Family<Histogram>& PredictionLatencySeconds();    // prediction_latency_seconds{symbol,timeframe}
Family<Gauge>& MarketRegimeState();               // market_regime_state{symbol,timeframe,state}: 1 current, 0 others
Family<Gauge>& PredictionQualityMetric();         // prediction_quality_metric{symbol,timeframe,metric}
Family<Counter>& CacheMissesTotal();              // cache_misses_total{cache}
Family<Counter>& WebsocketConnectionsTotal();     // websocket_connections_total (opened, ever)
// Operator additions.
Family<Gauge>& WebsocketConnectionsActive();      // websocket_connections_active
Family<Counter>& HttpRequestsTotal();             // http_requests_total{route,method,code}
Family<Histogram>& HttpRequestDurationSeconds();  // http_request_duration_seconds{route}
Family<Counter>& ErrorsTotal();                   // regimecast_errors_total{code}
Family<Gauge>& BuildInfo();                       // regimecast_build_info{version,commit} = 1
// Market data (issue 4).
Family<Counter>& ProviderRequestsTotal();          // provider_requests_total{provider,outcome}
Family<Histogram>& ProviderRequestDurationSeconds();  // provider_request_duration_seconds{provider}
Family<Counter>& ProviderFailoverTotal();          // provider_failover_total{from,to}
Family<Counter>& IngestionBarsTotal();             // ingestion_bars_total{layer}
Family<Gauge>& IngestionLagSeconds();              // ingestion_lag_seconds{symbol,timeframe}
// ML (issue 5).
Family<Counter>& TrainingRunsTotal();              // training_runs_total{bot,outcome}
// Serving.
Family<Counter>& GoldLogDroppedRowsTotal();        // gold_log_dropped_rows_total
// Storage (issue 13): the live loop's writes to DATA_DIR, by write path
// ("raw", "pipeline", "gold_log", "gold_compaction", "training").
Family<Counter>& StorageWriteFailuresTotal();      // storage_write_failures_total{path}
Family<Gauge>& StorageDegraded();                  // storage_degraded{path}: 1 while its writes fail

// Sets market_regime_state for (symbol, timeframe): 1 for `state`, 0 for the
// other five states of the glossary.
void SetRegimeState(const std::string& symbol, const std::string& timeframe, const std::string& state);

// Registers every family above (so /metrics lists them before first use) and
// sets build info. Idempotent.
void RegisterStandardMetrics();

}  // namespace rc::monitoring
