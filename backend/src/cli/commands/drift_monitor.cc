// `regimecast drift-monitor`: the runbook's drift check. Fills in realized
// closes of logged predictions from silver, measures recent quality per series
// (MAPE, RMSE, band coverage) and exits 3 when MAPE exceeds
// DRIFT_MAPE_THRESHOLD (retrain: `regimecast train --bot orchestrator ...`).
#include <boost/json.hpp>
#include <iomanip>
#include <iostream>

#include "cli/command.h"
#include "core/json_text.h"
#include "core/symbol.h"
#include "serving/quality.h"

namespace rc::cli {

void RegisterCommand_drift_monitor(CLI::App& app, CommandContext& ctx) {
  struct Args {
    std::string symbol, timeframe;
    size_t window = 200;
    bool json = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("drift-monitor", "Measure served predictions against realized prices (drift check)");
  cmd->add_option("--symbol", args->symbol, "Only this symbol");
  cmd->add_option("--timeframe", args->timeframe, "Only this timeframe");
  cmd->add_option("--window", args->window, "Most recent matured predictions measured per series")
      ->check(CLI::Range(1, 1'000'000));
  cmd->add_flag("--json", args->json, "Print JSON");
  AddSettingFlag(cmd, ctx, "threshold", "drift_mape_threshold", "MAPE ratio that counts as drift (DRIFT_MAPE_THRESHOLD)");
  cmd->callback([&ctx, args] {
    auto settings = ctx.LoadSettings();
    if (!settings) return ReportError(ctx, settings.error());
    serving::DriftOptions options;
    options.data_dir = settings->data_dir;
    options.mape_threshold = settings->drift_mape_threshold;
    options.window = args->window;
    auto filter = ParseSeriesFilter(args->symbol, args->timeframe);
    if (!filter) return ReportError(ctx, filter.error(), 2);
    options.symbol = filter->symbol;
    options.timeframe = filter->timeframe;
    auto report = serving::RunDriftCheck(options);
    if (!report) return ReportError(ctx, report.error());
    bool drift = false;
    boost::json::array items;
    for (const auto& q : *report) {
      drift |= q.drift;
      if (args->json) {
        items.push_back(boost::json::object{
            {"symbol", q.symbol.str()}, {"timeframe", std::string(q.timeframe.ToString())},
            {"predictions", q.predictions}, {"matured", q.matured}, {"filled_now", q.filled_now},
            {"measured", q.measured}, {"mape", q.mape}, {"rmse", q.rmse}, {"coverage_50", q.coverage_50},
            {"coverage_80", q.coverage_80}, {"coverage_95", q.coverage_95}, {"drift", q.drift}});
        continue;
      }
      std::cout << std::left << std::setw(12) << q.symbol.str() << std::setw(5) << q.timeframe.ToString()
                << " predictions " << q.predictions << ", matured " << q.matured << " (+" << q.filled_now
                << " now), measured " << q.measured;
      if (q.measured > 0) {
        std::cout << std::fixed << std::setprecision(4) << ": mape " << q.mape << " rmse " << q.rmse << " cov50 "
                  << q.coverage_50 << " cov80 " << q.coverage_80 << " cov95 " << q.coverage_95
                  << std::defaultfloat;
      }
      std::cout << (q.drift ? "  DRIFT (mape above " + std::to_string(settings->drift_mape_threshold) + ")" : "")
                << "\n";
    }
    if (args->json) std::cout << JsonText(items) << "\n";
    if (!args->json && report->empty()) std::cout << "no predictions logged yet (data/gold/predictions is empty)\n";
    if (drift) ctx.exit_code = 3;
  });
}

}  // namespace rc::cli
