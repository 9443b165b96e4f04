// File: server/openapi_schemas.h
//
// JSON Schemas (OpenAPI 3 response bodies) of what the routes answer, so the
// document says every field and type and the front end's generated wire types
// (frontend-nuxt/types/api.d.ts) break when a field is renamed. Item schemas
// are shared by the routes that nest them. tests/system/test_openapi_schemas.py
// validates real answers against them.
//
// Every item that appears in more than one place is written once, as a named
// schema of the document's components/schemas, and referred to by $ref
// wherever it appears: the item functions below return that $ref. So the
// document says "a Job" or "a MetricSet" where it means one, and the front
// end's generated types name them (components["schemas"]["MetricSet"]).
#pragma once

#include <string>
#include <vector>

#include "server/router.h"

namespace rc::server {

// Every named schema the item functions and response schemas refer to, for
// components/schemas (BuildOpenApiDocument).
std::vector<NamedSchema> ComponentSchemas();

// Item schemas, each a $ref to its named schema.
// One cleaned bar (data/pipeline/lake_rows.h BronzeBarJson); also the data of
// `bars:` websocket messages, which may add "forming".
std::string BarSchema();
// One regime state (serving/runtime.h RegimeJson); also `regime:` messages.
std::string RegimeStateSchema();
// One row of the gold prediction log (lake/layers GoldPredictionsSchema).
std::string LoggedPredictionSchema();
// A prediction as served (serving PredictionOutcome::ToJson); also
// `predictions:` messages.
std::string PredictionSchema();

// One /api/models item: a series' champion, challenger, active gating and
// curated override (ml/registry IndexEntry::ToJson).
std::string ModelEntrySchema();
// A background job (serving/job_runner.h JobInfo::ToJson; result: a training summary).
std::string JobSchema();
// One experiment's full record (ml/registry ExperimentRecord::ToJson).
std::string ExperimentRecordSchema();

// Whole response bodies.
std::string BarsResponseSchema();
std::string IndicatorsResponseSchema();
std::string RegimeResponseSchema();
std::string PredictionsResponseSchema();
std::string WatchlistResponseSchema();
std::string ModelsResponseSchema();
std::string JobsResponseSchema();
std::string ExperimentsResponseSchema();
std::string ClearModelsResponseSchema();
std::string CuratedResultSchema();
// The summary of a prediction backtest (serving/backtest_service.h SummaryJson,
// the fields of `regimecast backtest --json`, plus `finished_at` once saved).
// Open to fields and families added later: a reader shows what it does not know generically.
std::string BacktestSummarySchema();

}  // namespace rc::server
