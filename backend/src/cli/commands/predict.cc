// `regimecast predict`: the prediction the service would make now (or as of a
// time) from the latest silver row: regime -> gating weights (curated override
// if any) -> gated ensemble -> conformal bands. Never fails for lack of a
// model: it falls back to the naive family with volatility bands (degraded).
// Same code as POST /api/prediction/trigger (serving/runtime.h), without the
// gold log and the broadcast: a CLI prediction is not a served one.
#include <boost/json.hpp>
#include <iomanip>
#include <iostream>

#include "cli/command.h"
#include "cli/ml_args.h"
#include "core/json_text.h"
#include "core/time.h"
#include "serving/runtime.h"

namespace rc::cli {
namespace {

void PrintTable(const serving::PredictionOutcome& outcome) {
  const ml::Prediction& p = outcome.prediction;
  const auto& q = outcome.query;
  std::cout << q.symbol.str() << " " << q.timeframe.ToString() << " +" << q.horizon_minutes << "m  last close "
            << outcome.last_close << " at " << FormatIsoUtc(p.data_last_ts) << (p.stale ? " (STALE)" : "") << "\n"
            << "regime: " << regime::ToString(p.regime) << " (confidence " << std::setprecision(3)
            << p.regime_confidence << ")\n"
            << "expected: " << std::setprecision(10) << p.expected_price << " (log return " << std::setprecision(5)
            << p.expected_return << ")\n";
  for (const auto& band : p.bands) {
    std::cout << "band " << int(band.level * 100 + 0.5) << "%: [" << std::setprecision(10) << band.lower << ", "
              << band.upper << "]\n";
  }
  std::cout << "weights (" << p.weights_source << "):";
  for (const auto& [family, w] : p.weights) std::cout << " " << family << "=" << std::setprecision(3) << w;
  std::cout << "\n";
  for (const auto& [family, why] : p.gated_out) std::cout << "gated out: " << family << " (" << why << ")\n";
  if (p.degraded) std::cout << "DEGRADED: " << p.degraded_reason << "\n";
  if (!p.experiment_id.empty()) std::cout << "experiment: " << p.experiment_id << "\n";
}

}  // namespace

void RegisterCommand_predict(CLI::App& app, CommandContext& ctx) {
  struct Args {
    SeriesArgs series;
    std::string as_of;
    bool json = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("predict", "Predict from the latest silver row with the active experiment");
  AddSeriesOptions(cmd, args->series, true);
  cmd->add_option("--as-of", args->as_of, "Predict as of this time (ISO-8601): only bars closed by then are used");
  cmd->add_flag("--json", args->json, "Print the prediction as JSON");
  cmd->callback([&ctx, args] {
    auto settings = ctx.LoadSettings();
    if (!settings) return ReportError(ctx, settings.error());
    auto series = ParseSeries(args->series);
    if (!series) return ReportError(ctx, series.error(), 2);
    serving::PredictQuery query{series->symbol, series->timeframe, args->series.horizon_minutes, std::nullopt};
    auto as_of = ParseTimeFlag(args->as_of, "--as-of");
    if (!as_of) return ReportError(ctx, as_of.error(), 2);
    query.as_of = *as_of;
    serving::RuntimeOptions options;
    options.data_dir = settings->data_dir;
    options.log_predictions = false;
    serving::Runtime runtime(std::move(options), nullptr);
    auto outcome = runtime.Predict(query);
    if (!outcome) return ReportError(ctx, outcome.error());
    if (args->json) {
      std::cout << JsonText(outcome->ToJson()) << "\n";
    } else {
      PrintTable(*outcome);
    }
  });
}

}  // namespace rc::cli
