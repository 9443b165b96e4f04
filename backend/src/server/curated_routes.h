// File: server/curated_routes.h
//
// Curated experiments over HTTP (runbook §4 "Regime Misclassification":
// override the gating weights by logging a curated experiment with `families`):
//   POST   /api/experiments/curated        create the override for one series
//   DELETE /api/experiments/curated/{id}   remove it (the folder stays for the audit)
// Both go through ml::ExperimentRegistry::Curate/Uncurate, the same code path
// as `regimecast experiments curate|uncurate`, and are mutating (API_TOKEN).
#pragma once

#include <mutex>

namespace rc::server {

class App;

// `registry_mutex` serialises registry writes with training and pruning.
void AddCuratedRoutes(App& app, std::mutex& registry_mutex);

}  // namespace rc::server
