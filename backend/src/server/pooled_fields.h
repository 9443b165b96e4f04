// File: server/pooled_fields.h
//
// The "pooled" / "pooled_learner" pair of a request body, read one way by
// POST /api/prediction/train and POST /api/models/backtest (as the CLI's
// --pooled / --pooled-learner, cli/ml_args.h).
//
//   RC_ASSIGN_OR_RETURN(std::optional<ml::PooledOptions> pooled, ParsePooledFields(fields));
#pragma once

#include <optional>

#include "core/error.h"
#include "ml/pooled/pooled_forecast.h"

namespace rc {
class JsonFields;
}

namespace rc::server {

// nullopt unless "pooled" is true; "pooled_learner" without it is refused
// ("needs \"pooled\": true"). With it: the pooled options, defaults but for
// the learner (default ridge), validated, a bad learner named
// "pooled_learner" as the body spells it.
Result<std::optional<ml::PooledOptions>> ParsePooledFields(const JsonFields& fields);

}  // namespace rc::server
