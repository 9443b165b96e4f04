#include "serving/series_state.h"

#include <cmath>
#include <map>

#include "core/numeric.h"
#include "ml/dataset.h"
#include "regime/regime_input.h"

namespace rc::serving {
namespace {

// Closes kept for ml::RecentVolPerBar (it uses the last 20 finite returns; the
// margin covers the odd non-finite one, as the batch path would look past it).
constexpr size_t kCloseWindow = 64;

}  // namespace

SeriesState::SeriesState(const Symbol& symbol, Timeframe timeframe, const features::FeatureSet& set)
    : symbol_(symbol),
      timeframe_(timeframe),
      calendar_(&ExchangeCalendar::ForSymbol(symbol)),
      features_(set.NewState(*calendar_)),
      model_features_(set.ModelFeatureNames()) {
  for (const std::string& name : model_features_) model_columns_.push_back(static_cast<size_t>(set.ColumnIndex(name)));
  const regime::RegimeColumnNames names;
  for (const std::string* name : {&names.adx, &names.plus_di, &names.minus_di, &names.efficiency_ratio,
                                  &names.trend_return, &names.dist_sma, &names.realized_vol}) {
    // A column the set lacks stays out of the map: the detector reads it as NaN (unknown).
    if (const int idx = set.ColumnIndex(*name); idx >= 0) regime_columns_.emplace_back(*name, static_cast<size_t>(idx));
  }
}

Result<std::vector<Bar>> SilverBars(const ml::SilverSlice& slice) {
  const auto& table = slice.table;
  std::vector<const std::vector<double>*> ohlcv;
  for (const char* name : {"open", "high", "low", "close", "volume"}) {
    auto it = table.columns.find(name);
    if (it == table.columns.end()) return DataCorrupt(std::string("silver lacks the '") + name + "' column", name);
    ohlcv.push_back(&it->second);
  }
  std::vector<Bar> bars(table.rows());
  for (size_t row = 0; row < table.rows(); ++row) {
    // A missing volume is null in silver (NaN here); the feature state treats a
    // non-finite bar as invalid exactly as the pipeline did.
    bars[row] = Bar{table.ts[row], (*ohlcv[0])[row], (*ohlcv[1])[row], (*ohlcv[2])[row], (*ohlcv[3])[row],
                    (*ohlcv[4])[row]};
  }
  return bars;
}

Result<std::unique_ptr<SeriesState>> SeriesState::FromSilver(const ml::SilverSlice& slice, const Symbol& symbol,
                                                             Timeframe timeframe) {
  if (slice.table.rows() == 0) {
    return NotFound("silver has no rows for " + symbol.str() + " " + std::string(timeframe.ToString()));
  }
  RC_ASSIGN_OR_RETURN(const features::FeatureSet* set, features::FeatureSet::ByName(slice.feature_set_version));
  RC_ASSIGN_OR_RETURN(std::vector<Bar> bars, SilverBars(slice));
  std::unique_ptr<SeriesState> state(new SeriesState(symbol, timeframe, *set));
  for (const Bar& bar : bars) state->Consume(bar);
  state->silver_version_ = slice.silver_version;
  return state;
}

void SeriesState::Consume(const Bar& bar) {
  features_->Update(bar);
  const std::span<const double> row = features_->Row();
  std::map<std::string, double> values;
  for (const auto& [name, idx] : regime_columns_) values.emplace(name, row[idx]);
  // The bar itself feeds the hidden-Markov detector, as silver's close/volume columns do in batch.
  const regime::RegimeColumnNames names;
  values.emplace(names.close, bar.close);
  values.emplace(names.volume, bar.volume);
  recent_regimes_.push_back(detector_.Update(regime::RegimeInputFromValues(bar.open_time, values)));
  if (recent_regimes_.size() > kRegimeHistory) recent_regimes_.pop_front();
  recent_closes_.push_back(bar.close);
  if (recent_closes_.size() > kCloseWindow) recent_closes_.pop_front();
  pooled_history_.emplace_back(bar.open_time, bar.close);
  if (pooled_history_.size() > ml::kPooledHistoryBars) pooled_history_.pop_front();
  last_bar_ = bar;
  ++bars_seen_;
}

Status SeriesState::Advance(const Bar& bar, int64_t silver_version) {
  if (bars_seen_ > 0 && bar.open_time <= last_bar_.open_time) {
    return InvalidArgument("ts", "bar at " + FormatIsoUtc(bar.open_time) + " is not after the newest bar " +
                                     FormatIsoUtc(last_bar_.open_time));
  }
  Consume(bar);
  if (silver_version >= 0) silver_version_ = silver_version;
  return Ok();
}

int64_t SeriesState::MarketNowAt(int64_t wall_now) const {
  ExpectedBarCache& cache = expected_cache_;
  if (wall_now < cache.valid_from || wall_now >= cache.valid_until) {
    cache.expected_open = ml::ExpectedNewestBar(*calendar_, timeframe_, wall_now, INT64_MIN);
    cache.valid_from = wall_now;
    cache.valid_until = calendar_->NextBarClose(wall_now, timeframe_);
  }
  // As ml::MarketNow: the close of the newest bar there is or should be.
  const int64_t newest = std::max(cache.expected_open, last_bar_.open_time);
  return std::min(wall_now, calendar_->BarClose(newest, timeframe_));
}

regime::RegimeState SeriesState::RegimeAt(int64_t wall_now) const {
  return detector_.StateAt(MarketNowAt(wall_now), timeframe_.DurationMicros());
}

ml::PooledSeries SeriesState::PooledHistory(int horizon_bars) const {
  ml::PooledSeries out;
  out.name = symbol_.str();
  out.horizon_bars = horizon_bars;
  out.ts.reserve(pooled_history_.size());
  out.close.reserve(pooled_history_.size());
  for (const auto& [ts, close] : pooled_history_) {
    out.ts.push_back(ts);
    out.close.push_back(close);
  }
  out.y.assign(out.ts.size(), kNaN);
  return out;
}

Result<ml::PredictionRequest> SeriesState::Request(int horizon_minutes, int64_t wall_now) const {
  RC_ASSIGN_OR_RETURN(int horizon_bars, ml::HorizonBars(timeframe_, horizon_minutes));
  ml::PredictionRequest request;
  request.feature_names = model_features_;
  request.features.resize(static_cast<Eigen::Index>(model_columns_.size()));
  const std::span<const double> row = features_->Row();
  for (size_t col = 0; col < model_columns_.size(); ++col) {
    request.features[static_cast<Eigen::Index>(col)] = row[model_columns_[col]];
  }
  request.last_close = last_bar_.close;
  request.last_bar_ts = last_bar_.open_time;
  request.bar_spacing_us = timeframe_.DurationMicros();
  request.now = MarketNowAt(wall_now);
  request.horizon_bars = horizon_bars;
  request.regime = detector_.StateAt(request.now, timeframe_.DurationMicros());
  const std::vector<double> closes(recent_closes_.begin(), recent_closes_.end());
  request.recent_vol_per_bar = ml::RecentVolPerBar(closes);
  return request;
}

}  // namespace rc::serving
