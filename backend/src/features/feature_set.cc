#include "features/feature_set.h"

#include <utility>

#include "features/internal/core_v1.h"

namespace rc::features {
namespace {

const std::vector<const FeatureSet*>& Registry() {
  static const std::vector<const FeatureSet*> registry = {&internal::CoreV1()};
  return registry;
}

}  // namespace

const std::vector<double>* FeatureTable::Column(std::string_view name) const {
  for (size_t idx = 0; idx < names.size(); ++idx) {
    if (names[idx] == name) return &columns[idx];
  }
  return nullptr;
}

Result<const FeatureSet*> FeatureSet::ByName(std::string_view name) {
  std::string known;
  for (const FeatureSet* set : Registry()) {
    if (set->name() == name) return set;
    known += (known.empty() ? "" : ", ") + set->name();
  }
  return InvalidArgument("feature_set", "unknown feature set '" + std::string(name) + "' (known: " + known + ")");
}

std::vector<std::string> FeatureSet::Names() {
  std::vector<std::string> names;
  for (const FeatureSet* set : Registry()) names.push_back(set->name());
  return names;
}

const FeatureSet& FeatureSet::Default() { return internal::CoreV1(); }

FeatureSet::FeatureSet(std::string name, int version, std::vector<FeatureColumn> columns, size_t warmup_bars,
                       StateFactory factory)
    : name_(std::move(name)),
      version_(version),
      columns_(std::move(columns)),
      warmup_bars_(warmup_bars),
      factory_(factory) {}

std::vector<std::string> FeatureSet::ColumnNames() const {
  std::vector<std::string> names;
  for (const FeatureColumn& column : columns_) names.push_back(column.name);
  return names;
}

std::vector<std::string> FeatureSet::ModelFeatureNames() const {
  std::vector<std::string> names;
  for (const FeatureColumn& column : columns_) {
    if (column.role == ColumnRole::kModel) names.push_back(column.name);
  }
  return names;
}

std::vector<std::string> FeatureSet::RawColumnNames() const {
  std::vector<std::string> names;
  for (const FeatureColumn& column : columns_) {
    if (column.role == ColumnRole::kRaw) names.push_back(column.name);
  }
  return names;
}

int FeatureSet::ColumnIndex(std::string_view name) const {
  for (size_t idx = 0; idx < columns_.size(); ++idx) {
    if (columns_[idx].name == name) return static_cast<int>(idx);
  }
  return -1;
}

std::unique_ptr<FeatureState> FeatureSet::NewState(const ExchangeCalendar& calendar) const {
  return factory_(*this, calendar);
}

FeatureTable FeatureSet::Compute(std::span<const Bar> bars, const ExchangeCalendar& calendar) const {
  FeatureTable table;
  table.names = ColumnNames();
  table.columns.assign(columns_.size(), std::vector<double>(bars.size()));
  std::unique_ptr<FeatureState> state = NewState(calendar);
  for (size_t bar_idx = 0; bar_idx < bars.size(); ++bar_idx) {
    state->Update(bars[bar_idx]);
    const std::span<const double> row = state->Row();
    for (size_t col_idx = 0; col_idx < row.size(); ++col_idx) table.columns[col_idx][bar_idx] = row[col_idx];
  }
  return table;
}

}  // namespace rc::features
