// `regimecast config`: the effective settings, secrets masked.
#include <iomanip>
#include <iostream>

#include "cli/command.h"

namespace rc::cli {

void RegisterCommand_config(CLI::App& app, CommandContext& ctx) {
  CLI::App* cmd = app.add_subcommand("config", "Print the effective settings (defaults < file < env < flags)");
  cmd->callback([&ctx] {
    auto settings = ctx.LoadSettings();
    if (!settings) return ReportError(ctx, settings.error());
    for (const auto& [name, value] : DescribeSettings(*settings)) {
      std::cout << std::left << std::setw(26) << name << " " << value << "\n";
    }
  });
}

}  // namespace rc::cli
