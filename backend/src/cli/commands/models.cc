// `regimecast models clear [--older-than-days N] [--dry-run]`: prune the
// registry like /api/models/clear. Backs up first; never removes the champion,
// challenger, active or curated experiment of any key.
#include <iostream>
#include <optional>

#include "cli/command.h"
#include "core/time.h"
#include "ml/registry/registry.h"

namespace rc::cli {

void RegisterCommand_models(CLI::App& app, CommandContext& ctx) {
  CLI::App* cmd = app.add_subcommand("models", "Manage trained models in the registry");
  cmd->require_subcommand(1);
  static int older_than_days = -1;
  static bool dry_run = false;
  CLI::App* clear = cmd->add_subcommand("clear", "Prune old experiments (backs up first; keeps champion/challenger/curated)");
  clear->add_option("--older-than-days", older_than_days, "Only experiments older than N days (default: all unprotected)")
      ->check(CLI::NonNegativeNumber);
  clear->add_flag("--dry-run", dry_run, "List what would be removed, remove nothing");
  clear->callback([&ctx] {
    auto settings = ctx.LoadSettings();
    if (!settings) return ReportError(ctx, settings.error());
    ml::ExperimentRegistry reg(settings->data_dir);
    std::optional<int> days;
    if (older_than_days >= 0) days = older_than_days;
    auto report = reg.Prune(days, dry_run, NowMicros(), "cli");
    if (!report) return ReportError(ctx, report.error());
    for (const auto& id : report->removed) std::cout << (dry_run ? "would remove " : "removed ") << id << "\n";
    for (const auto& [id, why] : report->kept) std::cout << "kept " << id << " (" << why << ")\n";
    if (!report->backup_path.empty()) std::cout << "backup " << report->backup_path << "\n";
    std::cout << report->removed.size() << (dry_run ? " would be removed" : " removed") << "\n";
  });
}

}  // namespace rc::cli
