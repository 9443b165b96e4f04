// File: features/indicators.h — the whole indicator library in one include, plus the
// catalogue that builds indicators from user-supplied names and parameters.
//
// Start here for single indicators. Every class implements features/indicator.h:
//   trend/      Sma, Ema, Wma, Adx (+DI/-DI), EfficiencyRatio
//   momentum/   Rsi, Macd, Stochastic, Roc, LogReturn
//   volatility/ Atr, Bollinger, RealizedVol, ZScore
//   volume/     Obv, Vwap (session-anchored)
//   time/       TimeOfDayEncoding, DayOfWeekEncoding
//
//   RC_ASSIGN_OR_RETURN(auto bb, rc::features::MakeIndicator({"bb", {20, 2}}, calendar));
//   auto series = rc::features::FoldOutputs(*bb, bars);   // middle, upper, lower, pctb, width
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/calendar.h"
#include "core/error.h"
#include "features/indicator.h"
#include "features/momentum/log_return.h"
#include "features/momentum/macd.h"
#include "features/momentum/roc.h"
#include "features/momentum/rsi.h"
#include "features/momentum/stochastic.h"
#include "features/time/time_encoding.h"
#include "features/trend/adx.h"
#include "features/trend/efficiency_ratio.h"
#include "features/trend/ema.h"
#include "features/trend/sma.h"
#include "features/trend/wma.h"
#include "features/volatility/atr.h"
#include "features/volatility/bollinger.h"
#include "features/volatility/realized_vol.h"
#include "features/volatility/zscore.h"
#include "features/volume/obv.h"
#include "features/volume/vwap.h"

namespace rc::features {

// An indicator kind with its parameters, e.g. {"macd", {12, 26, 9}}.
struct IndicatorSpec {
  std::string kind;
  std::vector<double> params;
};

// What the catalogue knows about one kind.
struct IndicatorInfo {
  std::string_view kind;                     // "sma", "bb", ...
  std::string_view description;
  std::vector<std::string_view> param_names; // "period", "num_sd", ...
  std::vector<double> default_params;
  std::vector<std::string_view> outputs;     // output stems: "bb_middle", "bb_upper", ...
};

// Every kind: sma ema wma rsi macd atr bb adx stoch obv vwap roc rv z er ret tod dow.
const std::vector<IndicatorInfo>& IndicatorCatalog();

// Builds an indicator. Missing trailing params take the defaults. Errors
// (kInvalidArgument, field "indicator"): unknown kind, too many params, a period that
// is not an integer in its range [min, 100000], num_sd not in (0, 10].
// `calendar` must outlive the result (VWAP and time encodings keep a pointer).
Result<std::unique_ptr<Indicator>> MakeIndicator(const IndicatorSpec& spec, const ExchangeCalendar& calendar);

// Every output of `spec` over a series: result[output][bar], exactly what the indicator
// object gives fed bar by bar. Kinds that read closes only fold the concrete indicator
// over `closes` (features/columns.h: no virtual call per bar, 8-byte inputs); the others
// fold the object over `bars`. `closes` must hold the closes of `bars` (when the sizes
// differ the bars are used). Errors as MakeIndicator.
Result<std::vector<std::vector<double>>> ComputeIndicatorOutputs(const IndicatorSpec& spec, std::span<const Bar> bars,
                                                                 std::span<const double> closes,
                                                                 const ExchangeCalendar& calendar);

// Stable column names of the outputs, `<stem>_<params>`: {"sma",{20}} -> sma_20,
// {"bb",{20,2}} -> bb_middle_20_2, bb_upper_20_2, ...; stoch with slowd == slowk drops
// slowd (stoch_k_14_3); obv, vwap, tod_sin... have no suffix. Errors as MakeIndicator.
Result<std::vector<std::string>> OutputNames(const IndicatorSpec& spec);

}  // namespace rc::features
