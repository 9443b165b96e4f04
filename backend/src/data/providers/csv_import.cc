#include "data/providers/csv_import.h"

#include "core/strings.h"
#include "core/time.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <optional>
#include <variant>

#include "data/internal/parse_util.h"
#include "data/internal/time_zone.h"

namespace rc::data {
namespace {

// Splits one line into cells; double quotes group (with "" as an escaped quote).
// Returns nullopt on an unterminated quote.
std::optional<std::vector<std::string>> SplitCells(std::string_view line, char delim) {
  std::vector<std::string> cells;
  std::string cell;
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < line.size() && line[i + 1] == '"') {
          cell.push_back('"');
          ++i;
        } else {
          quoted = false;
        }
      } else {
        cell.push_back(c);
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == delim) {
      cells.emplace_back(TrimAscii(cell));
      cell.clear();
    } else {
      cell.push_back(c);
    }
  }
  if (quoted) return std::nullopt;
  cells.emplace_back(TrimAscii(cell));
  return cells;
}

// The cells of one data row as views, reusing its buffers from row to row:
// a row without quotes (nearly every row of a bar file) is cut in place, with
// no allocation; a quoted one goes through SplitCells and views its copies.
class RowCells {
 public:
  // False on an unterminated quote.
  bool Split(std::string_view line, char delim) {
    views_.clear();
    if (line.find('"') != std::string_view::npos) {
      auto owned = SplitCells(line, delim);
      if (!owned) return false;
      owned_ = std::move(*owned);
      views_.assign(owned_.begin(), owned_.end());
      return true;
    }
    size_t start = 0;
    for (size_t at = line.find(delim); at != std::string_view::npos; at = line.find(delim, start)) {
      views_.push_back(TrimAscii(line.substr(start, at - start)));
      start = at + 1;
    }
    views_.push_back(TrimAscii(line.substr(start)));
    return true;
  }
  size_t size() const { return views_.size(); }
  std::string_view operator[](size_t i) const { return views_[i]; }

 private:
  std::vector<std::string_view> views_;
  std::vector<std::string> owned_;
};

char DetectDelimiter(std::string_view header) {
  char best = ',';
  size_t best_count = 0;
  for (char d : {',', ';', '\t', '|'}) {
    const auto n = static_cast<size_t>(std::count(header.begin(), header.end(), d));
    if (n > best_count) {
      best = d;
      best_count = n;
    }
  }
  return best;
}

int FindColumn(const std::vector<std::string>& header, const std::string& wanted,
               std::initializer_list<std::string_view> candidates) {
  if (!wanted.empty()) {
    for (size_t i = 0; i < header.size(); ++i) {
      if (EqualsIgnoringAsciiCase(header[i], wanted)) return static_cast<int>(i);
    }
    return -2;  // named but absent
  }
  for (std::string_view candidate : candidates) {
    for (size_t i = 0; i < header.size(); ++i) {
      if (EqualsIgnoringAsciiCase(header[i], candidate)) return static_cast<int>(i);
    }
  }
  return -1;
}

bool IsNullCell(std::string_view cell) {
  return cell.empty() || EqualsIgnoringAsciiCase(cell, "null") || EqualsIgnoringAsciiCase(cell, "nan") ||
         EqualsIgnoringAsciiCase(cell, "none");
}

// "+05:30", "+0530", "-04:00", "Z" -> offset in micros.
std::optional<int64_t> ParseOffset(std::string_view text) {
  if (text == "Z" || text == "z") return 0;
  if (text.size() != 6 && text.size() != 5) return std::nullopt;
  if (text[0] != '+' && text[0] != '-') return std::nullopt;
  std::string digits;
  for (char c : text.substr(1)) {
    if (c != ':') digits.push_back(c);
  }
  if (digits.size() != 4 || !std::all_of(digits.begin(), digits.end(), ::isdigit)) return std::nullopt;
  if (text.size() == 6 && text[3] != ':') return std::nullopt;
  const int hh = std::stoi(digits.substr(0, 2));
  const int mm = std::stoi(digits.substr(2, 2));
  if (hh > 14 || mm > 59) return std::nullopt;
  const int64_t off = (hh * 3600 + mm * 60) * kMicrosPerSecond;
  return text[0] == '-' ? -off : off;
}

// Parses a time cell into a UTC instant. Returns an error message on failure.
std::variant<TimestampUs, std::string> ParseTimeCell(std::string_view text, internal::ZoneClock& zone) {
  if (text.empty()) return std::string("time is empty");
  if (std::all_of(text.begin(), text.end(), ::isdigit)) {
    if (text.size() == 10) return static_cast<TimestampUs>(std::stoll(std::string(text))) * kMicrosPerSecond;
    if (text.size() == 13) return static_cast<TimestampUs>(std::stoll(std::string(text))) * 1000;
    return "time '" + std::string(text) + "' is neither epoch seconds (10 digits) nor milliseconds (13 digits)";
  }
  std::string reordered;  // only for DD-MM-YYYY, the one layout parsed from a rearranged copy
  std::string_view normalized = text;
  // DD-MM-YYYY[ rest] -> YYYY-MM-DD[ rest]
  if (text.size() >= 10 && text[2] == '-' && text[5] == '-' && std::isdigit(static_cast<unsigned char>(text[6]))) {
    reordered = std::string(text.substr(6, 4)) + "-" + std::string(text.substr(3, 2)) + "-" +
                std::string(text.substr(0, 2)) + std::string(text.substr(10));
    normalized = reordered;
  }
  std::optional<int64_t> offset;
  if (normalized.size() > 10) {
    // An explicit offset at the end: Z, +HH:MM, +HHMM, -HH:MM.
    if (normalized.back() == 'Z' || normalized.back() == 'z') {
      offset = 0;
      normalized.remove_suffix(1);
    } else {
      for (size_t len : {6u, 5u}) {
        if (normalized.size() > 16 + len) {
          const std::string_view tail = normalized.substr(normalized.size() - len);
          if ((tail[0] == '+' || tail[0] == '-') && (offset = ParseOffset(tail))) {
            normalized.remove_suffix(len);
            break;
          }
        }
      }
    }
  }
  auto wall = ParseIsoWallClock(normalized);
  if (!wall) return "time '" + std::string(text.substr(0, 40)) + "' is not a recognised date-time";
  if (offset) return wall->micros - *offset;
  return zone.ToUtc(wall->micros);
}

// Data rows to reserve for: the bytes left in a seekable stream over a short
// bar line's length (an over-estimate, so the vector grows at most rarely); 0
// for a stream that cannot tell.
size_t EstimatedRows(std::istream& in) {
  constexpr std::streamoff kShortBarLine = 32;
  constexpr std::streamoff kMaxReserved = 10'000'000;  // a hint, not a promise the file keeps
  const std::streampos here = in.tellg();
  if (here < 0) return 0;
  in.seekg(0, std::ios::end);
  const std::streampos end = in.tellg();
  in.seekg(here);
  if (end < here || !in) {
    in.clear();
    in.seekg(here);
    return 0;
  }
  return static_cast<size_t>(std::min<std::streamoff>((end - here) / kShortBarLine, kMaxReserved));
}

}  // namespace

CsvImportOptions NseCsvOptions() {
  CsvImportOptions options;
  options.time_zone = "Asia/Kolkata";
  return options;
}

CsvLayout DetectCsvLayout(std::string_view header_line) {
  static constexpr std::string_view kNseHeader[] = {"datetime", "symbol", "open", "high", "low", "close", "volume"};
  if (header_line.rfind("\xEF\xBB\xBF", 0) == 0) header_line.remove_prefix(3);  // UTF-8 BOM
  auto cells = SplitCells(header_line, ',');
  if (!cells || cells->size() != std::size(kNseHeader)) return CsvLayout::kGeneric;
  for (size_t i = 0; i < cells->size(); ++i) {
    if (!EqualsIgnoringAsciiCase(TrimAscii((*cells)[i]), kNseHeader[i])) return CsvLayout::kGeneric;
  }
  return CsvLayout::kNse;
}

CsvImportOptions CsvOptionsForHeader(std::string_view header_line, std::string generic_time_zone) {
  if (DetectCsvLayout(header_line) == CsvLayout::kNse) return NseCsvOptions();
  CsvImportOptions options;
  options.time_zone = std::move(generic_time_zone);
  return options;
}

std::string CsvImportResult::Summary() const {
  std::string out = std::to_string(rows_read) + " rows, " + std::to_string(bars.size()) + " bars, " +
                    std::to_string(rows_skipped) + " skipped";
  if (!errors.empty()) {
    out += " (";
    for (size_t i = 0; i < errors.size() && i < 5; ++i) {
      if (i > 0) out += "; ";
      out += "line " + std::to_string(errors[i].line) + ": " + errors[i].message;
    }
    if (errors.size() > 5 || static_cast<int64_t>(errors.size()) < rows_skipped) out += "; ...";
    out += ")";
  }
  out += ", " + std::to_string(duplicates) + " duplicate" + (duplicates == 1 ? "" : "s");
  return out;
}

Result<CsvImportResult> ImportCsv(std::istream& in, const CsvImportOptions& options, std::string_view source) {
  RC_ASSIGN_OR_RETURN(internal::ZoneClock zone, internal::ZoneClock::For(options.time_zone));
  std::string line;
  int64_t line_no = 0;
  // Header: the first non-empty line.
  std::string header_line;
  while (std::getline(in, line)) {
    ++line_no;
    if (line_no == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);  // UTF-8 BOM
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!TrimAscii(line).empty()) {
      header_line = line;
      break;
    }
  }
  if (header_line.empty()) return DataCorrupt(std::string(source) + ": no header row", std::string(source));
  const char delim = options.delimiter != 0 ? options.delimiter : DetectDelimiter(header_line);
  auto header = SplitCells(header_line, delim);
  if (!header) return DataCorrupt(std::string(source) + ": unterminated quote in header", std::string(source));

  const CsvColumns& names = options.columns;
  int time_col = FindColumn(*header, names.time, {"datetime", "timestamp", "date_time", "date time", "ts", "time"});
  int date_col = -1, clock_col = -1;
  if (!names.date.empty() || !names.clock.empty()) {
    date_col = FindColumn(*header, names.date, {"date"});
    clock_col = FindColumn(*header, names.clock, {"time"});
    time_col = -1;
  } else if (names.time.empty()) {
    const int d = FindColumn(*header, "", {"date"});
    const int t = FindColumn(*header, "", {"time"});
    if (d >= 0 && t >= 0 && FindColumn(*header, "", {"datetime", "timestamp", "date_time", "date time", "ts"}) < 0) {
      date_col = d;
      clock_col = t;
      time_col = -1;
    } else if (time_col < 0) {
      time_col = d;  // a lone "date" column (daily files)
    }
  }
  const int open_col = FindColumn(*header, names.open, {"open", "o"});
  const int high_col = FindColumn(*header, names.high, {"high", "h"});
  const int low_col = FindColumn(*header, names.low, {"low", "l"});
  const int close_col = FindColumn(*header, names.close, {"close", "c", "last", "ltp"});
  const int volume_col = FindColumn(*header, names.volume, {"volume", "vol", "v", "shares traded", "qty"});
  const int symbol_col = FindColumn(*header, "", {"symbol", "ticker"});
  auto missing = [&](int col, std::string_view what, const std::string& given) -> Status {
    if (col >= 0) return Ok();
    return InvalidArgument("columns." + std::string(what),
                           std::string(source) + ": no " + std::string(what) + " column" +
                               (given.empty() ? " found in the header" : " named '" + given + "'"));
  };
  if (date_col >= 0 || clock_col >= 0 || !names.date.empty()) {
    RC_RETURN_IF_ERROR(missing(date_col, "date", names.date));
    RC_RETURN_IF_ERROR(missing(clock_col, "clock", names.clock));
  } else {
    RC_RETURN_IF_ERROR(missing(time_col, "time", names.time));
  }
  RC_RETURN_IF_ERROR(missing(open_col, "open", names.open));
  RC_RETURN_IF_ERROR(missing(high_col, "high", names.high));
  RC_RETURN_IF_ERROR(missing(low_col, "low", names.low));
  RC_RETURN_IF_ERROR(missing(close_col, "close", names.close));
  if (volume_col == -2) RC_RETURN_IF_ERROR(missing(volume_col, "volume", names.volume));

  CsvImportResult result;
  auto bad = [&](int64_t at, std::string why) {
    ++result.rows_skipped;
    if (result.errors.size() < options.max_reported_errors) result.errors.push_back({at, std::move(why)});
  };
  std::vector<RawBar> bars;
  bars.reserve(EstimatedRows(in));
  RowCells cells;
  std::string joined_time;  // "date time" when the file splits them
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (TrimAscii(line).empty()) continue;
    ++result.rows_read;
    if (!cells.Split(line, delim)) {
      bad(line_no, "unterminated quote");
      continue;
    }
    if (cells.size() != header->size()) {
      bad(line_no, "has " + std::to_string(cells.size()) + " cells, the header has " +
                       std::to_string(header->size()));
      continue;
    }
    std::string_view time_text;
    if (time_col >= 0) {
      time_text = cells[time_col];
    } else {
      joined_time.assign(cells[date_col]).append(" ").append(cells[clock_col]);
      time_text = joined_time;
    }
    auto parsed_time = ParseTimeCell(time_text, zone);
    if (std::holds_alternative<std::string>(parsed_time)) {
      bad(line_no, std::get<std::string>(parsed_time));
      continue;
    }
    RawBar bar;
    bar.open_time = std::get<TimestampUs>(parsed_time);
    std::string row_error;
    auto number = [&](int col, std::string_view what, std::optional<double>& out) {
      if (col < 0 || !row_error.empty()) return;
      const std::string_view cell = cells[col];
      if (IsNullCell(cell)) return;
      auto value = internal::ParseStrictDouble(cell);
      if (!value) {
        row_error = std::string(what) + " '" + std::string(cell.substr(0, 32)) + "' is not a number";
        return;
      }
      out = *value;
    };
    number(open_col, "open", bar.open);
    number(high_col, "high", bar.high);
    number(low_col, "low", bar.low);
    number(close_col, "close", bar.close);
    number(volume_col, "volume", bar.volume);
    if (!row_error.empty()) {
      bad(line_no, row_error);
      continue;
    }
    bars.push_back(bar);
    if (symbol_col >= 0 && result.symbols.size() < 8) {
      const std::string_view symbol = cells[symbol_col];
      if (std::find(result.symbols.begin(), result.symbols.end(), symbol) == result.symbols.end()) {
        result.symbols.emplace_back(symbol);
      }
    }
  }
  if (in.bad()) return IoError(std::string(source) + ": read error");
  if (options.on_error == CsvErrorPolicy::kReject && result.rows_skipped > 0) {
    std::string message = std::string(source) + ": " + std::to_string(result.rows_skipped) + " bad row" +
                          (result.rows_skipped == 1 ? "" : "s") + ", import rejected:";
    for (const auto& e : result.errors) message += " line " + std::to_string(e.line) + ": " + e.message + ";";
    message.pop_back();
    return DataCorrupt(message, std::string(source));
  }
  const size_t before = bars.size();
  SortAndDedupe(bars);
  result.duplicates = static_cast<int64_t>(before - bars.size());
  result.bars = std::move(bars);
  return result;
}

Result<CsvImportResult> ImportCsvFile(const std::filesystem::path& path, const CsvImportOptions& options) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return NotFound("CSV file " + path.string());
  std::ifstream in(path, std::ios::binary);
  if (!in) return IoError("cannot open " + path.string());
  return ImportCsv(in, options, path.string());
}

}  // namespace rc::data
