#include "features/feature_set.h"

#include <algorithm>
#include <cstdint>
#include <utility>

#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "features/internal/core_v1.h"

namespace rc::features {
namespace {

const std::vector<const FeatureSet*>& Registry() {
  static const std::vector<const FeatureSet*> registry = {&internal::CoreV1()};
  return registry;
}

// A 1M-bar core_v1 table is 41 columns of 8 MB, first touched while it is filled.
// Asking for transparent huge pages on the column buffers takes 512x fewer page faults
// (the kernel still zeroes the pages); where THP is off or unsupported the call fails
// harmlessly and nothing changes.
void AdviseHugePages(void* data, size_t bytes) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  constexpr uintptr_t kHugePage = uintptr_t{2} << 20;
  const uintptr_t begin = (reinterpret_cast<uintptr_t>(data) + kHugePage - 1) & ~(kHugePage - 1);
  const uintptr_t end = (reinterpret_cast<uintptr_t>(data) + bytes) & ~(kHugePage - 1);
  if (end > begin) static_cast<void>(madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE));
#else
  static_cast<void>(data);
  static_cast<void>(bytes);
#endif
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
  const size_t width = columns_.size();
  // Rows are gathered into a small column-major block (fits in L2) and appended to the
  // columns a block at a time with one contiguous copy per column: writing each bar's
  // row straight into `width` separate column arrays, zero-filled first, cost ~2.5x the
  // indicator work itself (docs/benchmarks.md).
  constexpr size_t kBlockRows = 256;
  table.columns.resize(width);
  for (auto& column : table.columns) {
    column.reserve(bars.size());
    AdviseHugePages(column.data(), bars.size() * sizeof(double));
  }
  std::vector<double> block(kBlockRows * width);
  std::unique_ptr<FeatureState> state = NewState(calendar);
  for (size_t block_begin = 0; block_begin < bars.size(); block_begin += kBlockRows) {
    const size_t block_rows = std::min(kBlockRows, bars.size() - block_begin);
    for (size_t r = 0; r < block_rows; ++r) {
      state->Update(bars[block_begin + r]);
      const std::span<const double> row = state->Row();
      for (size_t col_idx = 0; col_idx < width; ++col_idx) block[col_idx * kBlockRows + r] = row[col_idx];
    }
    for (size_t col_idx = 0; col_idx < width; ++col_idx) {
      const auto first = block.begin() + static_cast<std::ptrdiff_t>(col_idx * kBlockRows);
      table.columns[col_idx].insert(table.columns[col_idx].end(), first, first + static_cast<std::ptrdiff_t>(block_rows));
    }
  }
  return table;
}

}  // namespace rc::features
