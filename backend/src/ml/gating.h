// File: ml/gating.h
//
// Regime-aware gating: per regime, weights over model families from their
// out-of-sample loss in that regime. The random walk (naive) is the default:
// a family earns weight only with out-of-sample evidence of skill against it
// (ml/skill_test.h: Diebold-Mariano with a fixed-smoothing t reference, per regime), and keeps
// only the share SkillShrinkage grants — the rest goes back to naive. Among the
// families with evidence, w_f ∝ exp(-(L_f / L_best - 1) / T), the champion's
// weight multiplied by (1 + champion_bias). A family whose forecasts equal
// naive's is gated out as "no signal". Then any family below `floor` is gated
// out (with the reason recorded) and the rest renormalised. A regime with too
// few out-of-sample bars uses the pooled weights.
//
//   rc::ml::GatingTable g = rc::ml::ComputeGating(losses, "ridge", failures, {});
//   const rc::ml::FamilyWeights& w = g.For(regime);
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/error.h"
#include "ml/skill_test.h"
#include "regime/regime.h"

namespace rc::ml {

struct GatingOptions {
  double temperature = 0.05;     // softmax temperature on normalised loss. Default 0.05, > 0
  double champion_bias = 0.25;   // champion weight multiplier - 1. Default 0.25, >= 0
  double floor = 0.05;           // weights below are gated out. Default 0.05, in [0, 0.5)
  int min_regime_samples = 100;  // out-of-sample bars a regime needs for its own weights. Default 100, >= 1
  // Weight only with evidence of skill against `baseline` (when the baseline
  // is among the families). False: the plain softmax over losses (tests, curated studies).
  bool require_skill = true;
  std::string baseline = "naive";
  SkillOptions skill;
};

// OK or kInvalidArgument naming the field.
Status ValidateGatingOptions(const GatingOptions& options);

struct FamilyWeights {
  std::map<std::string, double> weights;         // family -> weight; sums to 1
  std::map<std::string, std::string> gated_out;  // family -> why it has no weight
  std::string source;                            // "regime", "pooled", "uniform" or "curated"

  boost::json::object ToJson() const;
  static Result<FamilyWeights> FromJson(const boost::json::object& obj, const std::string& where);
};

struct GatingTable {
  FamilyWeights pooled;
  std::map<regime::Regime, FamilyWeights> per_regime;  // regimes with their own weights

  const FamilyWeights& For(regime::Regime r) const;
  boost::json::object ToJson() const;
  static Result<GatingTable> FromJson(const boost::json::object& obj);
};

// Out-of-sample loss (lower is better) of one family, overall and per regime.
struct FamilyLoss {
  std::string family;
  double pooled_loss = 0;
  int64_t pooled_n = 0;
  std::map<regime::Regime, std::pair<double, int64_t>> regime_loss;  // regime -> (loss, bars)
  SkillEvidence pooled_skill;                                     // vs the baseline, all out-of-sample bars
  std::map<regime::Regime, SkillEvidence> regime_skill;           // vs the baseline, per regime
};

// Prefix of the gated-out reason of a family whose forecasts equal the baseline's.
inline constexpr const char* kNoSignalReason = "no signal";

// Weights for every family in `losses` plus `failed` (family -> error, gated
// out with that reason). With no out-of-sample bars at all, every family with a
// loss entry gets equal weight (source "uniform"). `champion` may be empty.
GatingTable ComputeGating(const std::vector<FamilyLoss>& losses, const std::string& champion,
                          const std::map<std::string, std::string>& failed, const GatingOptions& options);

// Validates hand-set weights: known families only (`is_known`), each finite and
// >= 0, at least one > 0, summing to 1 within 1e-6. Errors: kInvalidArgument
// naming "weights.<family>" or "weights".
Status ValidateManualWeights(const std::map<std::string, double>& weights,
                             const std::vector<std::string>& allowed_families);

// Weights as FamilyWeights (source "curated"); families of `all_families`
// without weight are gated out with reason "curated override".
FamilyWeights CuratedWeights(const std::map<std::string, double>& weights, const std::vector<std::string>& all_families);

}  // namespace rc::ml
