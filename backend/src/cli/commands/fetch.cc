// `regimecast fetch`: fetch raw bars through the provider chain (or one
// provider) and print them with the provider that served them.
#include <charconv>
#include <iostream>

#include "cli/command.h"
#include "core/logging.h"
#include "data/failover/provider_chain.h"
#include "data/pipeline/pipeline.h"

namespace rc::cli {
namespace {

std::string Num(const std::optional<double>& value, std::string_view null_text) {
  if (!value) return std::string(null_text);
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, *value);
  return ec == std::errc() ? std::string(buf, end) : std::string(null_text);
}

int64_t DefaultLookback(Timeframe tf) {
  switch (tf.unit()) {
    case Timeframe::Unit::k1m: return 2 * kMicrosPerDay;
    case Timeframe::Unit::k5m: return 5 * kMicrosPerDay;
    case Timeframe::Unit::k15m: return 10 * kMicrosPerDay;
    case Timeframe::Unit::k30m: return 20 * kMicrosPerDay;
    case Timeframe::Unit::k1h: return 30 * kMicrosPerDay;
    case Timeframe::Unit::k1d: return 365 * kMicrosPerDay;
  }
  return 5 * kMicrosPerDay;
}

}  // namespace

void RegisterCommand_fetch(CLI::App& app, CommandContext& ctx) {
  CLI::App* cmd = app.add_subcommand(
      "fetch", "Fetch raw bars from the provider chain (PRIMARY_DATA_PROVIDER, then FALLBACK_DATA_PROVIDERS)");
  cmd->footer(
      "With PRIMARY_DATA_PROVIDER=replay the bars come from REPLAY_SOURCE (a CSV in the NSE or generic layout, or "
      "lake:raw) as far as the replay clock has played them: REPLAY_START (default: the source's first bar) "
      "advancing REPLAY_SPEED times the wall clock while the market is open. The clock keeps running between "
      "calls (<DATA_DIR>/replay/clock) and --to defaults to replay time.");
  struct Args {
    std::string symbol, timeframe, from, to, provider, format = "csv";
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("--symbol", args->symbol, "Symbol, Yahoo style (TCS.NS)")->required();
  cmd->add_option("--timeframe", args->timeframe, "1m 5m 15m 30m 1h 1d")->required();
  cmd->add_option("--from", args->from, "First bar open time, ISO-8601 (default: a lookback per timeframe)");
  cmd->add_option("--to", args->to, "End (exclusive), ISO-8601 (default: now, replay time for replay)");
  cmd->add_option("--provider", args->provider, "Use only this provider: yahoo, twelvedata, csv, sim or replay");
  cmd->add_option("--format", args->format, "csv or jsonl")->check(CLI::IsMember({"csv", "jsonl"}));
  cmd->callback([&ctx, args] {
    auto settings = ctx.LoadSettings();
    if (!settings) return ReportError(ctx, settings.error());
    auto key = ParseSymbolTimeframe(args->symbol, args->timeframe);
    if (!key) return ReportError(ctx, key.error(), 2);
    const Symbol& symbol = key->first;
    const Timeframe tf = key->second;
    data::ProviderDeps deps{.lake_raw = data::pipeline::LakeRawReader(settings->data_dir)};
    TimestampUs to = NowMicros();
    if (args->provider.empty() || args->provider == "replay") {  // "now" is replay time when the replay answers
      auto clock = data::MakeMarketClock(*settings, deps.lake_raw);
      if (!clock) return ReportError(ctx, clock.error());
      deps.market_clock = *clock;
      to = (*clock)->Now();
    }
    auto to_flag = ParseTimeFlag(args->to, "--to");
    if (!to_flag) return ReportError(ctx, to_flag.error(), 2);
    to = to_flag->value_or(to);
    auto from_flag = ParseTimeFlag(args->from, "--from");
    if (!from_flag) return ReportError(ctx, from_flag.error(), 2);
    const TimestampUs from = from_flag->value_or(to - DefaultLookback(tf));
    if (auto window = CheckFromBeforeTo(from, to); !window) return ReportError(ctx, window.error(), 2);
    auto chain = data::MakeProviderChain(*settings, args->provider, {}, deps);
    if (!chain) return ReportError(ctx, chain.error());
    auto result = (*chain)->Fetch({symbol, tf, from, to});
    if (!result) return ReportError(ctx, result.error());
    const bool csv = args->format == "csv";
    if (csv) std::cout << "provider,ts,open,high,low,close,volume\n";
    for (const data::RawBar& bar : result->bars) {
      if (csv) {
        std::cout << result->provider << ',' << FormatIsoUtc(bar.open_time) << ',' << Num(bar.open, "") << ','
                  << Num(bar.high, "") << ',' << Num(bar.low, "") << ',' << Num(bar.close, "") << ','
                  << Num(bar.volume, "") << '\n';
      } else {
        std::cout << "{\"provider\":\"" << JsonEscape(result->provider) << "\",\"ts\":\""
                  << FormatIsoUtc(bar.open_time) << "\",\"open\":" << Num(bar.open, "null")
                  << ",\"high\":" << Num(bar.high, "null") << ",\"low\":" << Num(bar.low, "null")
                  << ",\"close\":" << Num(bar.close, "null") << ",\"volume\":" << Num(bar.volume, "null") << "}\n";
      }
    }
    std::cout.flush();
    std::cerr << "fetched " << result->bars.size() << " bars of " << symbol.str() << " " << tf.ToString()
              << " from " << result->provider << (result->last_bar_forming ? " (last bar still forming)" : "")
              << (result->note.empty() ? "" : "; " + result->note) << "\n";
    ctx.exit_code = 0;
  });
}

}  // namespace rc::cli
