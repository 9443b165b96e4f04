// regimecast: the one binary. See cli/command.h for how subcommands are added.
#include <iostream>

#include "cli/command.h"
#include "cli_commands.inc"  // generated: RC_FOR_EACH_COMMAND(X)

namespace rc::cli {
#define RC_DECLARE_COMMAND(stem) void RegisterCommand_##stem(CLI::App& app, CommandContext& ctx);
RC_FOR_EACH_COMMAND(RC_DECLARE_COMMAND)
#undef RC_DECLARE_COMMAND
}  // namespace rc::cli

int main(int argc, char** argv) {
  rc::cli::CommandContext ctx;
  CLI::App app{"Regimecast: regime-aware market prediction service", "regimecast"};
  app.require_subcommand(1);
  app.fallthrough();  // global options are accepted after the subcommand too
  app.add_option("--config", ctx.config_path, "TOML settings file (defaults < file < environment < flags)")
      ->check(CLI::ExistingFile);
  rc::cli::AddSettingFlag(&app, ctx, "data-dir", "data_dir", "Data directory (DATA_DIR)");
  rc::cli::AddSettingFlag(&app, ctx, "log-level", "log_level", "Log level (LOG_LEVEL)");

#define RC_REGISTER_COMMAND(stem) rc::cli::RegisterCommand_##stem(app, ctx);
  RC_FOR_EACH_COMMAND(RC_REGISTER_COMMAND)
#undef RC_REGISTER_COMMAND

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // Usage errors: message and usage on stderr, exit code 2 (like getopt tools).
    // CLI11 reports a misspelt subcommand as "a subcommand is required"; name it.
    const auto leftover = app.remaining();
    if (app.get_subcommands().empty() && !leftover.empty() && leftover.front().rfind('-', 0) != 0) {
      std::cerr << "regimecast: unknown subcommand '" << leftover.front() << "'\n\n";
    } else {
      std::cerr << "regimecast: " << e.what() << "\n\n";
    }
    const CLI::App* failing = &app;
    for (const CLI::App* sub : app.get_subcommands()) failing = sub;
    std::cerr << failing->help();
    return 2;
  }
  return ctx.exit_code;
}
