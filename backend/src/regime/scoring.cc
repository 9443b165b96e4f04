#include "regime/scoring.h"

#include <cmath>
#include <cstdio>

#include "core/numeric.h"

namespace rc::regime {

int64_t ConfusionMatrix::Total() const {
  int64_t n = 0;
  for (const auto& row : counts)
    for (int64_t c : row) n += c;
  return n;
}

double ConfusionMatrix::Agreement() const {
  int64_t n = Total();
  if (n == 0) return kNaN;
  int64_t hit = 0;
  for (int idx = 0; idx < kRegimeCount; ++idx) hit += counts[idx][idx];
  return static_cast<double>(hit) / static_cast<double>(n);
}

double ConfusionMatrix::AgreementWhenKnown() const {
  int64_t n = 0, hit = 0;
  const int unk = RegimeIndex(Regime::kUnknown);
  for (int truth = 0; truth < kRegimeCount; ++truth) {
    for (int pred = 0; pred < kRegimeCount; ++pred) {
      if (pred == unk) continue;
      n += counts[truth][pred];
      if (truth == pred) hit += counts[truth][pred];
    }
  }
  return n == 0 ? kNaN : static_cast<double>(hit) / static_cast<double>(n);
}

double ConfusionMatrix::Coverage() const {
  int64_t n = Total();
  if (n == 0) return kNaN;
  int64_t unknown = 0;
  for (int truth = 0; truth < kRegimeCount; ++truth) unknown += counts[truth][RegimeIndex(Regime::kUnknown)];
  return 1.0 - static_cast<double>(unknown) / static_cast<double>(n);
}

double ConfusionMatrix::Recall(Regime r) const {
  int idx = RegimeIndex(r);
  int64_t n = 0;
  for (int64_t c : counts[idx]) n += c;
  return n == 0 ? kNaN : static_cast<double>(counts[idx][idx]) / static_cast<double>(n);
}

double ConfusionMatrix::Precision(Regime r) const {
  int idx = RegimeIndex(r);
  int64_t n = 0;
  for (int truth = 0; truth < kRegimeCount; ++truth) n += counts[truth][idx];
  return n == 0 ? kNaN : static_cast<double>(counts[idx][idx]) / static_cast<double>(n);
}

std::string ConfusionMatrix::ToTable() const {
  std::string out = "| truth \\ detected |";
  for (Regime r : AllRegimes()) out += " " + std::string(ToString(r)) + " |";
  out += " recall |\n|---|";
  for (int idx = 0; idx <= kRegimeCount; ++idx) out += "---|";
  out += "\n";
  for (Regime truth : AllRegimes()) {
    out += "| " + std::string(ToString(truth)) + " |";
    for (int pred = 0; pred < kRegimeCount; ++pred) out += " " + std::to_string(counts[RegimeIndex(truth)][pred]) + " |";
    double rec = Recall(truth);
    char buf[32];
    std::snprintf(buf, sizeof buf, " %s |\n", std::isnan(rec) ? "-" : (std::to_string(rec).substr(0, 5)).c_str());
    out += buf;
  }
  return out;
}

Result<ConfusionMatrix> ScoreRegimes(const std::vector<Regime>& predicted, const std::vector<Regime>& truth,
                                     size_t skip) {
  if (predicted.size() != truth.size()) {
    return InvalidArgument("truth", "has " + std::to_string(truth.size()) + " labels for " +
                                        std::to_string(predicted.size()) + " detected states");
  }
  if (skip > truth.size()) return InvalidArgument("skip", "exceeds the number of labels");
  ConfusionMatrix cm;
  for (size_t row = skip; row < truth.size(); ++row) {
    ++cm.counts[RegimeIndex(truth[row])][RegimeIndex(predicted[row])];
  }
  return cm;
}

}  // namespace rc::regime
