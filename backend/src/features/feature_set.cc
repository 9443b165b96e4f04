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

namespace {

// Folds `bars` through `state`, handing each block of up to kBlockRows rows to
// `sink(column, first_row, values, count)`. Rows are gathered into a small
// column-major block (fits in L2) and handed over a block at a time, one
// contiguous copy per column: writing each bar's row straight into `width`
// separate column arrays, zero-filled first, cost ~2.5x the indicator work
// itself (docs/benchmarks.md).
template <typename Sink>
void FoldInBlocks(FeatureState& state, std::span<const Bar> bars, size_t width, const Sink& sink) {
  constexpr size_t kBlockRows = 256;
  std::vector<double> block(kBlockRows * width);
  for (size_t block_begin = 0; block_begin < bars.size(); block_begin += kBlockRows) {
    const size_t block_rows = std::min(kBlockRows, bars.size() - block_begin);
    for (size_t r = 0; r < block_rows; ++r) {
      state.Update(bars[block_begin + r]);
      const std::span<const double> row = state.Row();
      for (size_t col_idx = 0; col_idx < width; ++col_idx) block[col_idx * kBlockRows + r] = row[col_idx];
    }
    for (size_t col_idx = 0; col_idx < width; ++col_idx) {
      sink(col_idx, block_begin, block.data() + col_idx * kBlockRows, block_rows);
    }
  }
}

}  // namespace

FeatureTable FeatureSet::Compute(std::span<const Bar> bars, const ExchangeCalendar& calendar) const {
  FeatureTable table;
  table.names = ColumnNames();
  const size_t width = columns_.size();
  table.columns.resize(width);
  for (auto& column : table.columns) {
    column.reserve(bars.size());
    AdviseHugePages(column.data(), bars.size() * sizeof(double));
  }
  std::unique_ptr<FeatureState> state = NewState(calendar);
  FoldInBlocks(*state, bars, width, [&table](size_t col, size_t, const double* values, size_t count) {
    table.columns[col].insert(table.columns[col].end(), values, values + count);
  });
  return table;
}

void FeatureSet::ComputeInto(FeatureState& state, std::span<const Bar> bars, std::span<double* const> columns) const {
  FoldInBlocks(state, bars, std::min(columns.size(), columns_.size()),
               [columns](size_t col, size_t first_row, const double* values, size_t count) {
                 std::copy_n(values, count, columns[col] + first_row);
               });
}

}  // namespace rc::features
