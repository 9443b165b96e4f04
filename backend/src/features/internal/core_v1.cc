// The core_v1 feature set. Its column list is frozen: a change of any column's name,
// meaning or parameters is a new set (core_v2), so that silver tables and trained
// models keep saying which numbers they hold.
#include "features/internal/core_v1.h"

#include <array>

#include "features/indicators.h"

namespace rc::features::internal {
namespace {

enum Col : size_t {
  // Raw chart values.
  kSma20, kEma12, kEma26, kWma20, kRsi14, kAtr14, kAdx14, kPlusDi14, kMinusDi14, kMacd, kMacdSignal, kMacdHist,
  kBbUpper, kBbMiddle, kBbLower, kStochK, kStochD, kObv, kVwap,
  // Scale-free model features.
  kRet1, kRet3, kRet12, kRv20, kZ20, kEr10, kRsiScaled, kMacdHistAtr, kBbPctB, kBbWidth, kDistSma20, kDistVwap,
  kAtrPct14, kAdxScaled, kDiDiff14, kStochKScaled, kRoc10, kTodSin, kTodCos, kDowSin, kDowCos, kVolZ20,
  kNumColumns
};

std::vector<FeatureColumn> Columns() {
  const auto raw = ColumnRole::kRaw;
  const auto model = ColumnRole::kModel;
  std::vector<FeatureColumn> columns = {
      {"sma_20", raw, "simple moving average of close, 20 bars"},
      {"ema_12", raw, "EMA of close, 12 bars (SMA-seeded)"},
      {"ema_26", raw, "EMA of close, 26 bars (SMA-seeded)"},
      {"wma_20", raw, "linearly weighted moving average of close, 20 bars"},
      {"rsi_14", raw, "Wilder RSI, 14 bars, 0..100"},
      {"atr_14", raw, "Wilder average true range, 14 bars"},
      {"adx_14", raw, "average directional index, 14 bars, 0..100"},
      {"plus_di_14", raw, "+DI, 14 bars"},
      {"minus_di_14", raw, "-DI, 14 bars"},
      {"macd_12_26_9", raw, "MACD line (EMA12 - EMA26)"},
      {"macd_signal_12_26_9", raw, "MACD signal (EMA9 of the line)"},
      {"macd_hist_12_26_9", raw, "MACD histogram (line - signal)"},
      {"bb_upper_20_2", raw, "Bollinger upper band (SMA20 + 2 sd)"},
      {"bb_middle_20_2", raw, "Bollinger middle band (SMA20)"},
      {"bb_lower_20_2", raw, "Bollinger lower band (SMA20 - 2 sd)"},
      {"stoch_k_14_3", raw, "slow stochastic %K (14, 3), 0..100"},
      {"stoch_d_14_3", raw, "slow stochastic %D (14, 3, 3), 0..100"},
      {"obv", raw, "on-balance volume"},
      {"vwap", raw, "session-anchored VWAP"},
      {"ret_1", model, "log return over 1 bar"},
      {"ret_3", model, "log return over 3 bars"},
      {"ret_12", model, "log return over 12 bars"},
      {"rv_20", model, "realized volatility: sd of 1-bar log returns over 20 bars"},
      {"z_20", model, "z-score of close against its last 20 bars"},
      {"er_10", model, "Kaufman efficiency ratio, 10 bars, 0..1"},
      {"rsi_14_scaled", model, "(rsi_14 - 50) / 50, -1..1"},
      {"macd_hist_atr", model, "macd_hist_12_26_9 / atr_14 (0 when atr is 0)"},
      {"bb_pctb", model, "Bollinger %B: (close - lower) / (upper - lower)"},
      {"bb_width", model, "Bollinger width: (upper - lower) / middle"},
      {"dist_sma_20", model, "close / sma_20 - 1"},
      {"dist_vwap", model, "close / vwap - 1"},
      {"atr_pct_14", model, "atr_14 / close"},
      {"adx_14_scaled", model, "adx_14 / 100, 0..1"},
      {"di_diff_14", model, "(plus_di_14 - minus_di_14) / 100, -1..1"},
      {"stoch_k_14_3_scaled", model, "(stoch_k_14_3 - 50) / 50, -1..1"},
      {"roc_10", model, "rate of change over 10 bars, percent"},
      {"tod_sin", model, "sin of the bar's phase in its trading session"},
      {"tod_cos", model, "cos of the bar's phase in its trading session"},
      {"dow_sin", model, "sin(2 pi weekday / 7), Monday = 0"},
      {"dow_cos", model, "cos(2 pi weekday / 7), Monday = 0"},
      {"vol_z_20", model, "z-score of volume against its last 20 bars"},
  };
  return columns;
}

// The longest warm-up: MACD(12, 26, 9) is defined from bar 26 + 9 - 2 = 33.
constexpr size_t kWarmupBars = 33;

class CoreV1State final : public FeatureState {
 public:
  CoreV1State(const FeatureSet& set, const ExchangeCalendar& calendar)
      : set_(&set), vwap_(calendar), tod_(calendar), dow_(calendar) {
    row_.fill(kNaN);
  }

  void Update(const Bar& bar) override {
    if (!Finite(bar.high, bar.low, bar.close, bar.volume) || !(bar.close > 0)) {
      row_.fill(kNaN);
      return;
    }
    // Shared windows: sma_20 and z_20 come from the Bollinger window (same running sum,
    // so the same numbers as Sma(20) and ZScore(20)), ema_26 is MACD's slow EMA and
    // ret_1 is the return realized volatility logs (backend/tests/features/feature_set_test.cc
    // checks every column against the indicator on its own).
    ema12_.Update(bar);
    wma20_.Update(bar);
    rsi14_.Update(bar);
    atr14_.Update(bar);
    adx14_.Update(bar);
    macd_.Update(bar);
    bb_.Update(bar);
    stoch_.Update(bar);
    obv_.Update(bar);
    vwap_.Update(bar);
    roc10_.Update(bar);
    ret3_.Update(bar);
    ret12_.Update(bar);
    rv20_.Update(bar);
    er10_.Update(bar);
    vol_z20_.Update(bar.volume);
    tod_.Update(bar);
    dow_.Update(bar);

    const double close = bar.close;
    const double sma = bb_.Value();
    const double atr = atr14_.Value();
    const double hist = macd_.Hist();
    const double vwap = vwap_.Value();
    row_[kSma20] = sma;
    row_[kEma12] = ema12_.Value();
    row_[kEma26] = macd_.SlowEma();
    row_[kWma20] = wma20_.Value();
    row_[kRsi14] = rsi14_.Value();
    row_[kAtr14] = atr;
    row_[kAdx14] = adx14_.Value();
    row_[kPlusDi14] = adx14_.PlusDi();
    row_[kMinusDi14] = adx14_.MinusDi();
    row_[kMacd] = macd_.Value();
    row_[kMacdSignal] = macd_.Signal();
    row_[kMacdHist] = hist;
    row_[kBbUpper] = bb_.Upper();
    row_[kBbMiddle] = bb_.Value();
    row_[kBbLower] = bb_.Lower();
    row_[kStochK] = stoch_.Value();
    row_[kStochD] = stoch_.D();
    row_[kObv] = obv_.Value();
    row_[kVwap] = vwap;

    row_[kRet1] = rv20_.LastReturn();
    row_[kRet3] = ret3_.Value();
    row_[kRet12] = ret12_.Value();
    row_[kRv20] = rv20_.Value();
    row_[kZ20] = bb_.IsReady() ? ZScore::Of(close, sma, bb_.Sd()) : kNaN;
    row_[kEr10] = er10_.Value();
    // The constant scalings multiply by the reciprocal: a division costs ~5 cycles of
    // throughput and this row has ~30 of them (rounding-level differences only).
    row_[kRsiScaled] = (rsi14_.Value() - 50.0) * (1.0 / 50.0);
    row_[kMacdHistAtr] = atr > 0 ? hist / atr : (atr == 0 && hist == hist ? 0.0 : kNaN);
    row_[kBbPctB] = bb_.PctB();
    row_[kBbWidth] = bb_.Width();
    row_[kDistSma20] = close / sma - 1.0;
    row_[kDistVwap] = close / vwap - 1.0;
    row_[kAtrPct14] = atr / close;
    row_[kAdxScaled] = adx14_.Value() * (1.0 / 100.0);
    row_[kDiDiff14] = (adx14_.PlusDi() - adx14_.MinusDi()) * (1.0 / 100.0);
    row_[kStochKScaled] = (stoch_.Value() - 50.0) * (1.0 / 50.0);
    row_[kRoc10] = roc10_.Value();
    row_[kTodSin] = tod_.Value();
    row_[kTodCos] = tod_.Cos();
    row_[kDowSin] = dow_.Value();
    row_[kDowCos] = dow_.Cos();
    row_[kVolZ20] = vol_z20_.Value();
  }

  std::span<const double> Row() const override { return row_; }

  void Reset() override {
    ema12_.Reset();
    wma20_.Reset();
    rsi14_.Reset();
    atr14_.Reset();
    adx14_.Reset();
    macd_.Reset();
    bb_.Reset();
    stoch_.Reset();
    obv_.Reset();
    vwap_.Reset();
    roc10_.Reset();
    ret3_.Reset();
    ret12_.Reset();
    rv20_.Reset();
    er10_.Reset();
    vol_z20_.Reset();
    tod_.Reset();
    dow_.Reset();
    row_.fill(kNaN);
  }

  const FeatureSet& feature_set() const override { return *set_; }

 private:
  const FeatureSet* set_;
  Ema ema12_{12};
  Wma wma20_{20};
  Rsi rsi14_{14};
  Atr atr14_{14};
  Adx adx14_{14};
  Macd macd_{12, 26, 9};
  Bollinger bb_{20, 2.0};
  Stochastic stoch_{14, 3, 3};
  Obv obv_;
  Vwap vwap_;
  Roc roc10_{10};
  LogReturn ret3_{3};
  LogReturn ret12_{12};
  RealizedVol rv20_{20};
  EfficiencyRatio er10_{10};
  ZScore vol_z20_{20};
  TimeOfDayEncoding tod_;
  DayOfWeekEncoding dow_;
  std::array<double, kNumColumns> row_;
};

std::unique_ptr<FeatureState> MakeCoreV1State(const FeatureSet& set, const ExchangeCalendar& calendar) {
  return std::make_unique<CoreV1State>(set, calendar);
}

}  // namespace

const FeatureSet& CoreV1() {
  static const FeatureSet set("core_v1", 1, Columns(), kWarmupBars, &MakeCoreV1State);
  return set;
}

}  // namespace rc::features::internal
