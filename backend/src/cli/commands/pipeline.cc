// `regimecast pipeline`: raw -> bronze -> silver, incremental and idempotent.
#include <iostream>

#include "cli/command.h"
#include "data/pipeline/pipeline.h"

namespace rc::cli {

void RegisterCommand_pipeline(CLI::App& app, CommandContext& ctx) {
  struct Args {
    std::string symbol, timeframe, feature_set;
    int workers = 0;
    int batch_partitions = data::pipeline::PipelineOptions{}.batch_partitions;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("pipeline", "Build bronze and silver from raw (only partitions with new data)");
  cmd->add_option("--symbol", args->symbol, "Only this symbol");
  cmd->add_option("--timeframe", args->timeframe, "Only this timeframe");
  cmd->add_option("--feature-set", args->feature_set, "Feature set (default: the current one, core_v1)");
  cmd->add_option("--workers", args->workers, "Partitions built at once (default: two per core, at most 8)")
      ->check(CLI::Range(1, 64));
  cmd->add_option("--batch-partitions", args->batch_partitions,
                  "Partitions committed together, one commit per table (default: 256)")
      ->check(CLI::Range(1, 100000));
  AddSettingFlag(cmd, ctx, "horizons", "horizons_minutes", "Target horizons in minutes (HORIZONS_MINUTES)");
  cmd->callback([&ctx, args] {
    auto settings = ctx.LoadSettings();
    if (!settings) return ReportError(ctx, settings.error());
    data::pipeline::PipelineOptions options;
    options.data_dir = settings->data_dir;
    options.horizons_minutes = settings->horizons_minutes;
    options.workers = args->workers;
    options.batch_partitions = args->batch_partitions;
    auto filter = ParseSeriesFilter(args->symbol, args->timeframe);
    if (!filter) return ReportError(ctx, filter.error(), 2);
    options.symbol = filter->symbol;
    options.timeframe = filter->timeframe;
    if (!args->feature_set.empty()) {
      auto set = features::FeatureSet::ByName(args->feature_set);
      if (!set) return ReportError(ctx, set.error(), 2);
      options.feature_set = *set;
    }
    KeepFreedMemoryForReuse();
    auto reports = data::pipeline::RunPipeline(options);
    if (!reports) return ReportError(ctx, reports.error());
    for (const auto& r : *reports) {
      std::cout << r.symbol.str() << " " << r.timeframe.ToString() << ": bronze "
                << (r.bronze_rebuilt ? "rebuilt (" + std::to_string(r.bronze_rows) + " bars, v" +
                                           std::to_string(r.bronze_version) + ")"
                                     : std::string("unchanged"))
                << ", silver "
                << (r.silver_rebuilt ? "rebuilt (" + std::to_string(r.silver_rows) + " rows, v" +
                                           std::to_string(r.silver_version) + ")"
                                     : std::string("unchanged"));
      if (r.bronze_rebuilt) {
        const auto& s = r.stats;
        std::cout << "; sessions regular=" << s.regular << " pre=" << s.pre << " post=" << s.post
                  << " closed=" << s.closed << "; dropped forming=" << s.dropped_forming << " null=" << s.dropped_null
                  << " invalid=" << s.dropped_invalid << " duplicates=" << s.duplicates << "; gaps=" << s.gaps;
      }
      std::cout << "\n";
    }
    if (reports->empty()) std::cout << "no raw data yet: run ingest, import-csv or sim first\n";
  });
}

}  // namespace rc::cli
