// File: server/prediction_routes.h
// POST /api/prediction/trigger (runbook §3.3, manual prediction trigger).
#pragma once

namespace rc::serving {
class Runtime;
}

namespace rc::server {

class App;

// Registers the prediction routes on `app`; predictions go through
// `runtime.Predict` (memory, gold log, broadcast). `runtime` must outlive it.
void AddPredictionRoutes(App& app, serving::Runtime& runtime);

}  // namespace rc::server
