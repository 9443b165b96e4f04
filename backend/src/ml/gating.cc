#include "ml/gating.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <cstdio>
#include <limits>
#include <set>

#include "core/json_fields.h"
#include "ml/internal/json_io.h"

namespace rc::ml {
namespace {

std::string Fmt(const char* fmt, double a, double b = 0, double c = 0) {
  char buf[160];
  std::snprintf(buf, sizeof buf, fmt, a, b, c);
  return buf;
}

// The plain softmax over normalised losses, champion biased, floor applied.
// losses: family -> loss (finite) for the families being weighed.
FamilyWeights Weigh(const std::map<std::string, double>& losses, const std::string& champion,
                    const GatingOptions& o, const std::string& source, const std::string& where) {
  FamilyWeights fw;
  fw.source = source;
  if (losses.empty()) return fw;
  double best = std::numeric_limits<double>::infinity();
  for (const auto& [f, l] : losses) best = std::min(best, l);
  std::map<std::string, double> raw;
  double total = 0;
  for (const auto& [f, l] : losses) {
    double norm = best > 0 ? l / best - 1.0 : (l > best ? 1.0 : 0.0);
    double w = std::exp(-norm / o.temperature);
    if (f == champion) w *= 1.0 + o.champion_bias;
    raw[f] = w;
    total += w;
  }
  for (auto& [f, w] : raw) w /= total;
  // The family with the largest weight always stays, so the floor can never gate everyone out.
  std::string top;
  double top_w = -1;
  for (const auto& [f, w] : raw) {
    if (w > top_w) {
      top_w = w;
      top = f;
    }
  }
  double kept = 0;
  for (const auto& [f, share] : raw) {
    if (share < o.floor && f != top) {
      fw.gated_out[f] = Fmt("weight %.4f below floor %.4f", share, o.floor) + " in " + where +
                        Fmt(" (loss %.6g vs best %.6g)", losses.at(f), best);
    } else {
      fw.weights[f] = share;
      kept += share;
    }
  }
  for (auto& [f, w] : fw.weights) w /= kept;
  return fw;
}

// Why evidence fell short, for gated_out: the statistic against its
// threshold, or that the pairs span too few horizons to test at all.
std::string EvidenceNote(const SkillEvidence& e, const SkillOptions& o, int comparisons) {
  if (e.df < 1) return Fmt(" (n=%.0f pairs span fewer than 2 horizons: no test)", static_cast<double>(e.n));
  return Fmt(" (DM t=%.2f needs > %.2f with %.0f df", e.dm_stat, SkillThreshold(o, comparisons, e.df), e.df) +
         Fmt(", n=%.0f)", static_cast<double>(e.n));
}

// Skill-gated weights: naive (the baseline) by default; families with
// significant skill take the share SkillShrinkage grants them, split by the
// softmax over their losses. `skill`: family -> evidence vs the baseline here;
// `no_signal`: families whose forecasts equal the baseline's.
// `comparisons`: skill tests made in the whole gating table (Bonferroni).
FamilyWeights WeighBySkill(const std::map<std::string, double>& losses, const std::map<std::string, SkillEvidence>& skill,
                           const std::set<std::string>& no_signal, const std::string& champion, const GatingOptions& o,
                           int comparisons, const std::string& source, const std::string& where) {
  FamilyWeights fw;
  fw.source = source;
  std::map<std::string, double> candidates;
  std::map<std::string, double> keep;
  for (const auto& [f, l] : losses) {
    if (f == o.baseline) continue;
    if (no_signal.count(f)) {
      fw.gated_out[f] = std::string(kNoSignalReason) + ": forecasts equal " + o.baseline + "'s on every out-of-sample bar";
      continue;
    }
    auto it = skill.find(f);
    const SkillEvidence e = it == skill.end() ? SkillEvidence{} : it->second;
    const double s = SkillShrinkage(e, o.skill, comparisons);
    if (s <= 0) {
      fw.gated_out[f] = "no evidence of skill vs " + o.baseline + " in " + where + EvidenceNote(e, o.skill, comparisons);
      continue;
    }
    candidates[f] = l;
    keep[f] = s;
  }
  fw.weights[o.baseline] = 1.0;
  if (candidates.empty()) return fw;
  FamilyWeights among = Weigh(candidates, champion, o, source, where);
  double baseline_share = 1.0;
  for (const auto& [f, share] : among.weights) {
    fw.weights[f] = share * keep[f];
    baseline_share -= share * keep[f];
  }
  for (const auto& [f, why] : among.gated_out) fw.gated_out[f] = why;
  fw.weights[o.baseline] = std::max(0.0, baseline_share);
  // Shares shrunk below the floor go back to the baseline.
  double kept = 0;
  for (auto it = fw.weights.begin(); it != fw.weights.end();) {
    if (it->first != o.baseline && it->second < o.floor) {
      fw.gated_out[it->first] = Fmt("weight %.4f below floor %.4f after shrinkage toward naive", it->second, o.floor) +
                                " in " + where;
      it = fw.weights.erase(it);
    } else {
      kept += it->second;
      ++it;
    }
  }
  for (auto& [f, w] : fw.weights) w /= kept;
  if (fw.weights[o.baseline] <= 0) fw.weights.erase(o.baseline);
  return fw;
}

}  // namespace

Status ValidateGatingOptions(const GatingOptions& o) {
  if (!(o.temperature > 0)) return InvalidArgument("temperature", "must be > 0");
  if (!(o.champion_bias >= 0)) return InvalidArgument("champion_bias", "must be >= 0");
  if (!(o.floor >= 0 && o.floor < 0.5)) return InvalidArgument("floor", "must be in [0, 0.5)");
  if (o.min_regime_samples < 1) return InvalidArgument("min_regime_samples", "must be >= 1");
  if (o.require_skill && o.baseline.empty()) return InvalidArgument("baseline", "must name the baseline family");
  return ValidateSkillOptions(o.skill);
}

const FamilyWeights& GatingTable::For(regime::Regime r) const {
  auto it = per_regime.find(r);
  return it == per_regime.end() ? pooled : it->second;
}

boost::json::object FamilyWeights::ToJson() const {
  boost::json::object w, g;
  for (const auto& [f, v] : weights) w[f] = v;
  for (const auto& [f, why] : gated_out) g[f] = why;
  return {{"weights", w}, {"gated_out", g}, {"source", source}};
}

Result<FamilyWeights> FamilyWeights::FromJson(const boost::json::object& obj, const std::string& where) {
  FamilyWeights fw;
  const JsonFields fields = JsonFields::Stored(obj, where);
  RC_ASSIGN_OR_RETURN(const boost::json::object* w, fields.RequiredObject("weights"));
  for (const auto& kv : *w) fw.weights[std::string(kv.key())] = JsonNumberOrNaN(kv.value());
  RC_ASSIGN_OR_RETURN(const boost::json::object* g, fields.RequiredObject("gated_out"));
  for (const auto& kv : *g) {
    fw.gated_out[std::string(kv.key())] = kv.value().is_string() ? std::string(kv.value().as_string()) : "";
  }
  RC_ASSIGN_OR_RETURN(fw.source, fields.RequiredString("source"));
  return fw;
}

boost::json::object GatingTable::ToJson() const {
  boost::json::object per;
  for (const auto& [r, fw] : per_regime) per[regime::ToString(r)] = fw.ToJson();
  return {{"pooled", pooled.ToJson()}, {"per_regime", per}};
}

Result<GatingTable> GatingTable::FromJson(const boost::json::object& obj) {
  GatingTable t;
  const JsonFields gating = JsonFields::Stored(obj, "gating");
  RC_ASSIGN_OR_RETURN(const boost::json::object* pooled, gating.RequiredObject("pooled"));
  RC_ASSIGN_OR_RETURN(t.pooled, FamilyWeights::FromJson(*pooled, "gating.pooled"));
  RC_ASSIGN_OR_RETURN(const boost::json::object* per, gating.RequiredObject("per_regime"));
  for (const auto& kv : *per) {
    RC_ASSIGN_OR_RETURN(regime::Regime r, regime::ParseRegime(kv.key(), "gating.per_regime"));
    if (!kv.value().is_object()) return DataCorrupt("gating.per_regime entry is not an object");
    RC_ASSIGN_OR_RETURN(t.per_regime[r], FamilyWeights::FromJson(kv.value().as_object(), "gating.per_regime"));
  }
  return t;
}

GatingTable ComputeGating(const std::vector<FamilyLoss>& losses, const std::string& champion,
                          const std::map<std::string, std::string>& failed, const GatingOptions& o) {
  GatingTable table;
  const bool skill_gated =
      o.require_skill && std::any_of(losses.begin(), losses.end(), [&](const FamilyLoss& fl) { return fl.family == o.baseline; });
  std::set<std::string> no_signal;
  std::map<std::string, double> pooled;
  std::map<std::string, SkillEvidence> pooled_skill;
  for (const FamilyLoss& fl : losses) {
    if (fl.pooled_skill.equals_naive && fl.family != o.baseline) no_signal.insert(fl.family);
    if (fl.pooled_n > 0 && std::isfinite(fl.pooled_loss)) {
      pooled[fl.family] = fl.pooled_loss;
      pooled_skill[fl.family] = fl.pooled_skill;
    }
  }
  // Every non-baseline family is tested pooled and in each regime that could have its own weights.
  const int comparisons =
      std::max<int>(1, static_cast<int>(losses.size()) - 1) * (1 + static_cast<int>(regime::AllRegimes().size()));
  auto weigh = [&](const std::map<std::string, double>& l, const std::map<std::string, SkillEvidence>& sk,
                   const std::string& source, const std::string& where) {
    return skill_gated ? WeighBySkill(l, sk, no_signal, champion, o, comparisons, source, where)
                       : Weigh(l, champion, o, source, where);
  };
  if (pooled.empty()) {
    if (skill_gated) {
      // No out-of-sample evidence yet: the random walk alone.
      table.pooled.source = "baseline";
      table.pooled.weights[o.baseline] = 1.0;
      for (const FamilyLoss& fl : losses) {
        if (fl.family != o.baseline) table.pooled.gated_out[fl.family] = "no out-of-sample evidence yet";
      }
    } else {
      table.pooled.source = "uniform";
      for (const FamilyLoss& fl : losses) table.pooled.weights[fl.family] = 1.0;
      for (auto& [f, w] : table.pooled.weights) w /= static_cast<double>(table.pooled.weights.size());
    }
  } else {
    table.pooled = weigh(pooled, pooled_skill, "pooled", "all regimes");
  }
  for (regime::Regime r : regime::AllRegimes()) {
    std::map<std::string, double> in_regime;
    std::map<std::string, SkillEvidence> regime_skill;
    bool enough = !pooled.empty();
    for (const FamilyLoss& fl : losses) {
      auto it = fl.regime_loss.find(r);
      if (it == fl.regime_loss.end() || it->second.second < o.min_regime_samples || !std::isfinite(it->second.first)) {
        enough = false;
        break;
      }
      in_regime[fl.family] = it->second.first;
      if (auto sk = fl.regime_skill.find(r); sk != fl.regime_skill.end()) regime_skill[fl.family] = sk->second;
    }
    if (enough) table.per_regime[r] = weigh(in_regime, regime_skill, "regime", std::string(regime::ToString(r)));
  }
  auto mark_failed = [&](FamilyWeights& fw) {
    for (const auto& [f, why] : failed) fw.gated_out[f] = "failed: " + why;
  };
  mark_failed(table.pooled);
  for (auto& [r, fw] : table.per_regime) mark_failed(fw);
  return table;
}

Status ValidateManualWeights(const std::map<std::string, double>& weights,
                             const std::vector<std::string>& allowed_families) {
  if (weights.empty()) return InvalidArgument("weights", "must give at least one family=weight");
  double sum = 0;
  bool any_positive = false;
  for (const auto& [f, w] : weights) {
    if (std::find(allowed_families.begin(), allowed_families.end(), f) == allowed_families.end()) {
      std::string allowed;
      for (const auto& a : allowed_families) allowed += " " + a;
      return InvalidArgument("weights." + f, "unknown or untrained family '" + f + "' (available:" + allowed + ")");
    }
    if (!std::isfinite(w) || w < 0) return InvalidArgument("weights." + f, "must be a finite number >= 0");
    if (w > 0) any_positive = true;
    sum += w;
  }
  if (!any_positive) return InvalidArgument("weights", "at least one weight must be > 0");
  if (std::abs(sum - 1.0) > 1e-6) return InvalidArgument("weights", Fmt("must sum to 1, got %.6f", sum));
  return Ok();
}

FamilyWeights CuratedWeights(const std::map<std::string, double>& weights, const std::vector<std::string>& all_families) {
  FamilyWeights fw;
  fw.source = "curated";
  for (const auto& [f, w] : weights) {
    if (w > 0) fw.weights[f] = w;
  }
  for (const auto& f : all_families) {
    if (!fw.weights.count(f)) fw.gated_out[f] = "curated override";
  }
  return fw;
}

}  // namespace rc::ml
