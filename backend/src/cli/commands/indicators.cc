// `regimecast indicators`: computes a feature set (or a chart preset) over an OHLCV CSV
// and prints it as CSV, one row per bar, every value with %.17g (empty = null). This is
// the batch path of the features module exposed for inspection and for the TA-Lib parity
// tests (tests/features/test_talib_parity.py).
//
//   regimecast indicators --input bars.csv --set core_v1 --format csv
//   regimecast indicators --input bars.csv --preset momentum --calendar NSE
//
// Input: a header naming at least ts,open,high,low,close,volume (any order, extra columns
// ignored); ts is ISO-8601 (an explicit Z/+HH:MM offset wins; without one the time is in
// --tz, "UTC" or a fixed offset like "+05:30") or epoch seconds. Every row must be a valid
// bar (finite, positive prices, low <= open,close <= high, volume >= 0) with a time after
// the previous row's; errors name the line.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cli/command.h"
#include "core/bar.h"
#include "core/calendar.h"
#include "core/time.h"
#include "features/feature_set.h"
#include "features/presets.h"

namespace rc::cli {
namespace {

struct IndicatorsOptions {
  std::string input;
  std::string tz = "UTC";
  std::string set = "core_v1";
  std::string preset;
  std::string format = "csv";
  std::string calendar = "NSE";
  std::string output;
};

std::vector<std::string_view> SplitCsvLine(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t start = 0;
  while (true) {
    const size_t comma = line.find(',', start);
    fields.push_back(line.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  for (auto& field : fields) {
    while (!field.empty() && (field.front() == ' ' || field.front() == '"')) field.remove_prefix(1);
    while (!field.empty() && (field.back() == ' ' || field.back() == '"' || field.back() == '\r')) field.remove_suffix(1);
  }
  return fields;
}

// "UTC" -> 0, "+05:30" -> 330, "-04:00" -> -240 (minutes east of UTC).
Result<int> ParseTzOffsetMinutes(std::string_view tz) {
  if (tz == "UTC" || tz == "utc" || tz == "Z") return 0;
  if (tz.size() == 6 && (tz[0] == '+' || tz[0] == '-') && tz[3] == ':') {
    const auto digit = [&](size_t i) { return tz[i] >= '0' && tz[i] <= '9'; };
    if (digit(1) && digit(2) && digit(4) && digit(5)) {
      const int hours = (tz[1] - '0') * 10 + (tz[2] - '0');
      const int minutes = (tz[4] - '0') * 10 + (tz[5] - '0');
      if (hours <= 14 && minutes < 60) return (tz[0] == '-' ? -1 : 1) * (hours * 60 + minutes);
    }
  }
  return InvalidArgument("tz", "must be UTC or a fixed offset like +05:30, got '" + std::string(tz) + "'");
}

bool HasExplicitOffset(std::string_view ts) {
  if (ts.empty()) return false;
  if (ts.find_first_not_of("0123456789") == std::string_view::npos) return true;  // epoch seconds
  if (ts.back() == 'Z' || ts.back() == 'z') return true;
  return ts.size() > 10 && ts.find_first_of("+-", 10) != std::string_view::npos;
}

Result<double> ParseNumber(std::string_view text, const std::string& where) {
  const std::string copy(text);
  char* end = nullptr;
  const double value = copy.empty() ? 0 : std::strtod(copy.c_str(), &end);
  if (copy.empty() || end != copy.c_str() + copy.size()) {
    return InvalidArgument("input", where + ": '" + copy + "' is not a number");
  }
  return value;
}

Result<BarSeries> ReadBarsCsv(const std::string& path, int tz_offset_minutes) {
  std::ifstream in(path);
  if (!in) return InvalidArgument("input", "cannot open '" + path + "'");
  std::string line;
  size_t line_no = 0;
  if (!std::getline(in, line)) return InvalidArgument("input", path + ": empty file, expected a header");
  ++line_no;
  const auto header = SplitCsvLine(line);
  const char* required[] = {"ts", "open", "high", "low", "close", "volume"};
  size_t index[6];
  for (size_t req = 0; req < 6; ++req) {
    index[req] = header.size();
    for (size_t col = 0; col < header.size(); ++col) {
      if (header[col] == required[req]) index[req] = col;
    }
    if (index[req] == header.size()) {
      return InvalidArgument("input", path + ":1: header lacks column '" + required[req] +
                                          "' (need ts,open,high,low,close,volume)");
    }
  }
  BarSeries bars;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty() || line == "\r") continue;
    const std::string where = path + ":" + std::to_string(line_no);
    const auto fields = SplitCsvLine(line);
    if (fields.size() != header.size()) {
      return InvalidArgument("input", where + ": expected " + std::to_string(header.size()) + " fields, got " +
                                          std::to_string(fields.size()));
    }
    auto ts = ParseIsoUtc(fields[index[0]], "ts");
    if (!ts) return InvalidArgument("input", where + ": " + ts.error().message);
    TimestampUs open_time = *ts;
    if (!HasExplicitOffset(fields[index[0]])) open_time -= int64_t{tz_offset_minutes} * kMicrosPerMinute;
    Bar bar{open_time, 0, 0, 0, 0, 0};
    double* targets[] = {&bar.open, &bar.high, &bar.low, &bar.close, &bar.volume};
    for (size_t col = 0; col < 5; ++col) {
      RC_ASSIGN_OR_RETURN(*targets[col], ParseNumber(fields[index[col + 1]], where + " " + required[col + 1]));
    }
    if (!IsValidBar(bar)) {
      return InvalidArgument("input", where + ": invalid bar (prices must be finite and > 0, low <= open, close <= "
                                              "high, volume finite and >= 0)");
    }
    if (!bars.empty() && bar.open_time <= bars.back().open_time) {
      return InvalidArgument("input", where + ": time " + FormatIsoUtc(bar.open_time) +
                                          " is not after the previous row's " + FormatIsoUtc(bars.back().open_time));
    }
    bars.push_back(bar);
  }
  return bars;
}

void AppendNumber(std::string& out, double value) {
  if (std::isnan(value)) return;  // null
  char buffer[32];
  const int length = std::snprintf(buffer, sizeof buffer, "%.17g", value);
  out.append(buffer, static_cast<size_t>(length));
}

Status Run(const IndicatorsOptions& options) {
  RC_ASSIGN_OR_RETURN(const int tz_offset, ParseTzOffsetMinutes(options.tz));
  RC_ASSIGN_OR_RETURN(const ExchangeCalendar* calendar, ExchangeCalendar::ByName(options.calendar));
  const features::FeatureSet* set = nullptr;
  if (options.preset.empty()) {  // check the names before reading a possibly large input
    RC_ASSIGN_OR_RETURN(set, features::FeatureSet::ByName(options.set));
  } else {
    RC_RETURN_IF_ERROR(features::ComputePreset(options.preset, {}, *calendar));
  }
  RC_ASSIGN_OR_RETURN(BarSeries bars, ReadBarsCsv(options.input, tz_offset));

  std::vector<std::string> names;
  std::vector<std::vector<double>> columns;
  if (set == nullptr) {
    RC_ASSIGN_OR_RETURN(auto series, features::ComputePreset(options.preset, bars, *calendar));
    for (auto& s : series) {
      names.push_back(std::move(s.name));
      columns.push_back(std::move(s.values));
    }
  } else {
    features::FeatureTable table = set->Compute(bars, *calendar);
    names = std::move(table.names);
    columns = std::move(table.columns);
  }

  std::ofstream file;
  if (!options.output.empty()) {
    file.open(options.output, std::ios::binary | std::ios::trunc);
    if (!file) return InvalidArgument("output", "cannot write '" + options.output + "'");
  }
  std::ostream& out = options.output.empty() ? std::cout : file;
  std::string buffer = "ts";
  for (const auto& name : names) buffer += "," + name;
  buffer += "\n";
  for (size_t row = 0; row < bars.size(); ++row) {
    buffer += FormatIsoUtc(bars[row].open_time);
    for (const auto& column : columns) {
      buffer += ',';
      AppendNumber(buffer, column[row]);
    }
    buffer += '\n';
    if (buffer.size() > (1 << 20)) {
      out.write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
      buffer.clear();
    }
  }
  out.write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
  out.flush();
  if (!out) return InvalidArgument("output", "write failed");
  return Ok();
}

}  // namespace

void RegisterCommand_indicators(CLI::App& app, CommandContext& ctx) {
  CLI::App* cmd = app.add_subcommand("indicators", "Compute a feature set (or a chart preset) over an OHLCV CSV");
  auto options = std::make_shared<IndicatorsOptions>();
  cmd->add_option("--input", options->input, "CSV with columns ts,open,high,low,close,volume")->required();
  cmd->add_option("--tz", options->tz, "Zone of ts values without an offset: UTC or +HH:MM")->capture_default_str();
  auto* set = cmd->add_option("--set", options->set, "Feature set name")->capture_default_str();
  auto* preset = cmd->add_option("--preset", options->preset, "Chart preset (trend, momentum, volatility, "
                                                              "mean_reversion) instead of a feature set");
  preset->excludes(set);
  cmd->add_option("--format", options->format, "Output format")->check(CLI::IsMember({"csv"}))->capture_default_str();
  cmd->add_option("--calendar", options->calendar, "Exchange calendar for sessions (NSE, NYSE, 24x7)")
      ->capture_default_str();
  cmd->add_option("--output", options->output, "Write to this file instead of stdout");
  cmd->callback([&ctx, options] {
    auto settings = ctx.LoadSettings();  // applies CALENDAR_DIR holidays
    if (!settings) return ReportError(ctx, settings.error());
    const Status status = Run(*options);
    if (!status) return ReportError(ctx, status.error());
    ctx.exit_code = 0;
  });
}

}  // namespace rc::cli
