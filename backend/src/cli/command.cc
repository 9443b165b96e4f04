#include "cli/command.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <filesystem>
#include <iostream>

#include "core/calendar.h"
#include "core/logging.h"

extern char** environ;

namespace rc::cli {

Result<Settings> CommandContext::LoadSettings() {
  RC_ASSIGN_OR_RETURN(Settings settings, rc::LoadSettings(config_path, environ, overrides));
  RC_RETURN_IF_ERROR(InitLogging(settings.log_level, settings.log_format));
  const std::string calendar_dir =
      settings.calendar_dir.empty() ? settings.data_dir + "/calendars" : settings.calendar_dir;
  RC_RETURN_IF_ERROR(ExchangeCalendar::LoadHolidayDir(calendar_dir));
  return settings;
}

void AddSettingFlag(CLI::App* cmd, CommandContext& ctx, const std::string& flag, const std::string& setting_name,
                    const std::string& description) {
  cmd->add_option_function<std::string>(
      "--" + flag, [&ctx, setting_name](const std::string& value) { ctx.overrides[setting_name] = value; },
      description);
}

Result<std::pair<Symbol, Timeframe>> ParseSymbolTimeframe(const std::string& symbol, const std::string& timeframe) {
  RC_ASSIGN_OR_RETURN(Symbol parsed_symbol, Symbol::Parse(symbol, "--symbol"));
  RC_ASSIGN_OR_RETURN(Timeframe parsed_tf, Timeframe::Parse(timeframe, "--timeframe"));
  return std::make_pair(parsed_symbol, parsed_tf);
}

Result<SeriesFilter> ParseSeriesFilter(const std::string& symbol, const std::string& timeframe) {
  SeriesFilter filter;
  if (!symbol.empty()) {
    RC_ASSIGN_OR_RETURN(filter.symbol, Symbol::Parse(symbol, "--symbol"));
  }
  if (!timeframe.empty()) {
    RC_ASSIGN_OR_RETURN(filter.timeframe, Timeframe::Parse(timeframe, "--timeframe"));
  }
  return filter;
}

Result<std::optional<TimestampUs>> ParseTimeFlag(const std::string& text, const std::string& flag) {
  if (text.empty()) return std::optional<TimestampUs>();
  RC_ASSIGN_OR_RETURN(TimestampUs parsed, ParseIsoUtc(text, flag));
  return std::optional<TimestampUs>(parsed);
}

Status CheckFromBeforeTo(TimestampUs from, TimestampUs to) {
  if (from >= to) {
    return InvalidArgument("--from", "must be before --to (" + FormatIsoUtc(from) + " >= " + FormatIsoUtc(to) + ")");
  }
  return Ok();
}

void ReportError(CommandContext& ctx, const Error& error, int code) {
  std::cerr << "regimecast: " << error.ToString() << "\n";
  ctx.exit_code = code;
}

void KeepFreedMemoryForReuse() {
#if defined(__GLIBC__)
  constexpr int kLargestHeapBlock = 32 << 20;  // glibc's upper bound for M_MMAP_THRESHOLD
  mallopt(M_MMAP_THRESHOLD, kLargestHeapBlock);
  mallopt(M_TRIM_THRESHOLD, 2 * kLargestHeapBlock);
  mallopt(M_TOP_PAD, kLargestHeapBlock);
#endif
}

}  // namespace rc::cli
