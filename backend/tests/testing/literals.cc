#include "testing/literals.h"

#include <stdexcept>
#include <string>

namespace rc::testing {

Symbol Sym(std::string_view text) {
  auto symbol = Symbol::Parse(text);
  if (!symbol) throw std::invalid_argument("test symbol '" + std::string(text) + "': " + symbol.error().ToString());
  return *symbol;
}

TimestampUs Iso(std::string_view text) {
  auto ts = ParseIsoUtc(text);
  if (!ts) throw std::invalid_argument("test time '" + std::string(text) + "': " + ts.error().ToString());
  return *ts;
}

namespace {
const ExchangeCalendar& Shipped(std::string_view name) {
  auto calendar = ExchangeCalendar::ByName(name);
  if (!calendar) throw std::invalid_argument("test calendar: " + calendar.error().ToString());
  return **calendar;
}
}  // namespace

const ExchangeCalendar& Nse() { return Shipped("NSE"); }
const ExchangeCalendar& Nyse() { return Shipped("NYSE"); }
const ExchangeCalendar& Crypto() { return Shipped("24x7"); }

}  // namespace rc::testing
