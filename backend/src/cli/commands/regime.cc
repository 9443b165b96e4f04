// `regimecast regime`: the regime of every recent bar of a series, computed
// from silver with the same detector the service streams.
#include <boost/json.hpp>
#include <iomanip>
#include <iostream>

#include "cli/command.h"
#include "cli/ml_args.h"
#include "core/json_text.h"
#include "ml/silver_source.h"
#include "regime/detector.h"
#include "regime/regime_input.h"

namespace rc::cli {

void RegisterCommand_regime(CLI::App& app, CommandContext& ctx) {
  struct Args {
    SeriesArgs series;
    int history = 20;
    std::string format = "table";
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("regime", "Market regime of the most recent bars (from silver)");
  AddSeriesOptions(cmd, args->series, false);
  cmd->add_option("--history", args->history, "How many recent bars to print")->check(CLI::Range(1, 10'000'000));
  cmd->add_option("--format", args->format, "table, csv (ts,state,confidence) or json")
      ->check(CLI::IsMember({"table", "csv", "json"}));
  cmd->callback([&ctx, args] {
    auto settings = ctx.LoadSettings();
    if (!settings) return ReportError(ctx, settings.error());
    auto series = ParseSymbolTimeframe(args->series.symbol, args->series.timeframe);
    if (!series) return ReportError(ctx, series.error(), 2);
    auto slice = ml::LoadSilver(settings->data_dir, series->first, series->second);
    if (!slice) return ReportError(ctx, slice.error());
    auto inputs = regime::RegimeInputsFromColumns(slice->table);
    if (!inputs) return ReportError(ctx, inputs.error());
    const auto states = regime::DetectRegimes(*inputs);
    const size_t first = states.size() > static_cast<size_t>(args->history) ? states.size() - args->history : 0;
    if (args->format == "csv") std::cout << "ts,state,confidence\n";
    boost::json::array json_rows;
    for (size_t row = first; row < states.size(); ++row) {
      const auto& s = states[row];
      if (args->format == "csv") {
        std::cout << FormatIsoUtc(s.ts) << "," << regime::ToString(s.regime) << "," << std::setprecision(6)
                  << s.confidence << "\n";
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
