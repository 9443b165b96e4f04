// `regimecast experiments list|show ID|curate ...|uncurate ...`: the experiment
// registry under <data_dir>/experiments (runbook §4 "Regime Misclassification":
// override weights by logging a curated experiment with `families`).
#include <boost/json.hpp>
#include <iomanip>
#include <iostream>

#include "cli/command.h"
#include "core/json_text.h"
#include "core/symbol.h"
#include "core/time.h"
#include "ml/registry/registry.h"

namespace rc::cli {
namespace {

struct KeyFlags {
  std::string symbol, timeframe;
  int horizon_minutes = 0;
};

Result<ml::ExperimentKey> CheckedKey(const KeyFlags& f) {
  return ml::ExperimentKey::FromInput(f.symbol, f.timeframe, f.horizon_minutes);
}

void AddKeyFlags(CLI::App* cmd, KeyFlags& f) {
  cmd->add_option("--symbol", f.symbol, "Symbol, e.g. TCS.NS")->required();
  cmd->add_option("--timeframe", f.timeframe, "Timeframe: 1m 5m 15m 30m 1h 1d")->required();
  cmd->add_option("--horizon-minutes", f.horizon_minutes, "Prediction horizon in minutes")->required();
}

}  // namespace

void RegisterCommand_experiments(CLI::App& app, CommandContext& ctx) {
  CLI::App* cmd = app.add_subcommand("experiments", "List, show and curate experiments in the registry");
  cmd->require_subcommand(1);

  CLI::App* list = cmd->add_subcommand("list", "One line per experiment, oldest first, plus the index");
  list->callback([&ctx] {
    auto settings = ctx.LoadSettings();
    if (!settings) return ReportError(ctx, settings.error());
    ml::ExperimentRegistry reg(settings->data_dir);
    auto records = reg.List();
    if (!records) return ReportError(ctx, records.error());
    std::cout << std::left << std::setw(64) << "id" << std::setw(14) << "kind" << std::setw(22) << "created"
              << std::setw(16) << "champion" << "challenger\n";
    for (const auto& r : *records) {
      std::cout << std::setw(64) << r.id << std::setw(14) << r.kind << std::setw(22) << FormatIsoUtc(r.created_at)
                << std::setw(16) << r.champion << r.challenger << "\n";
    }
    auto index = reg.ReadIndex();
    if (!index) return ReportError(ctx, index.error());
    for (const auto& [key, e] : *index) {
      std::cout << "\n" << key.ToString() << ": active " << e.active_experiment;
      if (e.champion) std::cout << ", champion " << e.champion->family << " (" << e.champion->experiment_id << ")";
      if (e.challenger) std::cout << ", challenger " << e.challenger->family << " (" << e.challenger->experiment_id << ")";
      if (e.curated) std::cout << ", CURATED " << e.curated->experiment_id << " by " << e.curated->who;
      std::cout << "\n";
    }
  });

  static std::string show_id;
  CLI::App* show = cmd->add_subcommand("show", "Print an experiment's record (JSON)");
  show->add_option("id", show_id, "Experiment id")->required();
  show->callback([&ctx] {
    auto settings = ctx.LoadSettings();
    if (!settings) return ReportError(ctx, settings.error());
    ml::ExperimentRegistry reg(settings->data_dir);
    auto rec = reg.Load(show_id);
    if (!rec) return ReportError(ctx, rec.error());
    std::cout << JsonText(rec->ToJson()) << "\n";
  });

  static KeyFlags curate_key;
  static std::string weights, who, why;
  CLI::App* curate = cmd->add_subcommand("curate", "Override gating weights by hand (recorded and audited)");
  AddKeyFlags(curate, curate_key);
  curate->add_option("--weights", weights, "family=weight,... summing to 1, e.g. naive=0.2,ridge=0.8")->required();
  curate->add_option("--who", who, "Who decided (audit)")->required();
  curate->add_option("--why", why, "Why (audit); also document it in docs/ml_audit.md")->required();
  curate->callback([&ctx] {
    auto settings = ctx.LoadSettings();
    if (!settings) return ReportError(ctx, settings.error());
    auto key = CheckedKey(curate_key);
    if (!key) return ReportError(ctx, key.error());
    auto parsed = ml::ParseWeights(weights);
    if (!parsed) return ReportError(ctx, parsed.error());
    ml::ExperimentRegistry reg(settings->data_dir);
    auto id = reg.Curate(*key, *parsed, who, why, NowMicros());
    if (!id) return ReportError(ctx, id.error());
    std::cout << "curated experiment " << *id << " now overrides " << key->ToString() << "\n";
  });

  static KeyFlags uncurate_key;
  static std::string un_who, un_why;
  CLI::App* uncurate = cmd->add_subcommand("uncurate", "Remove the curated override of a key");
  AddKeyFlags(uncurate, uncurate_key);
  uncurate->add_option("--who", un_who, "Who decided (audit)")->required();
  uncurate->add_option("--why", un_why, "Why (audit)");
  uncurate->callback([&ctx] {
    auto settings = ctx.LoadSettings();
    if (!settings) return ReportError(ctx, settings.error());
    auto key = CheckedKey(uncurate_key);
    if (!key) return ReportError(ctx, key.error());
    ml::ExperimentRegistry reg(settings->data_dir);
    auto st = reg.Uncurate(*key, un_who, un_why, NowMicros());
    if (!st) return ReportError(ctx, st.error());
    std::cout << "removed the curated override of " << key->ToString() << "\n";
  });
}

}  // namespace rc::cli
