// File: core/symbol.h
//
// A market symbol in Yahoo style, exchange suffix included: TCS.NS, ^NSEI, AAPL,
// BTC-USD, EURUSD=X. A Symbol becomes a lake partition value and so a directory
// name: Parse() is a security boundary and the only way to make one from input.
//
//   RC_ASSIGN_OR_RETURN(rc::Symbol s, rc::Symbol::Parse("tcs.ns"));  // "TCS.NS"
#pragma once

#include <compare>
#include <string>
#include <string_view>

#include "core/error.h"

namespace rc {

class Symbol {
 public:
  // Accepts `^[A-Z0-9^][A-Z0-9.\-=&^]{0,31}$` after upper-casing ASCII letters
  // (policy: symbols are case-insensitive, canonical form is upper case), with no
  // "..". Surrounding whitespace is NOT trimmed. Errors: kInvalidArgument with
  // field `field_name` and a message saying which rule failed.
  static Result<Symbol> Parse(std::string_view text, std::string_view field_name = "symbol");

  // The canonical (upper-case) spelling; exactly the partition and wire form.
  const std::string& str() const { return value_; }
  std::string ToString() const { return value_; }

  // "TCS.NS" -> "TCS", "NS"; "AAPL" -> "AAPL", "". Used by providers that take
  // exchange and ticker separately. The suffix is the text after the LAST '.'
  // provided the text before it is non-empty.
  std::string_view Ticker() const;
  std::string_view ExchangeSuffix() const;

  auto operator<=>(const Symbol&) const = default;

 private:
  explicit Symbol(std::string value) : value_(std::move(value)) {}
  std::string value_;
};

}  // namespace rc
