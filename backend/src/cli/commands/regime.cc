// `regimecast regime`: the regime of every recent bar of a series, computed
// from silver with the same detector the service streams.
#include <boost/json.hpp>
#include <cmath>
#include <iomanip>
#include <iostream>
#include <vector>

#include "cli/command.h"
#include "cli/ml_args.h"
#include "core/json_text.h"
#include "core/numeric.h"
#include "core/strings.h"
#include "ml/silver_source.h"
#include "regime/detector.h"
#include "regime/regime_input.h"

namespace rc::cli {

void RegisterCommand_regime(CLI::App& app, CommandContext& ctx) {
  struct Args {
    SeriesArgs series;
    int history = 20;
    std::string format = "table";
    bool observations = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("regime", "Market regime of the most recent bars (from silver)");
  AddSeriesOptions(cmd, args->series, false);
  cmd->add_option("--history", args->history, "How many recent bars to print")->check(CLI::Range(1, 10'000'000));
  cmd->add_option("--format", args->format, "table, csv (ts,state,confidence; z,u with --observations) or json")
      ->check(CLI::IsMember({"table", "csv", "json"}));
  cmd->add_flag("--observations", args->observations,
                "With --format csv: add columns z and u, each bar's observation as the hidden-Markov filter consumed "
                "it (z: the 1-bar log return over its typical size; u: the log volume minus its reference level; both "
                "with the time-of-day shape removed). Empty where the bar carried no evidence (a return across the "
                "overnight or a feed gap, no volume, the first sessions)");
  cmd->callback([&ctx, args] {
    if (args->observations && args->format != "csv") {
      return ReportError(ctx, InvalidArgument("--observations", "needs --format csv").value(), 2);
    }
    auto settings = ctx.LoadSettings();
    if (!settings) return ReportError(ctx, settings.error());
    auto series = ParseSymbolTimeframe(args->series.symbol, args->series.timeframe);
    if (!series) return ReportError(ctx, series.error(), 2);
    auto slice = ml::LoadSilver(settings->data_dir, series->first, series->second);
    if (!slice) return ReportError(ctx, slice.error());
    auto inputs = regime::RegimeInputsFromColumns(slice->table);
    if (!inputs) return ReportError(ctx, inputs.error());
    // DetectRegimes' fold, spelled out so that each bar's observation is read
    // as the bar is consumed (the detector keeps only the newest).
    regime::RegimeDetector detector;
    std::vector<regime::RegimeState> states;
    std::vector<regime::internal::HmmObservation> observations;
    states.reserve(inputs->size());
    for (const regime::RegimeInput& in : *inputs) {
      const size_t seen = detector.bars_seen();
      states.push_back(detector.Update(in));
      // A bar Update refused (out of order) was not observed: no evidence.
      if (args->observations) {
        observations.push_back(detector.bars_seen() > seen ? detector.observation()
                                                           : regime::internal::HmmObservation{kNaN, kNaN});
      }
    }
    const size_t first = states.size() > static_cast<size_t>(args->history) ? states.size() - args->history : 0;
    if (args->format == "csv") std::cout << "ts,state,confidence" << (args->observations ? ",z,u\n" : "\n");
    // Exact (shortest round-trip) values; an empty cell is a bar without that evidence.
    auto cell = [](double v) { return std::isfinite(v) ? "," + FormatShortestDouble(v) : std::string(","); };
    boost::json::array json_rows;
    for (size_t row = first; row < states.size(); ++row) {
      const auto& s = states[row];
      if (args->format == "csv") {
        std::cout << FormatIsoUtc(s.ts) << "," << regime::ToString(s.regime) << "," << std::setprecision(6)
                  << s.confidence;
        if (args->observations) std::cout << cell(observations[row].z) << cell(observations[row].u);
        std::cout << "\n";
      } else if (args->format == "json") {
        boost::json::object item{{"ts", FormatIsoUtc(s.ts)},
                                 {"state", std::string(regime::ToString(s.regime))},
                                 {"confidence", s.confidence}};
        if (!s.reason.empty()) item["reason"] = s.reason;
        json_rows.push_back(std::move(item));
      } else {
        std::cout << FormatIsoUtc(s.ts) << "  " << std::left << std::setw(14) << regime::ToString(s.regime)
                  << std::setprecision(3) << s.confidence << (s.reason.empty() ? "" : "  (" + s.reason + ")") << "\n";
      }
    }
    if (args->format == "json") std::cout << JsonText(json_rows) << "\n";
  });
}

}  // namespace rc::cli
