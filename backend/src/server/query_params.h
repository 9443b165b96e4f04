// File: server/query_params.h
//
// Typed query parameters the GET routes share, with errors (422) naming the
// parameter: the series (symbol, timeframe) and bounded integers.
//
//   RC_ASSIGN_OR_RETURN(SeriesParams series, ParseSeriesParams(request));
//   RC_ASSIGN_OR_RETURN(std::optional<int64_t> limit, ParseIntParam(request, "limit", 1, 100'000));
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/error.h"
#include "core/symbol.h"
#include "core/timeframe.h"
#include "server/http_types.h"

namespace rc::server {

struct SeriesParams {
  Symbol symbol;
  Timeframe timeframe;
};

// `symbol` and `timeframe`, both required. Errors: kInvalidArgument naming the one missing or invalid.
Result<SeriesParams> ParseSeriesParams(const Request& request);

// nullopt when absent (or empty). Errors: kInvalidArgument naming `name`
// ("must be an integer in min..max") for anything but a decimal integer in range.
Result<std::optional<int64_t>> ParseIntParam(const Request& request, const std::string& name, int64_t min,
                                             int64_t max);

}  // namespace rc::server
