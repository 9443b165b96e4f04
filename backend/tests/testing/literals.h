// File: testing/literals.h
// Values a test writes as text it knows to be valid: a symbol, an ISO-8601 UTC instant, and
// the shipped exchange calendars.
// A typo in the test throws std::invalid_argument carrying the parser's message, which
// GoogleTest reports as the failure of that test (dereferencing the failed Result would
// be undefined behaviour instead).
//
//   using rc::testing::Iso;
//   EXPECT_EQ(bar.ts, Iso("2024-01-02T03:45:00Z"));
#pragma once

#include <string_view>

#include "core/calendar.h"
#include "core/symbol.h"
#include "core/time.h"

namespace rc::testing {

Symbol Sym(std::string_view text);
TimestampUs Iso(std::string_view text);

// The compiled-in calendars (ExchangeCalendar::ByName "NSE", "NYSE", "24x7").
const ExchangeCalendar& Nse();
const ExchangeCalendar& Nyse();
const ExchangeCalendar& Crypto();

}  // namespace rc::testing
