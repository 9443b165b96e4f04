// File: server/backtest_routes.h
//
// Judging a series before trusting it (issue 10): POST /api/models/backtest
// runs a prediction backtest of one series and horizon as a background job
// (GET /api/jobs/{id}); GET /api/models/backtest answers the latest saved
// summary, with the fields of `regimecast backtest --json`
// (serving/backtest_service.h).
#pragma once

namespace rc::serving {
class Runtime;
}

namespace rc::server {

class App;

// `runtime` runs the jobs and must outlive the app.
void AddBacktestRoutes(App& app, serving::Runtime& runtime);

}  // namespace rc::server
