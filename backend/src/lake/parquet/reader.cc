// Parquet reader front door: footer parsing and validation (OpenBuffer),
// statistics for FileInfo, and Read (projection + row-group skipping). The
// footer is validated once here, so the per-chunk decoder can rely on the
// schema/row-group shape and only has to check page-level data.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <thread>
#include <unordered_set>

#include "core/parallel.h"
#include "lake/parquet/internal/bytes.h"
#include "lake/parquet/internal/column_reader.h"
#include "lake/parquet/internal/reader_impl.h"
#include "lake/parquet/internal/thrift_io.h"
#include "lake/parquet/parquet.h"

namespace rc::lake::parquet {
namespace {

namespace format = internal::format;
using internal::LeafInfo;
using internal::NestedField;

// Decoded output may be up to this many times the file size (plus a floor),
// which admits every realistic compression ratio but not a hostile footer.
constexpr int64_t kDecodeRatio = 1024;
constexpr int64_t kDecodeFloor = int64_t{256} << 20;

// Runs job(index, scratch) for index in [0, count) on up to `threads`
// threads (core/parallel.h); each thread has its own decode scratch buffers.
template <typename Job>
void ForEachInParallel(size_t count, size_t threads, const Job& job) {
  std::vector<internal::DecodeScratch> scratch(std::max<size_t>(1, std::min(count, threads)));
  ParallelFor(count, threads, [&](size_t idx, size_t worker) { job(idx, &scratch[worker]); });
}

// Decodes a statistics value of `leaf`'s storage type; nullopt when the
// bytes do not have the size of one value.
std::optional<StatValue> DecodeStat(const LeafInfo& leaf, const std::string& bytes) {
  const auto* data = reinterpret_cast<const uint8_t*>(bytes.data());
  switch (leaf.physical) {
    case format::Type::BOOLEAN:
      if (bytes.size() != 1) return std::nullopt;
      return StatValue(data[0] != 0);
    case format::Type::INT32:
      if (bytes.size() != 4) return std::nullopt;
      return StatValue(internal::LoadLittleEndian<int32_t>(data));
    case format::Type::INT64: {
      if (bytes.size() != 8) return std::nullopt;
      int64_t value = internal::LoadLittleEndian<int64_t>(data);
      if (leaf.time_scale == internal::TimeUnitScale::kMillis) {
        if (value > std::numeric_limits<int64_t>::max() / 1000 || value < std::numeric_limits<int64_t>::min() / 1000) {
          return std::nullopt;
        }
        value *= 1000;
      } else if (leaf.time_scale == internal::TimeUnitScale::kNanos) {
        value = value / 1000 - ((value % 1000) < 0 ? 1 : 0);
      }
      return StatValue(value);
    }
    case format::Type::FLOAT:
      if (bytes.size() != 4) return std::nullopt;
      return StatValue(internal::LoadLittleEndian<float>(data));
    case format::Type::DOUBLE:
      if (bytes.size() != 8) return std::nullopt;
      return StatValue(internal::LoadLittleEndian<double>(data));
    case format::Type::BYTE_ARRAY:
      return StatValue(bytes);
    default:
      return std::nullopt;
  }
}

ColumnChunkStats ConvertStats(const LeafInfo& leaf, const format::ColumnMetaData& meta) {
  ColumnChunkStats out;
  if (!meta.__isset.statistics) return out;
  const format::Statistics& stats = meta.statistics;
  if (stats.__isset.null_count) out.null_count = stats.null_count;
  if (stats.__isset.min_value && stats.__isset.max_value) {
    out.min = DecodeStat(leaf, stats.min_value);
    out.max = DecodeStat(leaf, stats.max_value);
  } else if (stats.__isset.min && stats.__isset.max && leaf.physical != format::Type::BYTE_ARRAY &&
             leaf.physical != format::Type::BOOLEAN) {
    // Legacy min/max use signed order: right for numbers, not for strings.
    out.min = DecodeStat(leaf, stats.min);
    out.max = DecodeStat(leaf, stats.max);
  }
  // NaN is never a valid bound (docs/formats.md §1.6): drop such stats.
  auto is_nan = [](const std::optional<StatValue>& value) {
    if (!value) return false;
    if (const auto* f = std::get_if<float>(&*value)) return *f != *f;
    if (const auto* d = std::get_if<double>(&*value)) return *d != *d;
    return false;
  };
  if (!out.min || !out.max || is_nan(out.min) || is_nan(out.max)) {
    out.min.reset();
    out.max.reset();
  }
  return out;
}

// Walks the depth-first schema element list (docs/formats.md §1.1), building the
// logical tree with each node's definition/repetition levels.
class SchemaParser {
 public:
  SchemaParser(const std::vector<format::SchemaElement>& elements, std::vector<LeafInfo>* leaves)
      : elements_(elements), leaves_(leaves) {}

  bool AtEnd() const { return next_ >= elements_.size(); }

  // Parses the next element and its subtree. `def` / `rep` are the levels
  // reached by its parent; an element that is the repeated level of a LIST
  // (legacy two-level lists) counts as required here, its level is in `def`.
  Result<NestedField> Parse(const std::string& prefix, int def, int rep, bool in_nested, bool repeated_ok,
                            int depth) {
    if (AtEnd()) return DataCorrupt("schema ends inside a group");
    if (depth > kMaxDepth) return Unsupported("schema nested deeper than " + std::to_string(kMaxDepth) + " levels");
    const size_t idx = next_++;
    const format::SchemaElement& element = elements_[idx];
    if (!element.__isset.name) return DataCorrupt("schema element " + std::to_string(idx) + " has no name");
    const std::string path = prefix.empty() ? element.name : prefix + "." + element.name;
    const bool repeated =
        element.__isset.repetition_type && element.repetition_type == format::FieldRepetitionType::REPEATED;
    if (repeated && !repeated_ok) {
      return Unsupported("column '" + path + "': repeated field outside a LIST or MAP group", path);
    }
    const bool optional =
        !element.__isset.repetition_type || element.repetition_type == format::FieldRepetitionType::OPTIONAL;
    NestedField node;
    node.name = element.name;
    node.nullable = optional;
    node.def_present = def + (optional ? 1 : 0);
    const int32_t children = element.__isset.num_children ? element.num_children : 0;
    if (children < 0) return DataCorrupt("column '" + path + "': negative child count", path);
    if (children == 0) {
      if (!element.__isset.type) return Unsupported("column '" + path + "': group without fields", path);
      format::SchemaElement leaf_element = element;
      leaf_element.__set_name(path);
      leaf_element.__set_repetition_type(optional ? format::FieldRepetitionType::OPTIONAL
                                                  : format::FieldRepetitionType::REQUIRED);
      auto mapped = internal::MapLeaf(leaf_element);
      if (!mapped && !in_nested) return tl::unexpected(mapped.error());
      LeafInfo leaf;
      if (mapped) {
        leaf = std::move(*mapped);
      } else {
        // Deferred: a Delta checkpoint's stats_parsed may hold types we never read.
        leaf.name = path;
        leaf.physical = element.__isset.type ? element.type : format::Type::BYTE_ARRAY;
        leaf.type = ColumnType::kString;
        leaf.unsupported = mapped.error().message;
      }
      leaf.max_def = node.def_present;
      leaf.max_rep = rep;
      leaf.nested = in_nested;
      node.kind = NestedField::Kind::kLeaf;
      node.type = leaf.type;
      node.leaf_index = static_cast<int>(leaves_->size());
      leaves_->push_back(std::move(leaf));
      return node;
    }
    const bool has_logical = element.__isset.logicalType;
    const bool has_converted = element.__isset.converted_type;
    const bool is_list = (has_logical && element.logicalType.__isset.LIST) ||
                         (has_converted && element.converted_type == format::ConvertedType::LIST);
    const bool is_map = (has_logical && element.logicalType.__isset.MAP) ||
                        (has_converted && (element.converted_type == format::ConvertedType::MAP ||
                                           element.converted_type == format::ConvertedType::MAP_KEY_VALUE));
    if (!is_list && !is_map) {
      node.kind = NestedField::Kind::kStruct;
      std::unordered_set<std::string> names;
      for (int32_t child = 0; child < children; ++child) {
        RC_ASSIGN_OR_RETURN(NestedField field, Parse(path, node.def_present, rep, true, false, depth + 1));
        if (!names.insert(field.name).second) {
          return DataCorrupt("column '" + path + "': two fields named '" + field.name + "'", path);
        }
        node.children.push_back(std::move(field));
      }
      return node;
    }
    const char* what = is_list ? "LIST" : "MAP";
    if (children != 1) {
      return Unsupported("column '" + path + "': " + what + " group with " + std::to_string(children) + " fields",
                         path);
    }
    if (AtEnd()) return DataCorrupt("schema ends inside column '" + path + "'", path);
    const format::SchemaElement& repeated_element = elements_[next_];
    if (!repeated_element.__isset.repetition_type ||
        repeated_element.repetition_type != format::FieldRepetitionType::REPEATED) {
      return Unsupported("column '" + path + "': " + what + " group whose field is not repeated", path);
    }
    node.def_element = node.def_present + 1;
    node.rep_level = rep + 1;
    const int32_t inner = repeated_element.__isset.num_children ? repeated_element.num_children : 0;
    if (is_map) {
      if (inner != 2) {
        return Unsupported("column '" + path + "': MAP entries with " + std::to_string(inner) + " fields", path);
      }
      ++next_;  // the repeated key_value group carries no value of its own
      const std::string entry_path = path + "." + repeated_element.name;
      RC_ASSIGN_OR_RETURN(NestedField key, Parse(entry_path, node.def_element, node.rep_level, true, false, depth + 1));
      RC_ASSIGN_OR_RETURN(NestedField value,
                          Parse(entry_path, node.def_element, node.rep_level, true, false, depth + 1));
      if (key.kind != NestedField::Kind::kLeaf || key.type != ColumnType::kString) {
        return Unsupported("column '" + path + "': MAP keys other than strings", path);
      }
      node.kind = NestedField::Kind::kMap;
      node.children = {std::move(key), std::move(value)};
      return node;
    }
    // Three-level lists (repeated group of one field named other than the
    // legacy "array" / "<name>_tuple"); otherwise the repeated field is the element.
    const bool three_level = inner == 1 && repeated_element.name != "array" &&
                             repeated_element.name != element.name + "_tuple";
    node.kind = NestedField::Kind::kList;
    if (three_level) {
      ++next_;
      RC_ASSIGN_OR_RETURN(NestedField item, Parse(path + "." + repeated_element.name, node.def_element,
                                                  node.rep_level, true, false, depth + 1));
      node.children.push_back(std::move(item));
    } else {
      RC_ASSIGN_OR_RETURN(NestedField item, Parse(path, node.def_element, node.rep_level, true, true, depth + 1));
      node.children.push_back(std::move(item));
    }
    return node;
  }

 private:
  static constexpr int kMaxDepth = 32;
  const std::vector<format::SchemaElement>& elements_;
  std::vector<LeafInfo>* leaves_;
  size_t next_ = 1;  // element 0 is the root
};

const char* KindName(NestedField::Kind kind) {
  switch (kind) {
    case NestedField::Kind::kStruct:
      return "struct";
    case NestedField::Kind::kList:
      return "list";
    case NestedField::Kind::kMap:
      return "map";
    case NestedField::Kind::kLeaf:
      break;
  }
  return "primitive";
}

Status ValidateAndDescribe(const format::FileMetaData& meta, size_t data_end, Reader::Impl* impl) {
  std::vector<LeafInfo>* leaves = &impl->leaves;
  FileInfo* info = &impl->info;
  if (meta.__isset.encryption_algorithm) return Unsupported("encrypted Parquet files (plaintext footer mode)");
  if (!meta.__isset.schema || meta.schema.empty()) return DataCorrupt("footer has no schema");
  if (!meta.__isset.num_rows || meta.num_rows < 0) return DataCorrupt("footer has no valid num_rows");
  const format::SchemaElement& root = meta.schema[0];
  if (!root.__isset.num_children || root.num_children < 0) {
    return DataCorrupt("schema root declares no valid number of children");
  }
  SchemaParser parser(meta.schema, leaves);
  for (int32_t child = 0; child < root.num_children; ++child) {
    RC_ASSIGN_OR_RETURN(NestedField column, parser.Parse("", 0, 0, false, false, 1));
    impl->columns.push_back(std::move(column));
  }
  if (!parser.AtEnd()) {
    return DataCorrupt("schema root declares " + std::to_string(root.num_children) + " children, footer has " +
                       std::to_string(meta.schema.size() - 1) + " elements beyond them");
  }
  std::unordered_set<std::string> names;
  for (const NestedField& column : impl->columns) {
    if (column.name.empty()) return DataCorrupt("column with an empty name");
    if (!names.insert(column.name).second) {
      return Unsupported("duplicate column name '" + column.name + "'", column.name);
    }
    if (column.kind == NestedField::Kind::kLeaf) {
      const LeafInfo& leaf = (*leaves)[static_cast<size_t>(column.leaf_index)];
      impl->flat_leaf.push_back(static_cast<size_t>(column.leaf_index));
      info->schema.fields.push_back(Field{leaf.name, leaf.type, leaf.nullable});
    } else {
      info->nested_columns.push_back(column.name);
    }
  }
  int64_t total_rows = 0;
  for (size_t group_idx = 0; group_idx < meta.row_groups.size(); ++group_idx) {
    const format::RowGroup& group = meta.row_groups[group_idx];
    const std::string where = "row group " + std::to_string(group_idx);
    if (!group.__isset.num_rows || group.num_rows < 0) return DataCorrupt(where + ": invalid num_rows");
    if (group.columns.size() != leaves->size()) {
      return DataCorrupt(where + ": has " + std::to_string(group.columns.size()) + " column chunks, schema has " +
                         std::to_string(leaves->size()));
    }
    if (group.num_rows > std::numeric_limits<int64_t>::max() - total_rows) return DataCorrupt(where + ": row overflow");
    total_rows += group.num_rows;
    RowGroupInfo group_info;
    group_info.num_rows = group.num_rows;
    group_info.total_byte_size = group.total_byte_size;
    for (size_t col = 0; col < group.columns.size(); ++col) {
      const format::ColumnChunk& chunk = group.columns[col];
      const LeafInfo& leaf = (*leaves)[col];
      if (!chunk.__isset.meta_data) {
        if (chunk.__isset.encrypted_column_metadata) {
          return Unsupported("column '" + leaf.name + "': encrypted column metadata", leaf.name);
        }
        return DataCorrupt(where + ": column '" + leaf.name + "' has no metadata", leaf.name);
      }
      if (chunk.__isset.file_path && !chunk.file_path.empty()) {
        return Unsupported("column '" + leaf.name + "': column chunk in another file (file_path)", leaf.name);
      }
      const format::ColumnMetaData& col_meta = chunk.meta_data;
      if (!col_meta.__isset.type || col_meta.type != leaf.physical) {
        return DataCorrupt(where + ": column '" + leaf.name + "' chunk type differs from the schema", leaf.name);
      }
      if (!leaf.nested && col_meta.num_values != group.num_rows) {
        return DataCorrupt(where + ": column '" + leaf.name + "' has " + std::to_string(col_meta.num_values) +
                               " values for " + std::to_string(group.num_rows) + " rows",
                           leaf.name);
      }
      if (col_meta.data_page_offset < 0 || col_meta.total_compressed_size < 0 ||
          col_meta.data_page_offset > static_cast<int64_t>(data_end) ||
          col_meta.total_compressed_size > static_cast<int64_t>(data_end)) {
        return DataCorrupt(where + ": column '" + leaf.name + "' offsets lie outside the file", leaf.name);
      }
      if (!leaf.nested) group_info.columns.push_back(ConvertStats(leaf, col_meta));
    }
    info->row_groups.push_back(std::move(group_info));
  }
  if (total_rows != meta.num_rows) {
    return DataCorrupt("footer says " + std::to_string(meta.num_rows) + " rows, row groups hold " +
                       std::to_string(total_rows));
  }
  info->num_rows = meta.num_rows;
  info->created_by = meta.created_by;
  for (const format::KeyValue& pair : meta.key_value_metadata) info->key_value_metadata.emplace_back(pair.key, pair.value);
  return Ok();
}

}  // namespace

Reader::Reader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Reader::Reader(Reader&&) noexcept = default;
Reader& Reader::operator=(Reader&&) noexcept = default;
Reader::~Reader() = default;

const FileInfo& Reader::info() const { return impl_->info; }

Result<Reader> Reader::OpenFile(const std::string& path) {
  std::FILE* in = std::fopen(path.c_str(), "rb");
  if (in == nullptr) return IoError("cannot open " + path);
  std::string bytes;
  char buffer[1 << 16];
  size_t got = 0;
  while ((got = std::fread(buffer, 1, sizeof(buffer), in)) > 0) bytes.append(buffer, got);
  const bool failed = std::ferror(in) != 0;
  std::fclose(in);
  if (failed) return IoError("cannot read " + path);
  auto reader = OpenBuffer(std::move(bytes));
  if (!reader) return tl::unexpected(WithContext(reader.error(), path));
  return reader;
}

Result<Reader> Reader::OpenBuffer(std::string bytes) {
  auto impl = std::make_unique<Impl>();
  impl->bytes = std::move(bytes);
  const std::string& data = impl->bytes;
  if (data.size() < 12) return DataCorrupt("not a Parquet file: " + std::to_string(data.size()) + " bytes");
  if (std::memcmp(data.data(), "PAR1", 4) != 0) return DataCorrupt("not a Parquet file: bad leading magic");
  const char* tail = data.data() + data.size() - 4;
  if (std::memcmp(tail, "PARE", 4) == 0) return Unsupported("encrypted Parquet files (PARE footer)");
  if (std::memcmp(tail, "PAR1", 4) != 0) return DataCorrupt("not a Parquet file or truncated: bad trailing magic");
  const auto footer_len = internal::LoadLittleEndian<uint32_t>(reinterpret_cast<const uint8_t*>(tail - 4));
  if (footer_len > data.size() - 12) {
    return DataCorrupt("footer length " + std::to_string(footer_len) + " exceeds the file");
  }
  impl->data_end = data.size() - 8 - footer_len;
  const auto* footer = reinterpret_cast<const uint8_t*>(data.data() + impl->data_end);
  RC_ASSIGN_OR_RETURN(size_t used, internal::DeserializeThrift(footer, footer_len, &impl->meta, "footer"));
  (void)used;
  RC_RETURN_IF_ERROR(ValidateAndDescribe(impl->meta, impl->data_end, impl.get()));
  return Reader(std::move(impl));
}

Result<ColumnBatch> Reader::Read(const ReadOptions& options) const {
  const Impl& impl = *impl_;
  // A nested column is never silently dropped or flattened.
  auto reject_nested = [&impl](const std::string& name) -> Status {
    for (const NestedField& column : impl.columns) {
      if (column.name == name && column.kind != NestedField::Kind::kLeaf) {
        return Unsupported("column '" + name + "': nested (" + KindName(column.kind) +
                               ") columns cannot be read as a flat batch",
                           name);
      }
    }
    return Ok();
  };
  std::vector<size_t> picked;  // fields of info.schema
  if (options.columns.empty()) {
    for (const std::string& name : impl.info.nested_columns) RC_RETURN_IF_ERROR(reject_nested(name));
    for (size_t idx = 0; idx < impl.info.schema.fields.size(); ++idx) picked.push_back(idx);
  } else {
    std::unordered_set<std::string> seen;
    for (const std::string& name : options.columns) {
      RC_RETURN_IF_ERROR(reject_nested(name));
      const int idx = impl.info.schema.FieldIndex(name);
      if (idx < 0) return NotFound("column '" + name + "'");
      if (!seen.insert(name).second) return InvalidArgument("columns", "column '" + name + "' requested twice");
      picked.push_back(static_cast<size_t>(idx));
    }
  }
  // Row groups to decode.
  std::vector<size_t> groups;
  int range_col = -1;
  if (options.time_range) {
    range_col = impl.info.schema.FieldIndex(options.time_range->column);
    if (range_col < 0) return NotFound("column '" + options.time_range->column + "'");
    const ColumnType type = impl.info.schema.fields[static_cast<size_t>(range_col)].type;
    if (type != ColumnType::kTimestampMicros && type != ColumnType::kInt64) {
      return InvalidArgument("time_range.column", "'" + options.time_range->column + "' is not a timestamp or int64");
    }
  }
  for (size_t group = 0; group < impl.info.row_groups.size(); ++group) {
    if (range_col >= 0) {
      const ColumnChunkStats& stats = impl.info.row_groups[group].columns[static_cast<size_t>(range_col)];
      if (stats.min && stats.max) {
        const int64_t min = std::get<int64_t>(*stats.min);
        const int64_t max = std::get<int64_t>(*stats.max);
        if (max < options.time_range->min || min > options.time_range->max) continue;
      }
    }
    groups.push_back(group);
  }

  Schema schema;
  for (size_t idx : picked) schema.fields.push_back(impl.info.schema.fields[idx]);
  ColumnBatch batch(std::move(schema));
  const auto* file = reinterpret_cast<const uint8_t*>(impl.bytes.data());
  const int64_t budget_total =
      std::max(kDecodeFloor, static_cast<int64_t>(impl.bytes.size()) * kDecodeRatio);
  const auto share = static_cast<int64_t>(budget_total / static_cast<int64_t>(std::max<size_t>(picked.size(), 1)));

  // Each column is sized once for all its rows (growing 10M-row vectors page
  // by page costs more in copies and page faults than decoding), then every
  // (row group, column) chunk decodes into its own rows, so both cores stay
  // busy even when one column costs more than the others. The footer's row
  // counts are only trusted as far as the decode budget allows; each column
  // has its own budget share so that the limit does not depend on scheduling.
  int64_t total_rows = 0;
  for (size_t group : groups) total_rows += impl.meta.row_groups[group].num_rows;
  std::vector<std::unique_ptr<internal::DecodeBudget>> budgets;
  for (size_t pos = 0; pos < picked.size(); ++pos) budgets.push_back(std::make_unique<internal::DecodeBudget>(share));
  auto size_column = [&](size_t pos) -> Status {
    const LeafInfo& leaf = impl.leaves[impl.flat_leaf[picked[pos]]];
    Column& column = batch.column(pos);
    const int64_t row_cost = std::visit(
        [](const auto& vec) {
          return static_cast<int64_t>(sizeof(typename std::decay_t<decltype(vec)>::value_type));
        },
        column.values) + (leaf.nullable ? 1 : 0);
    if (total_rows > budgets[pos]->left() / row_cost || !budgets[pos]->TryCharge(total_rows * row_cost)) {
      return Unsupported("column '" + leaf.name + "': decoded data would exceed the reader's limit (1024x the file size)",
                         leaf.name);
    }
    // Not value-initialised: the chunks overwrite every row (nulls included),
    // and a failed read discards the batch.
    std::visit([&](auto& vec) { vec.resize_for_overwrite(static_cast<size_t>(total_rows)); }, column.values);
    if (leaf.nullable) column.validity.resize(static_cast<size_t>(total_rows));
    return Ok();
  };
  struct ChunkTask {
    size_t pos;    // in picked
    size_t group;  // in the file
    size_t first_row;
  };
  std::vector<ChunkTask> tasks;
  size_t first_row = 0;
  for (size_t group : groups) {
    for (size_t pos = 0; pos < picked.size(); ++pos) tasks.push_back({pos, group, first_row});
    first_row += static_cast<size_t>(impl.meta.row_groups[group].num_rows);
  }
  std::vector<uint8_t> task_nulls(tasks.size(), 0);  // bytes, not vector<bool>: one per thread-written task
  auto read_chunk = [&](size_t idx, internal::DecodeScratch* scratch) -> Status {
    const ChunkTask& task = tasks[idx];
    const size_t leaf_idx = impl.flat_leaf[picked[task.pos]];
    const format::RowGroup& row_group = impl.meta.row_groups[task.group];
    bool has_nulls = false;
    Status status = internal::ReadColumnChunk(impl.leaves[leaf_idx], row_group.columns[leaf_idx].meta_data, file,
                                              impl.data_end, row_group.num_rows, budgets[task.pos].get(), scratch,
                                              &batch.column(task.pos), task.first_row, &has_nulls);
    task_nulls[idx] = has_nulls ? 1 : 0;
    return status;
  };
  const size_t threads = impl.info.num_rows < 65536 ? 1 : std::max(1u, std::thread::hardware_concurrency());
  std::vector<Status> sized(picked.size(), Ok());
  ForEachInParallel(picked.size(), threads, [&](size_t pos, internal::DecodeScratch*) { sized[pos] = size_column(pos); });
  for (Status& status : sized) RC_RETURN_IF_ERROR(status);
  std::vector<Status> results(tasks.size(), Ok());
  ForEachInParallel(tasks.size(), threads,
                    [&](size_t idx, internal::DecodeScratch* scratch) { results[idx] = read_chunk(idx, scratch); });
  for (Status& status : results) RC_RETURN_IF_ERROR(status);
  // Validity stays empty when the column has no nulls (ColumnBatch contract).
  for (size_t pos = 0; pos < picked.size(); ++pos) {
    bool any_null = false;
    for (size_t idx = pos; idx < tasks.size(); idx += picked.size()) any_null = any_null || task_nulls[idx] != 0;
    if (!any_null) batch.column(pos).validity.clear();
  }
  return batch;
}

}  // namespace rc::lake::parquet
