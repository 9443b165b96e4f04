// File: server/data_routes.h
// Read-only market data routes for charts and operators: GET /api/bars
// (bronze), /api/indicators (chart presets over the same bars),
// /api/regime (from silver) and /api/predictions (the gold prediction log).
#pragma once

namespace rc::server {

class App;

void AddDataRoutes(App& app);

}  // namespace rc::server
