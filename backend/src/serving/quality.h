// File: serving/quality.h
//
// Prediction quality, the runbook's drift signal. Every prediction the service
// serves is appended to data/gold/predictions (serving/gold_log.h). The drift check
// (RunDriftCheck; `regimecast drift-monitor`, and periodically inside the
// server) fills in realized_close from silver once a prediction's target bar
// exists, then measures the recent matured predictions of each series: MAPE of
// the expected close (a ratio: 0.08 = 8%), RMSE of log returns and band
// coverage, and publishes them as prediction_quality_metric{symbol,timeframe,metric}.
// The server checks incrementally (serving/drift_tracker.h); RunDriftCheck is
// the CLI's full check, safe beside a running server: it writes only the gold
// files that hold the closes it fills.
#pragma once

#include <array>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/symbol.h"
#include "core/timeframe.h"
#include "lake/column_batch.h"
#include "serving/prediction_service.h"

namespace rc::lake::layers {
class LayerTable;
}  // namespace rc::lake::layers

namespace rc::serving {

struct DriftOptions {
  std::string data_dir = "./data";
  double mape_threshold = 0.08;  // DRIFT_MAPE_THRESHOLD
  size_t window = 200;           // most recent matured predictions measured per series
  size_t min_matured = 20;       // fewer than this: no verdict
  std::optional<Symbol> symbol;
  std::optional<Timeframe> timeframe;
  // Called for each prediction whose realized close this check filled in, in
  // the order the predictions were made: the realized log return and the
  // served bands as log returns (the live ACI feed, serving/adaptive_bands.h).
  std::function<void(const Symbol&, Timeframe, int horizon_minutes, regime::Regime regime, double realized_return,
                     const std::vector<ml::BandOut>& bands)>
      on_realized;
};

struct SeriesQuality {
  Symbol symbol;
  Timeframe timeframe;
  int64_t predictions = 0;   // logged in gold
  int64_t matured = 0;       // with a realized close
  int64_t filled_now = 0;    // realized closes filled in by this check
  int64_t measured = 0;      // matured predictions in the window
  double mape = 0, rmse = 0;
  double coverage_50 = 0, coverage_80 = 0, coverage_95 = 0;
  bool drift = false;        // measured >= min_matured and mape > threshold
};

// Errors: lake errors (a concurrent writer may cause kConflict: retry later).
// Reads every gold partition and writes the closes it fills to the files that
// hold them: the one-shot check of the CLI (`drift-monitor`). The server checks
// incrementally (serving/drift_tracker.h), with the same results.
Result<std::vector<SeriesQuality>> RunDriftCheck(const DriftOptions& options);

// One logged prediction as the drift check measures it: the gold columns it
// reads, without the rest of the row (weights, experiment id, symbol).
struct LoggedPrediction {
  int64_t ts = 0;         // the prediction's bar
  int64_t target_ts = 0;  // the bar whose close realizes it
  int horizon_minutes = 0;
  std::optional<regime::Regime> regime;  // nullopt: unparsable in gold (not fed to the live bands)
  double last_close = 0, expected_close = 0, expected_return = 0;
  std::array<std::optional<std::pair<double, double>>, 3> bands;  // (lower, upper) at 50, 80, 95 %
  std::optional<double> realized_close;
};

// The rows of a gold batch (GoldPredictionsSchema), in row order.
std::vector<LoggedPrediction> LoggedPredictions(const lake::ColumnBatch& gold_rows);

// Fills quality.measured, mape, rmse, coverage_* and drift from `window` (the
// most recent matured predictions, oldest first; every realized_close set) and
// publishes prediction_quality_metric for the series (nothing when empty).
void MeasureWindow(const std::vector<const LoggedPrediction*>& window, const DriftOptions& options,
                   SeriesQuality& quality);

// Writes close_at[target_ts] into every row of a gold batch whose
// realized_close is still null; returns the rows filled, in row order.
std::vector<size_t> FillRealizedCloses(lake::ColumnBatch& gold_rows, const std::map<int64_t, double>& close_at);

// Writes realized closes (close_at: target_ts -> close) to gold by a Delta
// UPDATE of only the files whose target_ts stats overlap close_at's targets
// (lake::delta::Table::UpdateFiles), not the partition: a long session's
// settled files are neither read nor rewritten, so the cost, and the memory it
// takes, stay those of the recent files, and a server logging to the same
// partition meanwhile loses nothing. The lineage names the silver version the
// closes came from. Returns the rows filled.
Result<int64_t> CommitRealizedClosesInFiles(lake::layers::LayerTable& gold, const Symbol& symbol, Timeframe tf,
                                            const std::map<int64_t, double>& close_at, int64_t silver_version);

// Calls options.on_realized for a prediction just realized (when it has all
// three bands, a regime and positive prices).
void ReportRealized(const LoggedPrediction& prediction, const Symbol& symbol, Timeframe tf,
                    const DriftOptions& options);

// Sets ingestion_lag_seconds{symbol,timeframe} = now - close of the newest
// bronze bar, for every bronze partition (reads only the ts column).
Status UpdateIngestionLag(const std::string& data_dir, int64_t now);

}  // namespace rc::serving
