#include "data/providers/csv_provider.h"

#include <spdlog/spdlog.h>

#include "core/calendar.h"

namespace rc::data {

std::filesystem::path CsvDirectory(const Settings& settings) {
  if (!settings.csv_dir.empty()) return settings.csv_dir;
  return std::filesystem::path(settings.data_dir) / "import";
}

CsvProvider::CsvProvider(std::filesystem::path dir) : dir_(std::move(dir)) {}

Coverage CsvProvider::CoverageFor(Timeframe /*timeframe*/, TimestampUs /*now*/) const { return {0, 0}; }

std::filesystem::path CsvProvider::FileFor(const Symbol& symbol, Timeframe timeframe) const {
  const std::string tf(timeframe.ToString());
  std::filesystem::path flat = dir_ / (symbol.str() + "_" + tf + ".csv");
  std::filesystem::path nested = dir_ / symbol.str() / (tf + ".csv");
  std::error_code ec;
  if (!std::filesystem::exists(flat, ec) && std::filesystem::exists(nested, ec)) return nested;
  return flat;
}

Result<FetchResult> CsvProvider::Fetch(const FetchRequest& request) {
  RC_RETURN_IF_ERROR(ValidateRequest(request));
  const std::filesystem::path file = FileFor(request.symbol, request.timeframe);
  CsvImportOptions options;
  options.time_zone = ExchangeCalendar::ForSymbol(request.symbol).time_zone();
  auto imported = ImportCsvFile(file, options);
  if (!imported) return tl::unexpected(WithContext(imported.error(), "csv"));
  if (imported->rows_skipped > 0) spdlog::warn("csv: {}: {}", file.string(), imported->Summary());
  ClipToRange(imported->bars, request.from, request.to);
  return MakeFetchResult("csv", std::move(imported->bars), request, NowMicros());
}

}  // namespace rc::data
