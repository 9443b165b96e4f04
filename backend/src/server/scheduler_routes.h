// File: server/scheduler_routes.h
// The market clock's read routes: GET /api/scheduler/jobs (each job, last and
// next run, last outcome, duration) and GET /api/data/providers (each
// provider's circuit state, last success and error, latency, and the series it
// serves). Both answer 503 when the scheduler is disabled (SCHEDULER_ENABLED).
#pragma once

namespace rc::scheduler {
class Scheduler;
}

namespace rc::server {

class App;

// `scheduler` may be null (disabled); otherwise it must outlive the app.
void AddSchedulerRoutes(App& app, const scheduler::Scheduler* scheduler);

}  // namespace rc::server
