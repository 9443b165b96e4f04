// `regimecast sim`: simulate a regime-switching market for N trading days and
// commit the bars to data/raw/bars (provider "sim"), or write them as CSV with
// --out; optionally write the true regime of every bar (--truth-out).
#include <charconv>
#include <fstream>
#include <iostream>

#include "cli/command.h"
#include "data/pipeline/pipeline.h"
#include "data/sim/market_simulator.h"
#include "regime/regime.h"

namespace rc::cli {
namespace {

std::string Num(double value) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  return ec == std::errc() ? std::string(buf, end) : std::string("nan");
}

}  // namespace

void RegisterCommand_sim(CLI::App& app, CommandContext& ctx) {
  CLI::App* cmd = app.add_subcommand("sim", "Simulate a regime-switching market (deterministic for a seed)");
  struct Args {
    std::string symbol, timeframe, end, out, truth_out;
    int days = 0;
    int64_t seed = 42;
    bool extended = false;
    double start_price = 100.0;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("--symbol", args->symbol, "Symbol whose exchange calendar to follow (TCS.NS)")->required();
  cmd->add_option("--timeframe", args->timeframe, "1m 5m 15m 30m 1h 1d")->required();
  cmd->add_option("--days", args->days, "Trading days to simulate")->required()->check(CLI::Range(1, 10000));
  cmd->add_option("--seed", args->seed, "Random seed (same seed, symbol, timeframe -> same market)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--end", args->end, "End (exclusive), ISO-8601; the days end before it (default: today 00:00Z)");
  cmd->add_option("--out", args->out, "Write the bars as CSV to this file ('-' = stdout) instead of data/raw/bars");
  cmd->add_option("--truth-out", args->truth_out, "Write the true regime of every bar, CSV ts,regime");
  cmd->add_option("--start-price", args->start_price, "Price at the simulation origin")->check(CLI::PositiveNumber);
  cmd->add_flag("--extended-hours", args->extended, "Also emit NSE pre-open and closing-session bars");
  cmd->callback([&ctx, args] {
    auto settings = ctx.LoadSettings();
    if (!settings) return ReportError(ctx, settings.error());
    auto key = ParseSymbolTimeframe(args->symbol, args->timeframe);
    if (!key) return ReportError(ctx, key.error(), 2);
    const Symbol& symbol = key->first;
    const Timeframe tf = key->second;
    auto end_flag = ParseTimeFlag(args->end, "--end");
    if (!end_flag) return ReportError(ctx, end_flag.error(), 2);
    const TimestampUs end = end_flag->value_or(NowMicros() / kMicrosPerDay * kMicrosPerDay);
    data::SimConfig config;
    config.seed = static_cast<uint64_t>(args->seed);
    config.extended_hours = args->extended;
    config.start_price = args->start_price;
    auto series = data::SimulateTradingDays(config, symbol, tf, args->days, end);
    if (!series) return ReportError(ctx, series.error());

    if (args->out.empty()) {
      data::FetchResult fetched;
      fetched.provider = "sim";
      fetched.fetched_at = NowMicros();
      fetched.note = "sim seed " + std::to_string(args->seed);
      for (const Bar& bar : series->bars) {
        fetched.bars.push_back({bar.open_time, bar.open, bar.high, bar.low, bar.close, bar.volume});
      }
      auto commit = data::pipeline::CommitRaw(settings->data_dir, symbol, tf, fetched);
      if (!commit) return ReportError(ctx, commit.error());
      std::cout << "raw: " << commit->rows << " bars committed as version " << commit->version << " (batch "
                << commit->batch_id << ")\n";
    }
    std::ofstream out_file;
    const bool to_stdout = args->out == "-";
    if (!args->out.empty() && !to_stdout) {
      out_file.open(args->out, std::ios::trunc);
      if (!out_file) return ReportError(ctx, IoError("cannot write " + args->out).value());
    }
    if (!args->out.empty()) {
      std::ostream& out = to_stdout ? std::cout : out_file;
      out << "ts,open,high,low,close,volume\n";
      for (const Bar& bar : series->bars) {
        out << FormatIsoUtc(bar.open_time) << ',' << Num(bar.open) << ',' << Num(bar.high) << ',' << Num(bar.low)
            << ',' << Num(bar.close) << ',' << Num(bar.volume) << '\n';
      }
      out.flush();
      if (!out) return ReportError(ctx, IoError("write failed: " + (to_stdout ? "stdout" : args->out)).value());
    }
    if (!args->truth_out.empty()) {
      std::ofstream truth(args->truth_out, std::ios::trunc);
      if (!truth) return ReportError(ctx, IoError("cannot write " + args->truth_out).value());
      truth << "ts,regime\n";
      for (size_t i = 0; i < series->bars.size(); ++i) {
        truth << FormatIsoUtc(series->bars[i].open_time) << ',' << regime::ToString(series->regimes[i]) << '\n';
      }
      truth.flush();
      if (!truth) return ReportError(ctx, IoError("write failed: " + args->truth_out).value());
    }
    std::cerr << "simulated " << series->bars.size() << " bars of " << symbol.str() << " " << tf.ToString()
              << " (seed " << args->seed << ")\n";
    ctx.exit_code = 0;
  });
}

}  // namespace rc::cli
