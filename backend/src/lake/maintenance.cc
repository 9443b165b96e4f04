#include "lake/maintenance.h"

#include "lake/delta/table.h"
#include "lake/paths.h"

namespace rc::lake {
namespace {

// One table: compact the appended small files (not gold's), vacuum, forget
// the deleted files' tombstones (those older than the vacuum's cutoff: their
// files are gone), clean the log.
Result<TableMaintenance> MaintainTable(delta::Table& table, paths::Layer layer, const MaintenanceOptions& options) {
  const int64_t retention_ms = options.retention_ms;
  TableMaintenance done;
  done.table = std::string(paths::LayerName(layer));
  if (layer != paths::Layer::kGold) {
    delta::CompactOptions compact;
    compact.small_file_bytes = options.compact_small_file_bytes;
    compact.min_files = options.compact_min_files;
    compact.keep_newest_file = true;
    compact.write.lineage.attributes["reason"] = "lake maintenance: appended small files";
    auto compacted = table.Compact(compact);
    if (compacted) {
      done.files_compacted = compacted->files_removed;
      done.compacted_into = compacted->files_added;
    } else if (compacted.error().code != ErrorCode::kConflict) {  // a live writer won: next run
      return tl::unexpected(compacted.error());
    }
  }
  RC_ASSIGN_OR_RETURN(delta::VacuumResult vacuumed, table.Vacuum({.retention_ms = retention_ms}));
  done.files_deleted = static_cast<int64_t>(vacuumed.files.size());
  done.bytes_deleted = vacuumed.bytes;
  done.tombstones_forgotten = table.ForgetCachedTombstones(vacuumed.cutoff_ms);
  RC_ASSIGN_OR_RETURN(delta::LogCleanupResult cleaned, table.CleanupLog({.retention_ms = retention_ms}));
  done.log_entries_deleted = static_cast<int64_t>(cleaned.files.size());
  done.oldest_readable = cleaned.oldest_readable;
  return done;
}

}  // namespace

Result<std::vector<TableMaintenance>> MaintainLake(const std::string& data_dir, const MaintenanceOptions& options) {
  if (options.retention_ms < 0) return InvalidArgument("retention", "must not be negative");
  if (options.compact_small_file_bytes < 1) {
    return InvalidArgument("compact_small_file_bytes", "must be >= 1, got " +
                                                          std::to_string(options.compact_small_file_bytes));
  }
  if (options.compact_min_files < 2) {
    return InvalidArgument("compact_min_files", "must be >= 2, got " + std::to_string(options.compact_min_files));
  }
  std::vector<TableMaintenance> out;
  std::optional<Error> first_error;
  for (paths::Layer layer : {paths::Layer::kRaw, paths::Layer::kBronze, paths::Layer::kSilver, paths::Layer::kGold}) {
    delta::TableOptions table_options;
    table_options.fs = options.fs;
    auto table = delta::Table::Open(paths::LayerTableDir(data_dir, layer), table_options);
    auto done = table ? MaintainTable(*table, layer, options)
                      : Result<TableMaintenance>(tl::unexpected(table.error()));
    if (done) {
      out.push_back(std::move(*done));
    } else if (done.error().code != ErrorCode::kNotFound || table) {  // an absent table is nothing to do
      if (!first_error) {
        first_error = WithContext(done.error(), "maintaining the " + std::string(paths::LayerName(layer)) + " table");
      }
    }
  }
  if (first_error) return tl::unexpected(*first_error);
  return out;
}

}  // namespace rc::lake
