// File: server/model_routes.h
//
// The training and model-management routes of the runbook's Prediction Drift
// procedure: POST /api/prediction/train (bot_name "orchestrator", run as a
// background job), GET /api/jobs[/{id}], GET /api/models, POST
// /api/models/clear (backs up first; never removes a champion, challenger or
// curated experiment), GET /api/experiments[/{id}].
#pragma once

#include <mutex>
#include <string>

namespace rc::serving {
class JobRunner;
}

namespace rc::server {

class App;

// `jobs` and `registry_mutex` must outlive the app; registry writes (training,
// pruning) are serialised through `registry_mutex`.
void AddModelRoutes(App& app, serving::JobRunner& jobs, std::mutex& registry_mutex);

}  // namespace rc::server
