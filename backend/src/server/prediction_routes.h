// File: server/prediction_routes.h
// POST /api/prediction/trigger (runbook §3.3, manual prediction trigger).
#pragma once

namespace rc::serving {
class PredictionService;
}

namespace rc::server {

class App;

// Registers the prediction routes on `app`; `service` must outlive it.
void AddPredictionRoutes(App& app, serving::PredictionService& service);

}  // namespace rc::server
