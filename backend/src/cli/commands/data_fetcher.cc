// `regimecast data-fetcher`: the runbook's "Data Feed Gap" diagnostic. Probes
// every configured provider; exits 1 when the primary is unhealthy.
#include <iostream>

#include "cli/command.h"
#include "data/diagnostics/data_fetcher.h"
#include "data/pipeline/pipeline.h"

namespace rc::cli {

void RegisterCommand_data_fetcher(CLI::App& app, CommandContext& ctx) {
  CLI::App* cmd = app.add_subcommand(
      "data-fetcher", "Provider diagnostic: reachability, latency, newest bar, missing bars, circuit state");
  cmd->footer(
      "With PRIMARY_DATA_PROVIDER=replay (REPLAY_SOURCE, REPLAY_SPEED, REPLAY_START) the diagnostic's \"now\" is "
      "replay time: ages and missing bars are judged on the replayed market.");
  struct Args {
    std::string symbol, timeframe;
    int sessions = 3;
    bool json = false;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("--symbol", args->symbol, "Symbol to probe (default: the first WATCHLIST entry)");
  cmd->add_option("--timeframe", args->timeframe, "Timeframe to probe (default: the first WATCHLIST entry)");
  cmd->add_option("--sessions", args->sessions, "Trading sessions to check for missing bars")
      ->check(CLI::Range(1, 60));
  cmd->add_flag("--json", args->json, "Print one JSON object instead of a table");
  cmd->callback([&ctx, args] {
    auto settings = ctx.LoadSettings();
    if (!settings) return ReportError(ctx, settings.error());
    std::string symbol_text = args->symbol, tf_text = args->timeframe;
    auto watched = ParseWatchlist(*settings);
    if (!watched) return ReportError(ctx, watched.error());
    if (!watched->empty()) {
      if (symbol_text.empty()) symbol_text = watched->front().symbol.str();
      if (tf_text.empty()) tf_text = std::string(watched->front().timeframe.ToString());
    }
    if (symbol_text.empty()) symbol_text = "TCS.NS";
    if (tf_text.empty()) tf_text = "5m";
    auto symbol = Symbol::Parse(symbol_text);
    if (!symbol) return ReportError(ctx, symbol.error());
    auto tf = Timeframe::Parse(tf_text);
    if (!tf) return ReportError(ctx, tf.error());
    // With the replay provider "now" is replay time: ages and missing bars are judged on it.
    data::ProviderDeps deps{.lake_raw = data::pipeline::LakeRawReader(settings->data_dir)};
    auto clock = data::MakeMarketClock(*settings, deps.lake_raw);
    if (!clock) return ReportError(ctx, clock.error());
    deps.market_clock = *clock;
    auto chain = data::MakeProviderChain(*settings, "", {}, deps);
    if (!chain) return ReportError(ctx, chain.error());
    data::DiagnosticReport report =
        data::RunFeedDiagnostic(**chain, {*symbol, *tf, args->sessions, (*clock)->Now()});
    std::cout << (args->json ? data::FormatReportJson(report) : data::FormatReportTable(report));
    std::cout.flush();
    ctx.exit_code = report.primary_healthy ? 0 : 1;
  });
}

}  // namespace rc::cli
