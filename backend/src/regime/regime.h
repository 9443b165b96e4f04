// File: regime/regime.h
//
// The six market regimes of the runbook glossary and their canonical strings
// (the wire form, the `state` label of market_regime_state and the CSV form).
//
//   rc::regime::Regime r = rc::regime::Regime::kTrendingUp;
//   std::string_view s = rc::regime::ToString(r);  // "trending_up"
#pragma once

#include <array>
#include <string_view>

#include "core/error.h"

namespace rc::regime {

enum class Regime : int {
  kTrendingUp = 0,
  kTrendingDown = 1,
  kRangeBound = 2,
  kVolatile = 3,
  kNeutral = 4,
  kUnknown = 5,
};

inline constexpr int kRegimeCount = 6;

// All regimes in enum order (index == static_cast<int>(regime)).
const std::array<Regime, kRegimeCount>& AllRegimes();

// "trending_up", "trending_down", "range_bound", "volatile", "neutral", "unknown".
std::string_view ToString(Regime regime);

// Exact canonical spellings only. Errors: kInvalidArgument naming `field`.
Result<Regime> ParseRegime(std::string_view text, std::string_view field = "regime");

inline int RegimeIndex(Regime regime) { return static_cast<int>(regime); }

}  // namespace rc::regime
