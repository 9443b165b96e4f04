// File: server/curated_routes.h
//
// Curated experiments over HTTP (runbook §4 "Regime Misclassification":
// override the gating weights by logging a curated experiment with `families`):
//   POST   /api/experiments/curated        create the override for one series
//   DELETE /api/experiments/curated/{id}   remove it (the folder stays for the audit)
// Both go through ml::ExperimentRegistry::Curate/Uncurate, the same code path
// as `regimecast experiments curate|uncurate`, and are mutating (API_TOKEN).
#pragma once

namespace rc::serving {
class Runtime;
}

namespace rc::server {

class App;

// Registry writes go through `runtime` (serialised with training and pruning;
// the series in memory reload their weights at once). `runtime` must outlive the app.
void AddCuratedRoutes(App& app, serving::Runtime& runtime);

}  // namespace rc::server
