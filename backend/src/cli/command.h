// File: cli/command.h
//
// The `regimecast` command line. Each subcommand is one file in cli/commands/
// defining
//
//   namespace rc::cli {
//   void RegisterCommand_<file stem>(CLI::App& app, CommandContext& ctx);
//   }
//
// which adds its CLI11 subcommand and a callback. cli/CMakeLists.txt finds the
// files and generates the registration list, so adding a command is adding a
// file. Callbacks set `ctx.exit_code` (0 ok, 1 failure of the operation; usage
// errors are CLI11's and exit 2) and print errors with ReportError().
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include <optional>
#include <utility>

#include "core/error.h"
#include "core/settings.h"
#include "core/symbol.h"
#include "core/time.h"
#include "core/timeframe.h"

namespace rc::cli {

struct CommandContext {
  std::string config_path;      // --config
  SettingsOverrides overrides;  // flags that map onto settings (--data-dir, --port, ...)
  int exit_code = 0;

  // Settings from defaults < --config file < environment < flags. Also applies
  // LOG_LEVEL/LOG_FORMAT and loads extra holiday files. Errors name the setting.
  Result<Settings> LoadSettings();
};

// Adds `--<flag>` to `cmd` that, when given, overrides setting `setting_name`.
void AddSettingFlag(CLI::App* cmd, CommandContext& ctx, const std::string& flag, const std::string& setting_name,
                    const std::string& description);

// --symbol and --timeframe, both required. Errors: kInvalidArgument naming the flag.
Result<std::pair<Symbol, Timeframe>> ParseSymbolTimeframe(const std::string& symbol, const std::string& timeframe);

// Optional --symbol / --timeframe filters (empty text = no filter). Errors name the flag.
struct SeriesFilter {
  std::optional<Symbol> symbol;
  std::optional<Timeframe> timeframe;
};
Result<SeriesFilter> ParseSeriesFilter(const std::string& symbol, const std::string& timeframe);

// An optional ISO-8601 time flag (--from, --to, --end, --until, --as-of):
// nullopt for empty text. Errors: kInvalidArgument naming the flag, a usage
// error (exit 2) like a bad --symbol.
Result<std::optional<TimestampUs>> ParseTimeFlag(const std::string& text, const std::string& flag);

// A [--from, --to) window must not be empty. Errors name --from.
Status CheckFromBeforeTo(TimestampUs from, TimestampUs to);

// Prints "regimecast: <error>" to stderr and sets ctx.exit_code = code.
void ReportError(CommandContext& ctx, const Error& error, int code = 1);

// For a short batch command that allocates and frees large column buffers
// phase after phase (`pipeline`, `import-csv`): glibc keeps freed blocks of up
// to 32 MiB in the heap for reuse instead of returning each to the system and
// faulting fresh zeroed pages for the next (page faults were ~40% of a
// 1M-bar `pipeline`, docs/benchmarks.md). Not for `serve`, which pins the
// opposite (serving/process_memory.h). No-op outside glibc.
void KeepFreedMemoryForReuse();

}  // namespace rc::cli
