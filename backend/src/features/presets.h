// File: features/presets.h — indicator presets for charts (the /api/indicators
// endpoint), built from the same indicator library as the feature sets.
//
//   for (const auto& preset : rc::features::ListPresets()) ...        // trend, momentum, ...
//   RC_ASSIGN_OR_RETURN(auto series, rc::features::ComputePreset("trend", bars, calendar));
//   // series[i].name == "sma_20", series[i].values.size() == bars.size() (NaN in warm-up)
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/bar.h"
#include "core/calendar.h"
#include "core/error.h"
#include "features/indicators.h"

namespace rc::features {

struct Preset {
  std::string name;         // "trend", "momentum", "volatility", "mean_reversion"
  std::string description;
  std::vector<IndicatorSpec> indicators;
};

// All presets, in display order.
const std::vector<Preset>& ListPresets();

// One output series of one indicator, named like the feature-set columns.
struct NamedSeries {
  std::string name;  // "sma_20", "bb_upper_20_2", ...
  std::vector<double> values;
};

// Every output of every indicator of preset `name` over `bars` (one value per bar, NaN
// during each indicator's warm-up). Errors: kInvalidArgument, field "preset", for an
// unknown name (the message lists the known ones).
Result<std::vector<NamedSeries>> ComputePreset(std::string_view name, std::span<const Bar> bars,
                                               const ExchangeCalendar& calendar);

// As ComputePreset for an ad-hoc list of indicators (errors as MakeIndicator).
Result<std::vector<NamedSeries>> ComputeIndicators(std::span<const IndicatorSpec> specs, std::span<const Bar> bars,
                                                   const ExchangeCalendar& calendar);

}  // namespace rc::features
