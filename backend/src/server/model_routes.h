// File: server/model_routes.h
//
// The training and model-management routes of the runbook's Prediction Drift
// procedure: POST /api/prediction/train (bot_name "orchestrator", run as a
// background job), GET /api/jobs[/{id}], GET /api/models, POST
// /api/models/clear (backs up first; never removes a champion, challenger or
// curated experiment), GET /api/experiments[/{id}].
#pragma once

namespace rc::serving {
class Runtime;
}

namespace rc::server {

class App;

// Training runs as a job of `runtime`; registry writes (training, pruning) are
// serialised by it. `runtime` must outlive the app.
void AddModelRoutes(App& app, serving::Runtime& runtime);

}  // namespace rc::server
