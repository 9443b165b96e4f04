// `regimecast ingest --symbol S --timeframe TF`: fetch from the provider chain
// (PRIMARY_DATA_PROVIDER, then FALLBACK_DATA_PROVIDERS) into data/raw/bars.
#include <iostream>

#include "cli/command.h"
#include "data/failover/provider_chain.h"
#include "data/pipeline/pipeline.h"

namespace rc::cli {

void RegisterCommand_ingest(CLI::App& app, CommandContext& ctx) {
  struct Args {
    std::string symbol, timeframe, from, to, provider;
    int days = 5;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("ingest", "Fetch bars from the providers (with failover) into data/raw/bars");
  cmd->add_option("--symbol", args->symbol, "Symbol, Yahoo style (TCS.NS)")->required();
  cmd->add_option("--timeframe", args->timeframe, "Bar timeframe (1m 5m 15m 30m 1h 1d)")->required();
  cmd->add_option("--from", args->from, "First bar open time, ISO-8601 (default: --days before --to)");
  cmd->add_option("--to", args->to, "End (exclusive), ISO-8601 (default: now)");
  cmd->add_option("--days", args->days, "Look-back when --from is not given")->check(CLI::Range(1, 3650));
  cmd->add_option("--provider", args->provider, "Use only this provider (yahoo, twelvedata, csv, sim)");
  cmd->callback([&ctx, args] {
    auto settings = ctx.LoadSettings();
    if (!settings) return ReportError(ctx, settings.error());
    auto series = ParseSymbolTimeframe(args->symbol, args->timeframe);
    if (!series) return ReportError(ctx, series.error(), 2);
    const Symbol& symbol = series->first;
    const Timeframe tf = series->second;
    auto to_flag = ParseTimeFlag(args->to, "--to");
    if (!to_flag) return ReportError(ctx, to_flag.error(), 2);
    const TimestampUs to = to_flag->value_or(NowMicros());
    auto from_flag = ParseTimeFlag(args->from, "--from");
    if (!from_flag) return ReportError(ctx, from_flag.error(), 2);
    const TimestampUs from = from_flag->value_or(to - args->days * kMicrosPerDay);
    if (auto window = CheckFromBeforeTo(from, to); !window) return ReportError(ctx, window.error(), 2);
    auto chain = data::MakeProviderChain(*settings, args->provider);
    if (!chain) return ReportError(ctx, chain.error());
    auto fetched = (*chain)->Fetch({symbol, tf, from, to});
    if (!fetched) return ReportError(ctx, fetched.error());
    auto commit = data::pipeline::CommitRaw(settings->data_dir, symbol, tf, *fetched);
    if (!commit) return ReportError(ctx, commit.error());
    std::cout << fetched->provider << ": " << fetched->bars.size() << " bars for " << symbol.str() << " "
              << tf.ToString() << " [" << FormatIsoUtc(from) << ", " << FormatIsoUtc(to) << ")";
    if (!fetched->note.empty()) std::cout << " (" << fetched->note << ")";
    std::cout << "\n";
    if (commit->version >= 0) {
      std::cout << "raw: committed as version " << commit->version << " (batch " << commit->batch_id << ")\n";
    } else {
      std::cout << "raw: nothing to commit\n";
    }
  });
}

}  // namespace rc::cli
