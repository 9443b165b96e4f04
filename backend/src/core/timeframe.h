// File: core/timeframe.h
//
// The bar timeframes Regimecast works with: 1m 5m 15m 30m 1h 1d. ToString() is
// the canonical partition and wire form. Provider spellings (Twelve Data's
// "5min") are mapped in the provider modules, not here.
//
//   RC_ASSIGN_OR_RETURN(rc::Timeframe tf, rc::Timeframe::Parse("5m"));
//   int64_t step = tf.DurationMicros();
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.h"

namespace rc {

// The longest prediction horizon a request may name: a year of minutes.
// (HORIZONS_MINUTES, the horizons served, is capped at 30 days in core/settings.cc.)
inline constexpr int kMaxHorizonMinutes = 60 * 24 * 365;

class Timeframe {
 public:
  enum class Unit { k1m, k5m, k15m, k30m, k1h, k1d };

  static const Timeframe k1m, k5m, k15m, k30m, k1h, k1d;
  static const std::array<Timeframe, 6>& All();

  // Accepts exactly the canonical spellings (also "60m" as an alias of "1h").
  // Errors: kInvalidArgument naming `field_name` and listing the valid values.
  static Result<Timeframe> Parse(std::string_view text, std::string_view field_name = "timeframe");

  constexpr Unit unit() const { return unit_; }
  std::string_view ToString() const;
  int64_t DurationSeconds() const;
  int64_t DurationMicros() const { return DurationSeconds() * 1'000'000; }
  int64_t Minutes() const { return DurationSeconds() / 60; }
  bool IsIntraday() const { return unit_ != Unit::k1d; }

  auto operator<=>(const Timeframe&) const = default;

 private:
  constexpr explicit Timeframe(Unit unit) : unit_(unit) {}
  Unit unit_;
};

}  // namespace rc
