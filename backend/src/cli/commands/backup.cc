// `regimecast backup`: <data_dir>/experiments-YYYYMMDD.tgz of data/experiments
// (runbook §6). Restore with: tar -xzf <file> -C <data_dir>.
#include <iostream>

#include "cli/command.h"
#include "core/time.h"
#include "ml/registry/registry.h"

namespace rc::cli {

void RegisterCommand_backup(CLI::App& app, CommandContext& ctx) {
  CLI::App* cmd = app.add_subcommand("backup", "Back up data/experiments to data/experiments-YYYYMMDD.tgz");
  cmd->callback([&ctx] {
    auto settings = ctx.LoadSettings();
    if (!settings) return ReportError(ctx, settings.error());
    ml::ExperimentRegistry reg(settings->data_dir);
    auto path = reg.Backup(NowMicros());
    if (!path) return ReportError(ctx, path.error());
    std::cout << *path << "\n";
  });
}

}  // namespace rc::cli
