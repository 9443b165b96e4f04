// File: server/data_routes.h
// Read-only market data routes for charts and operators: GET /api/bars
// (bronze), /api/indicators (chart presets over the same bars),
// /api/regime (the series in memory; long histories from silver) and
// /api/predictions (the gold prediction log).
#pragma once

namespace rc::serving {
class Runtime;
}

namespace rc::server {

class App;

// `runtime` must outlive the app.
void AddDataRoutes(App& app, serving::Runtime& runtime);

}  // namespace rc::server
