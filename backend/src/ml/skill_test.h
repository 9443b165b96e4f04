// File: ml/skill_test.h
//
// Out-of-sample evidence that a family forecasts better than the random walk
// (the naive family). A Diebold-Mariano test on the per-bar loss differential
// d_t = loss_naive_t - loss_family_t whose long-run variance is the
// equal-weighted cosine (EWC) estimator, judged against Student's t with as
// many degrees of freedom as cosines (fixed-smoothing asymptotics: Lazarus,
// Lewis, Stock & Watson 2018; for DM tests Coroneo & Iacone 2020). Forecasts
// over an h-bar horizon made on consecutive bars overlap, so d_t is
// autocorrelated up to lag h - 1; a Newey-West variance over those lags is
// biased low when the pairs span few horizons and its normal critical values
// then find "skill" in noise (at the Bonferroni level gating uses, 10-21x too
// often; skill_evidence_test.cc). Gating shrinks a family's weight toward
// naive by the strength of that evidence (SkillShrinkage), so without
// significant skill the ensemble is the random walk.
//
//   SkillEvidence e = DieboldMariano(naive_ape, family_ape, horizon_bars);
//   double keep = SkillShrinkage(e, {});   // 0 = all weight back to naive
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <vector>

#include "core/error.h"

namespace rc::ml {

struct SkillEvidence {
  int64_t n = 0;             // paired bars behind the test
  double mean_diff = 0;      // mean of loss_naive - loss_family (> 0: family better)
  double dm_stat = 0;        // mean_diff / EWC standard error (0 when df < 1 or no variance)
  int df = 0;                // degrees of freedom of its t reference: EwcDegreesOfFreedom(n, horizon_bars)
  double p_value = 1;        // one-sided, H1: family better than naive: P(t_df > dm_stat); 1 without a test
  bool equals_naive = false; // the family's forecasts equal naive's on every paired bar: "no signal"

  boost::json::object ToJson() const;
};

struct SkillOptions {
  // Family-wise one-sided level of the skill tests: every family is tested in
  // the pooled set and in each regime, so with m tests a family needs
  // DM > t_df(1 - alpha/m) (Bonferroni) before it keeps any weight. Default 0.05, in (0, 0.5)
  double alpha = 0.05;
  double full_margin = 1.5;  // DM above the threshold by this much keeps the full weight. Default 1.5, > 0
  int min_bars = 100;        // paired bars needed before any weight is earned. Default 100, >= 2
};

// OK or kInvalidArgument naming "alpha" / "full_margin" / "min_bars".
Status ValidateSkillOptions(const SkillOptions& options);

// Newey-West long-run variance of `x` with a Bartlett kernel over `lags` lags
// (lags = 0 is the plain variance). 0 when x has fewer than 2 values.
double NeweyWestVariance(const std::vector<double>& x, int lags);

// Cosines in the EWC variance of a differential of n pairs of h-bar
// forecasts: min(floor(n / (2h)), ceil(0.4 n^(2/3))). The first bound keeps
// the cosines inside the band where the spectrum of an h-bar overlap is
// nearly flat (so the variance is not biased low), the second is LLSW's rule
// for the remaining dependence. 0 when the pairs span fewer than two
// horizons: no test (one-sided size at the Bonferroni level 0.05/28 with no
// skill: 0.001-0.004 for 109..1,900 pairs at h = 36, where Newey-West with
// the HLN factor and normal critical values gave 0.013-0.037;
// skill_evidence_test.cc).
int EwcDegreesOfFreedom(int64_t n, int horizon_bars);

// The EWC long-run variance of `x` over `basis` cosines: the mean of the
// squared projections sqrt(2/n) sum_t cos(pi j (t + 1/2) / n) x_t, j = 1..basis.
// sqrt(n) mean / sqrt(it) is t with `basis` degrees of freedom for a
// Gaussian x with mean 0. 0 when x has fewer than 2 values or basis < 1.
double EwcLongRunVariance(const std::vector<double>& x, int basis);

// The DM test from paired per-bar losses (same length; pairs with a NaN are
// dropped): the EWC t statistic with EwcDegreesOfFreedom(n, horizon_bars)
// and its one-sided p. `family_pred` / `naive_pred` (optional, same
// length) decide `equals_naive` (|difference| <= 1e-12 on every bar).
SkillEvidence DieboldMariano(const std::vector<double>& naive_loss, const std::vector<double>& family_loss,
                             int horizon_bars, const std::vector<double>& family_pred = {},
                             const std::vector<double>& naive_pred = {});

// The DM statistic a family with `df` degrees of freedom must exceed when
// `comparisons` tests are made: t_df(1 - alpha/comparisons) (the normal's
// quantile when df < 1).
double SkillThreshold(const SkillOptions& options, int comparisons, int df);

// Share of its gating weight a family keeps (the rest goes to naive): 0 with
// fewer than min_bars, without a test (df < 1), when equal to naive or when
// dm_stat <= the threshold for `comparisons` tests at its df; rising
// linearly to 1 at threshold + full_margin.
double SkillShrinkage(const SkillEvidence& evidence, const SkillOptions& options, int comparisons = 1);

// Standard normal upper tail P(Z > z) and the inverse CDF (|error| < 1e-9 on (0,1)).
double NormalUpperTail(double z);
double NormalQuantile(double p);

// Student's t upper tail P(T_df > t) and quantile (Boost.Math); the normal's when df < 1.
double StudentUpperTail(double t, int df);
double StudentQuantile(double p, int df);

}  // namespace rc::ml
