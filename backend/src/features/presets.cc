#include "features/presets.h"

#include <memory>
#include <utility>

namespace rc::features {

const std::vector<Preset>& ListPresets() {
  static const std::vector<Preset> presets = {
      {"trend", "moving averages and directional strength",
       {{"sma", {20}}, {"sma", {50}}, {"ema", {12}}, {"ema", {26}}, {"adx", {14}}, {"vwap", {}}}},
      {"momentum", "oscillators of recent price change",
       {{"rsi", {14}}, {"macd", {12, 26, 9}}, {"stoch", {14, 3, 3}}, {"roc", {10}}}},
      {"volatility", "range and dispersion",
       {{"atr", {14}}, {"bb", {20, 2}}, {"rv", {20}}}},
      {"mean_reversion", "distance from a moving anchor",
       {{"bb", {20, 2}}, {"z", {20}}, {"er", {10}}, {"vwap", {}}}},
  };
  return presets;
}

Result<std::vector<NamedSeries>> ComputeIndicators(std::span<const IndicatorSpec> specs, std::span<const Bar> bars,
                                                   const ExchangeCalendar& calendar) {
  std::vector<NamedSeries> out;
  // One close column for every close-only indicator of the list (features/columns.h).
  std::vector<double> closes(bars.size());
  for (size_t idx = 0; idx < bars.size(); ++idx) closes[idx] = bars[idx].close;
  for (const IndicatorSpec& spec : specs) {
    RC_ASSIGN_OR_RETURN(std::vector<std::string> names, OutputNames(spec));
    RC_ASSIGN_OR_RETURN(std::vector<std::vector<double>> outputs, ComputeIndicatorOutputs(spec, bars, closes, calendar));
    for (size_t idx = 0; idx < names.size(); ++idx) out.push_back({std::move(names[idx]), std::move(outputs[idx])});
  }
  return out;
}

Result<std::vector<NamedSeries>> ComputePreset(std::string_view name, std::span<const Bar> bars,
                                               const ExchangeCalendar& calendar) {
  std::string known;
  for (const Preset& preset : ListPresets()) {
    if (preset.name == name) return ComputeIndicators(preset.indicators, bars, calendar);
    known += (known.empty() ? "" : ", ") + preset.name;
  }
  return InvalidArgument("preset", "unknown indicator preset '" + std::string(name) + "' (known: " + known + ")");
}

}  // namespace rc::features
