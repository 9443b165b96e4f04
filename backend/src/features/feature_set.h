// File: features/feature_set.h — named, versioned feature sets (silver's columns).
//
// A feature set turns a bar series into a column-major table: raw indicator values
// under stable names `<indicator>_<params>` (chart values, in price units) and derived,
// scale-free model features. The batch Compute() and the live FeatureState are the SAME
// code: Compute() folds the series through a FeatureState, so a model sees identical
// numbers in training and in serving. Features at bar t depend on bars <= t only;
// targets (features/targets.h) are never part of a feature set.
//
//   RC_ASSIGN_OR_RETURN(const rc::features::FeatureSet* set, rc::features::FeatureSet::ByName("core_v1"));
//   rc::features::FeatureTable table = set->Compute(bars, calendar);      // history
//   auto state = set->NewState(calendar);                                  // live
//   state->Update(bar); std::span<const double> row = state->Row();        // == table row
//
// Invalid bars: a bar whose high, low, close or volume is not finite, or whose close is
// not > 0, is skipped by the state (as if it had not arrived) and its row is all NaN.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/bar.h"
#include "core/calendar.h"
#include "core/error.h"

namespace rc::features {

enum class ColumnRole {
  kRaw,    // a chart value in price (or volume) units: sma_20, bb_upper_20_2, obv, ...
  kModel,  // scale-free, comparable across symbols: ret_1, rsi_14_scaled, bb_pctb, ...
};

struct FeatureColumn {
  std::string name;
  ColumnRole role;
  std::string description;
};

// Column-major result: columns[c][row], named names[c].
struct FeatureTable {
  std::vector<std::string> names;
  std::vector<std::vector<double>> columns;

  size_t rows() const { return columns.empty() ? 0 : columns.front().size(); }
  // The column called `name`, or nullptr.
  const std::vector<double>* Column(std::string_view name) const;
};

class FeatureSet;

// Streaming computation of one feature set for one (symbol, timeframe) stream.
// Not thread-safe; cheap to keep one per stream. Update() does not allocate.
class FeatureState {
 public:
  virtual ~FeatureState() = default;
  // Consumes the next bar (time order).
  virtual void Update(const Bar& bar) = 0;
  // The row for the last bar, in FeatureSet::columns() order; NaN where a column is not
  // defined yet (warm-up) or the bar was invalid. Valid until the next Update/Reset.
  virtual std::span<const double> Row() const = 0;
  virtual void Reset() = 0;
  virtual const FeatureSet& feature_set() const = 0;
};

class FeatureSet {
 public:
  using StateFactory = std::unique_ptr<FeatureState> (*)(const FeatureSet&, const ExchangeCalendar&);

  // The registered set called `name` ("core_v1"). Errors: kInvalidArgument, field
  // "feature_set", listing the known names.
  static Result<const FeatureSet*> ByName(std::string_view name);
  // Names of all registered sets, oldest first.
  static std::vector<std::string> Names();
  // The set new pipelines should use ("core_v1").
  static const FeatureSet& Default();

  FeatureSet(std::string name, int version, std::vector<FeatureColumn> columns, size_t warmup_bars,
             StateFactory factory);

  const std::string& name() const { return name_; }  // "core_v1": the name carries the version
  int version() const { return version_; }           // 1
  const std::vector<FeatureColumn>& columns() const { return columns_; }
  std::vector<std::string> ColumnNames() const;
  std::vector<std::string> ModelFeatureNames() const;  // role kModel, in column order
  std::vector<std::string> RawColumnNames() const;     // role kRaw, in column order
  // Index of column `name`, or -1.
  int ColumnIndex(std::string_view name) const;
  // Number of leading bars whose rows have at least one NaN column (every column is
  // defined from bar index warmup_bars() on, for a series of valid bars).
  size_t warmup_bars() const { return warmup_bars_; }

  // A fresh streaming state. `calendar` (session-anchored VWAP, time encodings) must
  // outlive it; built-in calendars are static.
  std::unique_ptr<FeatureState> NewState(const ExchangeCalendar& calendar) const;
  // Batch: folds `bars` (regular-session bars in time order) through a fresh state.
  FeatureTable Compute(std::span<const Bar> bars, const ExchangeCalendar& calendar) const;
  // Compute() of a long series in bounded chunks, into buffers the caller
  // reuses: folds `bars` through `state` (a NewState() of this set, which
  // continues from the bars it saw before) and writes row r of column c to
  // columns[c][r]. `columns` holds columns().size() pointers, each to at least
  // bars.size() doubles. Chunks fed in order give Compute()'s values.
  void ComputeInto(FeatureState& state, std::span<const Bar> bars, std::span<double* const> columns) const;

 private:
  std::string name_;
  int version_;
  std::vector<FeatureColumn> columns_;
  size_t warmup_bars_;
  StateFactory factory_;
};

}  // namespace rc::features
