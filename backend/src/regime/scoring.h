// File: regime/scoring.h
//
// Scores detected regimes against true labels (e.g. from the simulator): a
// confusion matrix, overall agreement and per-state recall/precision.
//
//   RC_ASSIGN_OR_RETURN(auto cm, rc::regime::ScoreRegimes(detected, truth));
//   std::cout << cm.ToTable() << cm.Agreement();
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "core/error.h"
#include "regime/regime.h"

namespace rc::regime {

struct ConfusionMatrix {
  // counts[truth][predicted], indexed by RegimeIndex.
  std::array<std::array<int64_t, kRegimeCount>, kRegimeCount> counts{};

  int64_t Total() const;
  // Share of bars where predicted == truth, over all bars (NaN when empty).
  double Agreement() const;
  // Agreement over bars where the detector did not say unknown (coverage is
  // reported separately by Coverage()).
  double AgreementWhenKnown() const;
  // Share of bars the detector did not call unknown.
  double Coverage() const;
  // Of the bars whose truth is `r`, the share predicted `r` (NaN if none).
  double Recall(Regime r) const;
  // Of the bars predicted `r`, the share whose truth is `r` (NaN if none).
  double Precision(Regime r) const;
  // Markdown table: rows = truth, columns = predicted, plus recall.
  std::string ToTable() const;
};

// Counts (truth[i], predicted[i]) for i >= skip. Errors: kInvalidArgument
// ("truth") when the lengths differ or skip exceeds them.
Result<ConfusionMatrix> ScoreRegimes(const std::vector<Regime>& predicted, const std::vector<Regime>& truth,
                                     size_t skip = 0);

}  // namespace rc::regime
