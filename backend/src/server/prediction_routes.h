// File: server/prediction_routes.h
// POST /api/prediction/trigger (runbook §3.3, manual prediction trigger).
#pragma once

#include <mutex>

namespace rc::serving {
class PredictionService;
}

namespace rc::server {

class App;

// Registers the prediction routes on `app`. Served predictions are logged to
// data/gold/predictions under `gold_mutex`. `service` and `gold_mutex` must outlive it.
void AddPredictionRoutes(App& app, serving::PredictionService& service, std::mutex& gold_mutex);

}  // namespace rc::server
