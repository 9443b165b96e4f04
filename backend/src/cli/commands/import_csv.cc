// `regimecast import-csv FILE --symbol S --timeframe TF`: a CSV of bars into
// data/raw/bars (provider "csv"). Bad rows are reported with line numbers and
// skipped, or reject the whole file with --reject-bad-rows.
#include <iostream>

#include "cli/command.h"
#include "core/calendar.h"
#include "data/pipeline/pipeline.h"
#include "data/providers/csv_import.h"

namespace rc::cli {

void RegisterCommand_import_csv(CLI::App& app, CommandContext& ctx) {
  struct Args {
    std::string file, symbol, timeframe, tz, layout = "auto";
    bool reject = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("import-csv", "Import a CSV of OHLCV bars into data/raw/bars");
  cmd->add_option("file", args->file, "CSV file")->required()->check(CLI::ExistingFile);
  cmd->add_option("--symbol", args->symbol, "Symbol, Yahoo style (TCS.NS)")->required();
  cmd->add_option("--timeframe", args->timeframe, "Bar timeframe (1m 5m 15m 30m 1h 1d)")->required();
  cmd->add_option("--tz", args->tz, "IANA zone of times without an offset (default: the symbol's exchange zone)");
  cmd->add_option("--layout", args->layout, "auto (detect columns) or nse (../shared/data/nse-5m layout)")
      ->check(CLI::IsMember({"auto", "nse"}));
  cmd->add_flag("--reject-bad-rows", args->reject, "Fail the whole import on the first bad row (default: skip them)");
  cmd->callback([&ctx, args] {
    auto settings = ctx.LoadSettings();
    if (!settings) return ReportError(ctx, settings.error());
    auto series = ParseSymbolTimeframe(args->symbol, args->timeframe);
    if (!series) return ReportError(ctx, series.error(), 2);
    const Symbol& symbol = series->first;
    const Timeframe tf = series->second;
    data::CsvImportOptions options = args->layout == "nse" ? data::NseCsvOptions() : data::CsvImportOptions{};
    options.time_zone = args->tz.empty() ? ExchangeCalendar::ForSymbol(symbol).time_zone() : args->tz;
    options.on_error = args->reject ? data::CsvErrorPolicy::kReject : data::CsvErrorPolicy::kSkip;
    KeepFreedMemoryForReuse();
    auto imported = data::ImportCsvFile(args->file, options);
    if (!imported) return ReportError(ctx, imported.error());
    for (const auto& row_error : imported->errors) {
      std::cerr << args->file << ":" << row_error.line << ": " << row_error.message << "\n";
    }
    const std::string summary = imported->Summary();
    data::FetchResult fetched;
    fetched.provider = "csv";
    fetched.bars = std::move(imported->bars);
    fetched.fetched_at = NowMicros();
    fetched.note = "import-csv " + args->file;
    auto commit = data::pipeline::CommitRaw(settings->data_dir, symbol, tf, fetched);
    if (!commit) return ReportError(ctx, commit.error());
    std::cout << summary << "\n"
              << "raw: " << commit->rows << " bars committed as version " << commit->version << " (batch "
              << commit->batch_id << ")\n";
  });
}

}  // namespace rc::cli
