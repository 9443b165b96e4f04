// File: tests/features/indicator_testing.h — shared checks for the indicator tests:
// canned series, a tolerance, and the contract checks every indicator must pass
// (reference equality at every step, warm-up, non-finite skipping, Reset).
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "core/bar.h"
#include "core/calendar.h"
#include "core/numeric.h"
#include "features/indicator.h"
#include "testing/literals.h"

namespace rc::features::testing {

using rc::testing::Crypto;
using rc::testing::Nse;

// `count` NSE 5-minute regular-session bars from 2024-01-01, random walk from 100.
BarSeries Series(size_t count, uint64_t seed);
std::vector<double> Closes(const BarSeries& bars);
// The real NSE 5-minute bars of ../shared/data/nse-5m/<symbol>.csv (exchange-local
// "YYYY-MM-DD HH:MM:SS" times), or an empty series when the shared data is absent.
BarSeries NseBars(const std::string& symbol);

// |expected - actual| <= rel * max(|expected|, |actual|) + abs; both NaN also matches.
::testing::AssertionResult Near(double expected, double actual, double rel = 1e-9, double abs = 1e-10);
// Bitwise-equal doubles, or both NaN.
bool Same(double a, double b);

// Streams `bars` through `indicator` and checks Output(output) against `reference` at
// every step; reference NaN means "not ready yet".
template <typename Ind>
void ExpectMatchesReference(Ind indicator, const BarSeries& bars, const std::vector<double>& reference,
                            size_t output = 0, double rel = 1e-9, double abs = 1e-10) {
  ASSERT_EQ(reference.size(), bars.size());
  for (size_t bar_idx = 0; bar_idx < bars.size(); ++bar_idx) {
    indicator.Update(bars[bar_idx]);
    ASSERT_TRUE(Near(reference[bar_idx], indicator.Output(output), rel, abs))
        << "bar " << bar_idx << " output " << output;
  }
}

// IsReady() is false (and every output NaN) for the first `first_ready` bars and true
// from bar index `first_ready` on.
template <typename Ind>
void ExpectReadyFrom(Ind indicator, const BarSeries& bars, size_t first_ready) {
  for (size_t bar_idx = 0; bar_idx < bars.size(); ++bar_idx) {
    indicator.Update(bars[bar_idx]);
    ASSERT_EQ(indicator.IsReady(), bar_idx >= first_ready) << "bar " << bar_idx;
    if (indicator.IsReady()) {
      ASSERT_TRUE(std::isfinite(indicator.Value())) << "bar " << bar_idx;
    } else {
      ASSERT_TRUE(std::isnan(indicator.Value())) << "bar " << bar_idx;
    }
  }
}

// Bars with NaN / +inf / -inf in every field, inserted at several places (during the
// warm-up and after it), are skipped: at each bad bar the indicator's outputs are those
// of the previous bar, and at every good bar they equal the run without the bad bars.
template <typename Ind>
void ExpectSkipsNonFinite(const Ind& fresh, const BarSeries& clean) {
  const double bad_values[] = {kNaN, std::numeric_limits<double>::infinity(),
                               -std::numeric_limits<double>::infinity()};
  const size_t positions[] = {0, 1, 5, 16, 40, 41, 90, 200};
  std::vector<bool> is_bad;
  BarSeries dirty;
  size_t next = 0;
  for (size_t bar_idx = 0; bar_idx < clean.size(); ++bar_idx) {
    for (size_t pos : positions) {
      if (pos == bar_idx) {
        const double bad = bad_values[next++ % 3];
        dirty.push_back(Bar{clean[bar_idx].open_time, bad, bad, bad, bad, bad});
        is_bad.push_back(true);
      }
    }
    dirty.push_back(clean[bar_idx]);
    is_bad.push_back(false);
  }
  Ind reference = fresh;
  Ind tested = fresh;
  const size_t outputs = tested.NumOutputs();
  std::vector<double> previous(outputs, kNaN);
  for (size_t bar_idx = 0; bar_idx < dirty.size(); ++bar_idx) {
    tested.Update(dirty[bar_idx]);
    if (!is_bad[bar_idx]) reference.Update(dirty[bar_idx]);
    for (size_t out = 0; out < outputs; ++out) {
      const double expected = is_bad[bar_idx] ? previous[out] : reference.Output(out);
      ASSERT_TRUE(Same(expected, tested.Output(out))) << "bar " << bar_idx << " output " << out << ": expected "
                                                      << expected << " got " << tested.Output(out);
      previous[out] = tested.Output(out);
    }
  }
}

// After Reset() the indicator reproduces a fresh run exactly.
template <typename Ind>
void ExpectResetRestarts(const Ind& fresh, const BarSeries& bars) {
  Ind used = fresh;
  for (const Bar& bar : bars) used.Update(bar);
  used.Reset();
  Ind again = fresh;
  for (size_t bar_idx = 0; bar_idx < bars.size(); ++bar_idx) {
    used.Update(bars[bar_idx]);
    again.Update(bars[bar_idx]);
    for (size_t out = 0; out < again.NumOutputs(); ++out) {
      ASSERT_TRUE(Same(again.Output(out), used.Output(out))) << "bar " << bar_idx;
    }
  }
}

// Fold (batch) equals the bar-by-bar values for every output.
template <typename Ind>
void ExpectFoldEqualsStreaming(const Ind& fresh, const BarSeries& bars) {
  Ind batch = fresh;
  const auto folded = FoldOutputs(batch, std::span<const Bar>(bars));
  Ind stream = fresh;
  for (size_t bar_idx = 0; bar_idx < bars.size(); ++bar_idx) {
    stream.Update(bars[bar_idx]);
    for (size_t out = 0; out < stream.NumOutputs(); ++out) {
      ASSERT_TRUE(Same(folded[out][bar_idx], stream.Output(out))) << "bar " << bar_idx;
    }
  }
}

// Runs the four contract checks on a few seeded series.
template <typename Ind>
void ExpectIndicatorContract(const Ind& fresh, size_t first_ready) {
  for (uint64_t seed : {1u, 2u, 3u}) {
    const BarSeries bars = Series(400, seed);
    ExpectReadyFrom(fresh, bars, first_ready);
    ExpectSkipsNonFinite(fresh, bars);
    ExpectResetRestarts(fresh, bars);
    ExpectFoldEqualsStreaming(fresh, bars);
  }
}

// Naive helpers for the references.
double WindowMean(const std::vector<double>& x, size_t end_inclusive, size_t length);
double WindowPopulationSd(const std::vector<double>& x, size_t end_inclusive, size_t length);

}  // namespace rc::features::testing
