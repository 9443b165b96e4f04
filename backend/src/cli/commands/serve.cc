// `regimecast serve`: the HTTP/WebSocket service (runbook §3.1).
#include "cli/command.h"
#include "server/app.h"

namespace rc::cli {

void RegisterCommand_serve(CLI::App& app, CommandContext& ctx) {
  CLI::App* cmd = app.add_subcommand("serve", "Run the HTTP and WebSocket service (default port 8182)");
  AddSettingFlag(cmd, ctx, "host", "host", "Bind address (HOST)");
  AddSettingFlag(cmd, ctx, "port", "port", "Port (PORT); 0 picks a free port");
  AddSettingFlag(cmd, ctx, "threads", "http_threads", "Server threads (HTTP_THREADS)");
  cmd->callback([&ctx] {
    auto settings = ctx.LoadSettings();
    if (!settings) return ReportError(ctx, settings.error());
    ctx.exit_code = server::RunService(*settings);
  });
}

}  // namespace rc::cli
