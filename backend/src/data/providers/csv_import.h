// File: data/providers/csv_import.h
//
// CSV import of OHLCV bars. Two layouts:
//  - generic: a header row; the time column and the OHLCV columns are named by
//    options or auto-detected (case-insensitive: datetime/timestamp/date_time/
//    time/date, or separate "date" + "time" columns; open/high/low/close;
//    volume/vol); times without an offset are wall clock in `time_zone`.
//  - NSE (NseCsvOptions()): the layout of ../shared/data/nse-5m/ as far as it
//    is common to NSE exports: a header row, times as IST wall clock
//    (Asia/Kolkata). Columns are auto-detected as for generic files.
// Accepted times: "YYYY-MM-DD[ T]HH:MM[:SS[.ffffff]]" with optional "Z" or
// "+HH:MM"/"+HHMM", "YYYY-MM-DD", "DD-MM-YYYY[ HH:MM[:SS]]", and epoch seconds
// (10 digits) or milliseconds (13 digits). Empty, "null" or "nan" cells are
// kept as nulls (raw keeps them; bronze drops them). A row whose time or a
// non-empty number cannot be parsed, or whose cell count differs from the
// header, is a BAD row: reported with its line number and either skipped
// (counted) or, with CsvErrorPolicy::kReject, fails the whole import. Never
// silent. Duplicated times: the last row wins (counted).
//
//   rc::data::CsvImportOptions opt = rc::data::NseCsvOptions();
//   RC_ASSIGN_OR_RETURN(rc::data::CsvImportResult r, rc::data::ImportCsvFile("TCS.csv", opt));
#pragma once

#include <cstdint>
#include <filesystem>
#include <istream>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "data/providers/provider.h"

namespace rc::data {

enum class CsvErrorPolicy { kSkip, kReject };

struct CsvColumns {  // header names; empty = auto-detect
  std::string time;  // a combined date-time column
  std::string date;  // with `clock`: separate date and time-of-day columns
  std::string clock;
  std::string open, high, low, close, volume;  // volume may be absent from the file
};

struct CsvImportOptions {
  std::string time_zone = "UTC";  // IANA zone of times without an offset. Default: UTC
  CsvErrorPolicy on_error = CsvErrorPolicy::kSkip;
  char delimiter = 0;             // 0 = detect from the header (',', ';', tab, '|'). Default: detect
  CsvColumns columns;
  size_t max_reported_errors = 50;  // errors listed in the result/message; all are counted. Default: 50
};

// Options for the NSE files of ../shared/data/nse-5m/ (IST wall clock).
CsvImportOptions NseCsvOptions();

// The layout a CSV announces in its header line: NSE exports have exactly
// `datetime,symbol,open,high,low,close,volume` (any case, spaces around cells
// allowed); anything else is generic.
enum class CsvLayout { kGeneric, kNse };
CsvLayout DetectCsvLayout(std::string_view header_line);

// NseCsvOptions() for an NSE header; otherwise generic options whose times
// without an offset are wall clock in `generic_time_zone`.
CsvImportOptions CsvOptionsForHeader(std::string_view header_line, std::string generic_time_zone);

struct CsvRowError {
  int64_t line = 0;  // 1-based physical line in the file (the header is line 1)
  std::string message;
};

struct CsvImportResult {
  std::vector<RawBar> bars;           // ascending, unique open_time
  int64_t rows_read = 0;              // data rows (non-empty lines after the header)
  std::vector<std::string> symbols;   // distinct values of a "symbol" column, if the file has one (the first 8)
  int64_t rows_skipped = 0;           // bad rows skipped (kSkip)
  int64_t duplicates = 0;             // rows replaced by a later row with the same time
  std::vector<CsvRowError> errors;    // the first max_reported_errors bad rows

  // "1234 rows, 1230 bars, 3 skipped (line 17: ..., ...), 1 duplicate"
  std::string Summary() const;
};

// Errors: kInvalidArgument (bad options: unknown zone, missing/undetectable
// columns, naming the option or column), kDataCorrupt naming `source` when
// policy is kReject and a row is bad (message lists "line N: why" entries) or
// when the file has no header.
Result<CsvImportResult> ImportCsv(std::istream& in, const CsvImportOptions& options, std::string_view source);

// As ImportCsv on a file. Errors also: kNotFound when the file does not exist, kIo.
Result<CsvImportResult> ImportCsvFile(const std::filesystem::path& path, const CsvImportOptions& options);

}  // namespace rc::data
