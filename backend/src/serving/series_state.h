// File: serving/series_state.h
//
// Everything the service needs to answer for one (symbol, timeframe) from
// memory: the streaming feature state (the same indicator objects silver is
// computed with), the streaming regime detector, the latest feature row, the
// closes the degraded bands need, and the silver version it reflects. Built
// once from silver (folding its bars through fresh streaming objects, exactly
// as the pipeline and DetectSilverRegime do) and then advanced one closed bar at
// a time, so a live bar costs one indicator update instead of a lake read.
// The result for the same bars is identical to the batch path
// (backend/tests/serving/series_state_test.cc checks every feature, regime and
// prediction bar by bar).
//
//   RC_ASSIGN_OR_RETURN(auto slice, rc::ml::LoadSilver(data_dir, symbol, tf));
//   RC_ASSIGN_OR_RETURN(auto state, rc::serving::SeriesState::FromSilver(slice, symbol, tf));
//   state->Advance(bar);                                     // a new closed bar
//   auto request = state->Request(180, rc::NowMicros());     // -> ml::Predict
//
// Not thread-safe: serving/series_book.h owns the instances and their locks.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/bar.h"
#include "core/calendar.h"
#include "core/error.h"
#include "core/symbol.h"
#include "core/timeframe.h"
#include "features/feature_set.h"
#include "ml/pooled/pooled_live.h"
#include "ml/predict/predictor.h"
#include "ml/silver_source.h"
#include "regime/detector.h"

namespace rc::serving {

// The bars of a silver slice (its OHLCV columns), oldest first.
// Errors: kDataCorrupt naming a missing column.
Result<std::vector<Bar>> SilverBars(const ml::SilverSlice& slice);

class SeriesState {
 public:
  // Folds every silver row of `slice` (its OHLCV columns) through a fresh
  // feature state and regime detector. Errors: kDataCorrupt when silver lacks
  // OHLCV columns or names an unknown feature set; kNotFound when it is empty.
  static Result<std::unique_ptr<SeriesState>> FromSilver(const ml::SilverSlice& slice, const Symbol& symbol,
                                                         Timeframe timeframe);

  // Consumes the next closed regular-session bar (after the newest one; an
  // older or duplicate bar is refused with kInvalidArgument "ts" and changes
  // nothing). `silver_version` is the silver version that now holds the bar,
  // when the caller knows it (-1: unchanged).
  Status Advance(const Bar& bar, int64_t silver_version = -1);

  // The prediction input for `horizon_minutes` at wall time `wall_now`: the
  // latest feature row, the regime with staleness judged in market time
  // (ml::MarketNow), last close and recent volatility. Errors: kInvalidArgument
  // ("horizon_minutes") for a horizon that is not a multiple of the timeframe.
  Result<ml::PredictionRequest> Request(int horizon_minutes, int64_t wall_now) const;

  // The last ml::kPooledHistoryBars bars (time, close) as the pooled model's
  // input (y all NaN): what ml::PooledRowAt needs of this series.
  ml::PooledSeries PooledHistory(int horizon_bars) const;

  // The newest bar's regime at `wall_now` ("stale" unknown after a feed gap).
  regime::RegimeState RegimeAt(int64_t wall_now) const;

  const Symbol& symbol() const { return symbol_; }
  Timeframe timeframe() const { return timeframe_; }
  int64_t silver_version() const { return silver_version_; }
  int64_t last_bar_ts() const { return last_bar_.open_time; }
  const Bar& last_bar() const { return last_bar_; }
  size_t bars_seen() const { return bars_seen_; }
  // The feature row of the newest bar, in feature_set().columns() order.
  std::span<const double> FeatureRow() const { return features_->Row(); }
  const features::FeatureSet& feature_set() const { return features_->feature_set(); }
  // The newest bar's regime state (after hysteresis, before staleness).
  const regime::RegimeState& regime() const { return detector_.current(); }
  // The states of the last kRegimeHistory bars, oldest first (GET /api/regime).
  static constexpr size_t kRegimeHistory = 2000;
  const std::deque<regime::RegimeState>& recent_regimes() const { return recent_regimes_; }

 private:
  SeriesState(const Symbol& symbol, Timeframe timeframe, const features::FeatureSet& set);
  // Feeds one bar to the feature state and the detector (no checks).
  void Consume(const Bar& bar);
  // ml::MarketNow for the newest bar, with the calendar's expected newest bar
  // cached until the next bar close (the calendar walk is the costly part).
  int64_t MarketNowAt(int64_t wall_now) const;

  Symbol symbol_;
  Timeframe timeframe_;
  const ExchangeCalendar* calendar_;
  std::unique_ptr<features::FeatureState> features_;
  std::vector<std::string> model_features_;  // the feature set's model features
  std::vector<size_t> model_columns_;        // their indices in the feature row
  std::vector<std::pair<std::string, size_t>> regime_columns_;  // detector inputs: name -> row index
  regime::RegimeDetector detector_;
  std::deque<regime::RegimeState> recent_regimes_;
  std::deque<double> recent_closes_;         // the last kCloseWindow closes, for degraded bands
  std::deque<std::pair<int64_t, double>> pooled_history_;  // the last ml::kPooledHistoryBars (open time, close)
  Bar last_bar_;
  size_t bars_seen_ = 0;
  int64_t silver_version_ = -1;
  struct ExpectedBarCache {
    int64_t valid_from = 0, valid_until = 0;  // wall times [from, until) it holds for
    int64_t expected_open = 0;
  };
  mutable ExpectedBarCache expected_cache_;  // guarded like the rest (SeriesBook's series mutex)
};

}  // namespace rc::serving
