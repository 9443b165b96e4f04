// `regimecast predict`: the prediction the service would make now (or as of a
// time) from the latest silver row: regime -> gating weights (curated override
// if any) -> gated ensemble -> conformal bands. Never fails for lack of a
// model: it falls back to the naive family with volatility bands (degraded).
#include <boost/json.hpp>
#include <iomanip>
#include <iostream>

#include "cli/command.h"
#include "cli/ml_args.h"
#include "ml/predict/predictor.h"
#include "ml/registry/registry.h"
#include "ml/silver_source.h"
#include "monitoring/standard_metrics.h"
#include "regime/detector.h"
#include "regime/regime_input.h"

namespace rc::cli {
namespace {

void PrintTable(const ml::Prediction& p, const Series& series, double last_close) {
  std::cout << series.symbol.str() << " " << series.timeframe.ToString() << " +" << series.key.horizon_minutes
            << "m  last close " << last_close << " at " << FormatIsoUtc(p.data_last_ts) << "\n"
            << "regime: " << regime::ToString(p.regime) << " (confidence " << std::setprecision(3)
            << p.regime_confidence << ")\n"
            << "expected: " << std::setprecision(10) << p.expected_price << " (log return " << std::setprecision(5)
            << p.expected_return << ")\n";
  for (const auto& band : p.bands) {
    std::cout << "band " << int(band.level * 100 + 0.5) << "%: [" << std::setprecision(10) << band.lower
              << ", " << band.upper << "]\n";
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
  cmd->add_option("--as-of", args->as_of, "Predict as of this time (ISO-8601): only bars up to it are used");
  cmd->add_flag("--json", args->json, "Print the prediction as JSON");
  cmd->callback([&ctx, args] {
    auto settings = ctx.LoadSettings();
    if (!settings) return ReportError(ctx, settings.error());
    auto series = ParseSeries(args->series);
    if (!series) return ReportError(ctx, series.error(), 2);
    ml::SilverQuery query;
    int64_t wall_now = NowMicros();
    if (!args->as_of.empty()) {
      auto as_of = ParseIsoUtc(args->as_of, "--as-of");
      if (!as_of) return ReportError(ctx, as_of.error(), 2);
      query.until = *as_of;
      wall_now = *as_of;
    }
    const auto started = std::chrono::steady_clock::now();
    auto slice = ml::LoadSilver(settings->data_dir, series->symbol, series->timeframe, query);
    if (!slice) return ReportError(ctx, slice.error());
    const auto& table = slice->table;
    // The regime of the latest bar: the streaming detector over the history,
    // then staleness judged in market time.
    auto inputs = regime::RegimeInputsFromColumns(table);
    if (!inputs) return ReportError(ctx, inputs.error());
    regime::RegimeDetector detector;
    for (const auto& input : *inputs) detector.Update(input);
    const auto& calendar = ExchangeCalendar::ForSymbol(series->symbol);
    const int64_t last_ts = table.ts.back();
    const int64_t market_now = ml::MarketNow(calendar, series->timeframe, last_ts, wall_now);
    const int64_t spacing = series->timeframe.DurationMicros();

    ml::PredictionRequest request;
    request.feature_names = slice->model_features;
    request.features.resize(static_cast<Eigen::Index>(slice->model_features.size()));
    for (size_t col = 0; col < slice->model_features.size(); ++col) {
      request.features[static_cast<Eigen::Index>(col)] = table.columns.at(slice->model_features[col]).back();
    }
    const auto& close = table.columns.at("close");
    request.last_close = close.back();
    request.last_bar_ts = last_ts;
    request.bar_spacing_us = spacing;
    request.now = market_now;
    request.horizon_bars = series->horizon_bars;
    request.regime = detector.StateAt(market_now, spacing);
    request.recent_vol_per_bar = ml::RecentVolPerBar(close);

    ml::ExperimentRegistry registry(settings->data_dir);
    ml::ModelCache cache(&registry);
    std::optional<ml::IndexEntry> entry;
    std::shared_ptr<const ml::LoadedExperiment> experiment;
    if (auto found = registry.Entry(series->key); found) {
      entry = *found;
      auto loaded = cache.Get(entry->active_experiment);
      if (!loaded) return ReportError(ctx, loaded.error());
      experiment = *loaded;
    } else if (found.error().code != ErrorCode::kNotFound) {
      return ReportError(ctx, found.error());
    }
    const ml::Prediction prediction = ml::Predict(request, entry ? &*entry : nullptr, experiment.get());
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    monitoring::PredictionLatencySeconds()
        .WithLabels({series->symbol.str(), std::string(series->timeframe.ToString())})
        .Observe(seconds);
    if (args->json) {
      boost::json::object out = prediction.ToJson();
      out["symbol"] = series->symbol.str();
      out["timeframe"] = std::string(series->timeframe.ToString());
      out["horizon_minutes"] = series->key.horizon_minutes;
      out["last_close"] = request.last_close;
      out["silver_version"] = slice->silver_version;
      std::cout << boost::json::serialize(out) << "\n";
    } else {
      PrintTable(prediction, *series, request.last_close);
    }
  });
}

}  // namespace rc::cli
