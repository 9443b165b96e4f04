// `regimecast config`: the effective settings, secrets masked; with
// --markdown-table, the documentation table of every setting and its default
// (the README's settings table is generated from it).
#include <iomanip>
#include <iostream>
#include <memory>

#include "cli/command.h"

namespace rc::cli {

namespace {

void PrintMarkdownTable() {
  const Settings defaults;
  const auto values = DescribeSettings(defaults);
  std::cout << "| Environment variable | Default | Meaning |\n|---|---|---|\n";
  const auto& infos = AllSettings();
  for (size_t setting_idx = 0; setting_idx < infos.size(); ++setting_idx) {
    const std::string& value = values[setting_idx].second;
    std::cout << "| `" << infos[setting_idx].env << "` | " << (value.empty() ? "" : "`" + value + "`") << " | "
              << infos[setting_idx].description << (infos[setting_idx].secret ? " (secret: never printed)" : "")
              << " |\n";
  }
}

}  // namespace

void RegisterCommand_config(CLI::App& app, CommandContext& ctx) {
  CLI::App* cmd = app.add_subcommand("config", "Print the effective settings (defaults < file < env < flags)");
  auto markdown = std::make_shared<bool>(false);
  cmd->add_flag("--markdown-table", *markdown, "Print every setting with its default as a Markdown table");
  cmd->callback([&ctx, markdown] {
    if (*markdown) return PrintMarkdownTable();
    auto settings = ctx.LoadSettings();
    if (!settings) return ReportError(ctx, settings.error());
    for (const auto& [name, value] : DescribeSettings(*settings)) {
      std::cout << std::left << std::setw(26) << name << " " << value << "\n";
    }
  });
}

}  // namespace rc::cli
