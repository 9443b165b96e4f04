// `regimecast version`: the semantic version and commit of this build.
#include <iostream>

#include "cli/command.h"
#include "core/build_info.h"

namespace rc::cli {

void RegisterCommand_version(CLI::App& app, CommandContext& ctx) {
  CLI::App* cmd = app.add_subcommand("version", "Print the version (from the newest vX.Y.Z git tag) and commit");
  cmd->callback([&ctx] {
    std::cout << "regimecast " << BuildVersion() << " (commit " << BuildCommit() << ")\n";
    ctx.exit_code = 0;
  });
}

}  // namespace rc::cli
