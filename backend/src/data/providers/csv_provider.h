// File: data/providers/csv_provider.h
//
// PRIMARY_DATA_PROVIDER=csv: serves bars from CSV files in a directory
// (CSV_DIR, default <DATA_DIR>/import). The file for (symbol, timeframe) is
// `<dir>/<SYMBOL>_<TF>.csv` (e.g. TCS.NS_5m.csv), else `<dir>/<SYMBOL>/<TF>.csv`.
// Layout as in csv_import.h; times without an offset are wall clock of the
// symbol's exchange (IST for .NS), bad rows are skipped and logged with their
// line numbers.
#pragma once

#include <filesystem>
#include <string>

#include "core/settings.h"
#include "data/providers/csv_import.h"
#include "data/providers/provider.h"

namespace rc::data {

// CSV_DIR, or <DATA_DIR>/import when it is empty.
std::filesystem::path CsvDirectory(const Settings& settings);

class CsvProvider final : public Provider {
 public:
  explicit CsvProvider(std::filesystem::path dir);

  std::string_view name() const override { return "csv"; }
  // Errors: kNotFound when no file exists for (symbol, timeframe), kDataCorrupt/
  // kInvalidArgument from the importer (e.g. no recognisable columns).
  Result<FetchResult> Fetch(const FetchRequest& request) override;
  Coverage CoverageFor(Timeframe timeframe, TimestampUs now) const override;

  // The file Fetch reads for (symbol, timeframe), or the preferred name when neither exists.
  std::filesystem::path FileFor(const Symbol& symbol, Timeframe timeframe) const;

 private:
  std::filesystem::path dir_;
};

}  // namespace rc::data
