#include "features/indicators.h"

#include <cmath>
#include <cstdio>
#include <functional>
#include <span>

#include "features/columns.h"

namespace rc::features {
namespace {

constexpr double kMaxPeriod = 100000;

// A kind's parameters after validation and defaulting.
struct Checked {
  std::vector<double> params;
  int Int(size_t index) const { return static_cast<int>(params[index]); }
};

using Outputs = std::span<const std::span<double>>;

struct Entry {
  IndicatorInfo info;
  std::vector<double> min_values;  // per param; periods are integers, num_sd is real
  std::vector<bool> integer;
  std::function<std::unique_ptr<Indicator>(const Checked&, const ExchangeCalendar&)> make;
  // For kinds that read closes only: the same indicator, concrete and folded over the
  // close column (features/columns.h); empty for kinds that read other fields.
  std::function<void(const Checked&, std::span<const double>, Outputs)> fold_closes = nullptr;
};

const std::vector<Entry>& Entries() {
  using P = std::unique_ptr<Indicator>;
  using C = const Checked&;
  using Cal = const ExchangeCalendar&;
  using In = std::span<const double>;
  static const std::vector<Entry> entries = {
      {{"sma", "simple moving average of closes", {"period"}, {20}, {"sma"}}, {1}, {true},
       [](C c, Cal) -> P { return std::make_unique<Sma>(c.Int(0)); },
       [](C c, In in, Outputs out) { FoldColumnOutputs(Sma(c.Int(0)), in, out); }},
      {{"ema", "exponential moving average (SMA-seeded)", {"period"}, {12}, {"ema"}}, {1}, {true},
       [](C c, Cal) -> P { return std::make_unique<Ema>(c.Int(0)); },
       [](C c, In in, Outputs out) { FoldColumnOutputs(Ema(c.Int(0)), in, out); }},
      {{"wma", "linearly weighted moving average", {"period"}, {20}, {"wma"}}, {1}, {true},
       [](C c, Cal) -> P { return std::make_unique<Wma>(c.Int(0)); },
       [](C c, In in, Outputs out) { FoldColumnOutputs(Wma(c.Int(0)), in, out); }},
      {{"rsi", "Wilder's relative strength index", {"period"}, {14}, {"rsi"}}, {2}, {true},
       [](C c, Cal) -> P { return std::make_unique<Rsi>(c.Int(0)); },
       [](C c, In in, Outputs out) { FoldColumnOutputs(Rsi(c.Int(0)), in, out); }},
      {{"macd", "MACD line, signal and histogram", {"fast", "slow", "signal"}, {12, 26, 9},
        {"macd", "macd_signal", "macd_hist"}},
       {2, 2, 1}, {true, true, true},
       [](C c, Cal) -> P { return std::make_unique<Macd>(c.Int(0), c.Int(1), c.Int(2)); },
       [](C c, In in, Outputs out) { FoldColumnOutputs(Macd(c.Int(0), c.Int(1), c.Int(2)), in, out); }},
      {{"atr", "Wilder's average true range", {"period"}, {14}, {"atr"}}, {1}, {true},
       [](C c, Cal) -> P { return std::make_unique<Atr>(c.Int(0)); }},
      {{"bb", "Bollinger bands (population sd)", {"period", "num_sd"}, {20, 2},
        {"bb_middle", "bb_upper", "bb_lower", "bb_pctb", "bb_width"}},
       {1, 0}, {true, false},
       [](C c, Cal) -> P { return std::make_unique<Bollinger>(c.Int(0), c.params[1]); },
       [](C c, In in, Outputs out) { FoldColumnOutputs(Bollinger(c.Int(0), c.params[1]), in, out); }},
      {{"adx", "average directional index with +DI and -DI", {"period"}, {14}, {"adx", "plus_di", "minus_di"}},
       {2}, {true}, [](C c, Cal) -> P { return std::make_unique<Adx>(c.Int(0)); }},
      {{"stoch", "slow stochastic %K and %D", {"fastk", "slowk", "slowd"}, {14, 3, 3}, {"stoch_k", "stoch_d"}},
       {1, 1, 1}, {true, true, true},
       [](C c, Cal) -> P { return std::make_unique<Stochastic>(c.Int(0), c.Int(1), c.Int(2)); }},
      {{"obv", "on-balance volume", {}, {}, {"obv"}}, {}, {}, [](C, Cal) -> P { return std::make_unique<Obv>(); }},
      {{"vwap", "session-anchored VWAP", {}, {}, {"vwap"}}, {}, {},
       [](C, Cal cal) -> P { return std::make_unique<Vwap>(cal); }},
      {{"roc", "rate of change, percent", {"period"}, {10}, {"roc"}}, {1}, {true},
       [](C c, Cal) -> P { return std::make_unique<Roc>(c.Int(0)); },
       [](C c, In in, Outputs out) { FoldColumnOutputs(Roc(c.Int(0)), in, out); }},
      {{"rv", "realized volatility: sd of one-bar log returns", {"period"}, {20}, {"rv"}}, {2}, {true},
       [](C c, Cal) -> P { return std::make_unique<RealizedVol>(c.Int(0)); },
       [](C c, In in, Outputs out) { FoldColumnOutputs(RealizedVol(c.Int(0)), in, out); }},
      {{"z", "rolling z-score of the close", {"period"}, {20}, {"z"}}, {2}, {true},
       [](C c, Cal) -> P { return std::make_unique<ZScore>(c.Int(0)); },
       [](C c, In in, Outputs out) { FoldColumnOutputs(ZScore(c.Int(0)), in, out); }},
      {{"er", "Kaufman efficiency ratio", {"period"}, {10}, {"er"}}, {1}, {true},
       [](C c, Cal) -> P { return std::make_unique<EfficiencyRatio>(c.Int(0)); },
       [](C c, In in, Outputs out) { FoldColumnOutputs(EfficiencyRatio(c.Int(0)), in, out); }},
      {{"ret", "log return over `lag` bars", {"lag"}, {1}, {"ret"}}, {1}, {true},
       [](C c, Cal) -> P { return std::make_unique<LogReturn>(c.Int(0)); },
       [](C c, In in, Outputs out) { FoldColumnOutputs(LogReturn(c.Int(0)), in, out); }},
      {{"tod", "time of day in the session (sin, cos)", {}, {}, {"tod_sin", "tod_cos"}}, {}, {},
       [](C, Cal cal) -> P { return std::make_unique<TimeOfDayEncoding>(cal); }},
      {{"dow", "day of week (sin, cos)", {}, {}, {"dow_sin", "dow_cos"}}, {}, {},
       [](C, Cal cal) -> P { return std::make_unique<DayOfWeekEncoding>(cal); }},
  };
  return entries;
}

std::string FormatParam(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%g", value);
  return buffer;
}

Result<const Entry*> Find(const IndicatorSpec& spec) {
  for (const Entry& entry : Entries()) {
    if (entry.info.kind == spec.kind) return &entry;
  }
  std::string known;
  for (const Entry& entry : Entries()) known += (known.empty() ? "" : " ") + std::string(entry.info.kind);
  return InvalidArgument("indicator", "unknown indicator '" + spec.kind + "' (known: " + known + ")");
}

Result<Checked> Check(const Entry& entry, const IndicatorSpec& spec) {
  const auto& names = entry.info.param_names;
  if (spec.params.size() > names.size()) {
    return InvalidArgument("indicator", spec.kind + " takes " + std::to_string(names.size()) + " parameter(s), got " +
                                            std::to_string(spec.params.size()));
  }
  Checked checked{entry.info.default_params};
  for (size_t idx = 0; idx < spec.params.size(); ++idx) checked.params[idx] = spec.params[idx];
  for (size_t idx = 0; idx < names.size(); ++idx) {
    const double value = checked.params[idx];
    const std::string what = spec.kind + " " + std::string(names[idx]);
    if (entry.integer[idx]) {
      if (!std::isfinite(value) || value != std::floor(value) || value < entry.min_values[idx] || value > kMaxPeriod) {
        return InvalidArgument("indicator", what + " must be an integer in [" + FormatParam(entry.min_values[idx]) +
                                                ", " + FormatParam(kMaxPeriod) + "], got " + FormatParam(value));
      }
    } else if (!std::isfinite(value) || value <= 0 || value > 10) {
      return InvalidArgument("indicator", what + " must be in (0, 10], got " + FormatParam(value));
    }
  }
  if (spec.kind == "macd" && checked.params[0] == checked.params[1]) {
    return InvalidArgument("indicator", "macd fast and slow periods must differ");
  }
  return checked;
}

}  // namespace

const std::vector<IndicatorInfo>& IndicatorCatalog() {
  static const std::vector<IndicatorInfo> catalog = [] {
    std::vector<IndicatorInfo> out;
    for (const Entry& entry : Entries()) out.push_back(entry.info);
    return out;
  }();
  return catalog;
}

Result<std::unique_ptr<Indicator>> MakeIndicator(const IndicatorSpec& spec, const ExchangeCalendar& calendar) {
  RC_ASSIGN_OR_RETURN(const Entry* entry, Find(spec));
  RC_ASSIGN_OR_RETURN(Checked checked, Check(*entry, spec));
  return entry->make(checked, calendar);
}

Result<std::vector<std::vector<double>>> ComputeIndicatorOutputs(const IndicatorSpec& spec, std::span<const Bar> bars,
                                                                 std::span<const double> closes,
                                                                 const ExchangeCalendar& calendar) {
  RC_ASSIGN_OR_RETURN(const Entry* entry, Find(spec));
  RC_ASSIGN_OR_RETURN(Checked checked, Check(*entry, spec));
  if (!entry->fold_closes || closes.size() != bars.size()) {
    std::unique_ptr<Indicator> indicator = entry->make(checked, calendar);
    return FoldOutputs(*indicator, bars);
  }
  std::vector<std::vector<double>> outputs(entry->info.outputs.size(), std::vector<double>(bars.size()));
  const std::vector<std::span<double>> spans(outputs.begin(), outputs.end());
  entry->fold_closes(checked, closes, spans);
  return outputs;
}

Result<std::vector<std::string>> OutputNames(const IndicatorSpec& spec) {
  RC_ASSIGN_OR_RETURN(const Entry* entry, Find(spec));
  RC_ASSIGN_OR_RETURN(Checked checked, Check(*entry, spec));
  std::vector<double> shown = checked.params;
  if (spec.kind == "stoch" && shown[2] == shown[1]) shown.pop_back();
  std::string suffix;
  for (double value : shown) suffix += "_" + FormatParam(value);
  std::vector<std::string> names;
  for (std::string_view stem : entry->info.outputs) names.push_back(std::string(stem) + suffix);
  return names;
}

}  // namespace rc::features
