// Nested columns: shredding JSON records into per-leaf repetition/definition
// levels (EncodeNested) and assembling them back (ReadNested), the record
// shredding/assembly of the Dremel paper that Parquet's levels encode.
//
// Levels of a node (see NestedField): an optional node adds one definition
// level, a list/map adds one more for "has an element" and one repetition
// level. A leaf entry (r, d) says: the value path is defined down to the
// deepest node whose def_present <= d, and, for r > 0, it continues the list
// at repetition level r (a new element there, fresh lists below it).
#include "lake/parquet/internal/nested.h"

#include <algorithm>
#include <limits>

#include "core/build_info.h"
#include "lake/parquet/internal/bytes.h"
#include "lake/parquet/internal/column_writer.h"
#include "lake/parquet/internal/reader_impl.h"
#include "lake/parquet/internal/thrift_io.h"

namespace rc::lake::parquet::internal {
namespace json = boost::json;
using Kind = NestedField::Kind;

NestedField Leaf(std::string name, ColumnType type, bool nullable) {
  NestedField field;
  field.name = std::move(name);
  field.kind = Kind::kLeaf;
  field.type = type;
  field.nullable = nullable;
  return field;
}

NestedField Struct(std::string name, std::vector<NestedField> fields, bool nullable) {
  NestedField field;
  field.name = std::move(name);
  field.kind = Kind::kStruct;
  field.nullable = nullable;
  field.children = std::move(fields);
  return field;
}

NestedField ListOf(std::string name, NestedField element, bool nullable) {
  NestedField field;
  field.name = std::move(name);
  field.kind = Kind::kList;
  field.nullable = nullable;
  element.name = "element";
  field.children.push_back(std::move(element));
  return field;
}

NestedField MapOf(std::string name, NestedField key, NestedField value, bool nullable) {
  NestedField field;
  field.name = std::move(name);
  field.kind = Kind::kMap;
  field.nullable = nullable;
  key.name = "key";
  key.nullable = false;
  value.name = "value";
  field.children.push_back(std::move(key));
  field.children.push_back(std::move(value));
  return field;
}

namespace {

void AssignNode(NestedField& node, int def, int rep, int* leaves) {
  node.def_present = def + (node.nullable ? 1 : 0);
  switch (node.kind) {
    case Kind::kLeaf:
      node.leaf_index = (*leaves)++;
      return;
    case Kind::kStruct:
      for (NestedField& child : node.children) AssignNode(child, node.def_present, rep, leaves);
      return;
    case Kind::kList:
    case Kind::kMap:
      node.def_element = node.def_present + 1;
      node.rep_level = rep + 1;
      for (NestedField& child : node.children) AssignNode(child, node.def_element, node.rep_level, leaves);
      return;
  }
}

// ---------------------------------------------------------------------------
// Writing

struct LeafOutput {
  const NestedField* field = nullptr;
  std::vector<std::string> path;  // path_in_schema
  format::SchemaElement element;
  int max_rep = 0;
  std::vector<int16_t> def;
  std::vector<int16_t> rep;
  Column present;
};

// Schema elements of `node` (depth first) and the leaves' outputs.
void DescribeNode(const NestedField& node, std::vector<std::string> path, int rep, std::vector<format::SchemaElement>* elements,
                  std::vector<LeafOutput>* leaves) {
  const auto repetition =
      node.nullable ? format::FieldRepetitionType::OPTIONAL : format::FieldRepetitionType::REQUIRED;
  path.push_back(node.name);
  if (node.kind == Kind::kLeaf) {
    format::SchemaElement element = SchemaElementFor(Field{node.name, node.type, node.nullable});
    elements->push_back(element);
    LeafOutput out;
    out.field = &node;
    out.path = path;
    out.element = element;
    out.max_rep = rep;
    out.present = ColumnBatch(Schema{{Field{node.name, node.type, true}}}).column(0);
    leaves->push_back(std::move(out));
    return;
  }
  format::SchemaElement group;
  group.__set_name(node.name);
  group.__set_repetition_type(repetition);
  if (node.kind == Kind::kStruct) {
    group.__set_num_children(static_cast<int32_t>(node.children.size()));
    elements->push_back(group);
    for (const NestedField& child : node.children) DescribeNode(child, path, rep, elements, leaves);
    return;
  }
  // LIST: <group name (LIST)> { repeated group list { element } };
  // MAP:  <group name (MAP)> { repeated group key_value { required key; value } }.
  format::LogicalType logical;
  const bool is_list = node.kind == Kind::kList;
  if (is_list) {
    logical.__set_LIST(format::ListType());
    group.__set_converted_type(format::ConvertedType::LIST);
  } else {
    logical.__set_MAP(format::MapType());
    group.__set_converted_type(format::ConvertedType::MAP);
  }
  group.__set_logicalType(logical);
  group.__set_num_children(1);
  elements->push_back(group);
  format::SchemaElement entries;
  entries.__set_name(is_list ? "list" : "key_value");
  entries.__set_repetition_type(format::FieldRepetitionType::REPEATED);
  entries.__set_num_children(static_cast<int32_t>(node.children.size()));
  elements->push_back(entries);
  path.push_back(entries.name);
  for (const NestedField& child : node.children) DescribeNode(child, path, rep + 1, elements, leaves);
}

class Shredder {
 public:
  explicit Shredder(std::vector<LeafOutput>* leaves) : leaves_(*leaves) {}

  Status Shred(const NestedField& node, const json::value* value, int rep, int def) {
    const bool present = value != nullptr && !value->is_null();
    if (!present && !node.nullable && def == node.def_present) {
      return Bad(node, "is required but null or missing");
    }
    switch (node.kind) {
      case Kind::kLeaf: {
        LeafOutput& out = leaves_[static_cast<size_t>(node.leaf_index)];
        if (present) {
          RC_RETURN_IF_ERROR(AppendValue(node, *value, &out.present));
          def = node.def_present;
        }
        out.def.push_back(static_cast<int16_t>(def));
        if (out.max_rep > 0) out.rep.push_back(static_cast<int16_t>(rep));
        return Ok();
      }
      case Kind::kStruct: {
        if (present && !value->is_object()) return Bad(node, "must be an object");
        for (const NestedField& child : node.children) {
          const json::value* child_value = present ? value->as_object().if_contains(child.name) : nullptr;
          RC_RETURN_IF_ERROR(Shred(child, child_value, rep, present ? node.def_present : def));
        }
        return Ok();
      }
      case Kind::kList: {
        const NestedField& element = node.children[0];
        if (!present) return Shred(element, nullptr, rep, def);
        if (!value->is_array()) return Bad(node, "must be an array");
        const json::array& items = value->as_array();
        if (items.empty()) return Shred(element, nullptr, rep, node.def_present);
        for (size_t idx = 0; idx < items.size(); ++idx) {
          RC_RETURN_IF_ERROR(Shred(element, &items[idx], idx == 0 ? rep : node.rep_level, node.def_element));
        }
        return Ok();
      }
      case Kind::kMap: {
        const NestedField& key = node.children[0];
        const NestedField& val = node.children[1];
        if (!present) {
          RC_RETURN_IF_ERROR(Shred(key, nullptr, rep, def));
          return Shred(val, nullptr, rep, def);
        }
        if (!value->is_object()) return Bad(node, "must be an object");
        const json::object& entries = value->as_object();
        if (entries.empty()) {
          RC_RETURN_IF_ERROR(Shred(key, nullptr, rep, node.def_present));
          return Shred(val, nullptr, rep, node.def_present);
        }
        bool first = true;
        for (const auto& entry : entries) {
          const json::value key_value(entry.key());
          const int entry_rep = first ? rep : node.rep_level;
          first = false;
          RC_RETURN_IF_ERROR(Shred(key, &key_value, entry_rep, node.def_element));
          RC_RETURN_IF_ERROR(Shred(val, &entry.value(), entry_rep, node.def_element));
        }
        return Ok();
      }
    }
    return Ok();
  }

 private:
  tl::unexpected<Error> Bad(const NestedField& node, const std::string& why) const {
    return InvalidArgument(node.name, "nested field '" + node.name + "' " + why);
  }

  Status AppendValue(const NestedField& node, const json::value& value, Column* out) const {
    auto as_int = [&](int64_t min, int64_t max) -> Result<int64_t> {
      int64_t v = 0;
      if (value.is_int64()) {
        v = value.get_int64();
      } else if (value.is_uint64() && value.get_uint64() <= static_cast<uint64_t>(max)) {
        v = static_cast<int64_t>(value.get_uint64());
      } else {
        return Bad(node, "must be an integer");
      }
      if (v < min || v > max) return Bad(node, "is out of range");
      return v;
    };
    switch (node.type) {
      case ColumnType::kString:
        if (!value.is_string()) return Bad(node, "must be a string");
        std::get<ColumnVector<std::string>>(out->values).emplace_back(value.get_string());
        return Ok();
      case ColumnType::kBool:
        if (!value.is_bool()) return Bad(node, "must be a boolean");
        std::get<ColumnVector<uint8_t>>(out->values).push_back(value.get_bool() ? 1 : 0);
        return Ok();
      case ColumnType::kInt32:
      case ColumnType::kDate: {
        RC_ASSIGN_OR_RETURN(int64_t v, as_int(std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max()));
        std::get<ColumnVector<int32_t>>(out->values).push_back(static_cast<int32_t>(v));
        return Ok();
      }
      case ColumnType::kInt64:
      case ColumnType::kTimestampMicros: {
        RC_ASSIGN_OR_RETURN(int64_t v, as_int(std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()));
        std::get<ColumnVector<int64_t>>(out->values).push_back(v);
        return Ok();
      }
      case ColumnType::kFloat:
      case ColumnType::kDouble: {
        if (!value.is_number()) return Bad(node, "must be a number");
        const double v = value.to_number<double>();
        if (node.type == ColumnType::kFloat) {
          std::get<ColumnVector<float>>(out->values).push_back(static_cast<float>(v));
        } else {
          std::get<ColumnVector<double>>(out->values).push_back(v);
        }
        return Ok();
      }
    }
    return Bad(node, "has an unknown type");
  }

  std::vector<LeafOutput>& leaves_;
};

// ---------------------------------------------------------------------------
// Reading

struct LeafInput {
  std::vector<const NestedField*> path;  // top-level column .. leaf
  const LeafInfo* info = nullptr;
  LeveledColumn data;
  size_t pos = 0;        // next entry
  size_t value_pos = 0;  // next present value
};

void CollectLeaves(const NestedField& node, std::vector<const NestedField*> path,
                   const std::vector<std::string>& skip_fields, std::vector<LeafInput>* out) {
  if (!path.empty() && std::find(skip_fields.begin(), skip_fields.end(), node.name) != skip_fields.end()) return;
  path.push_back(&node);
  if (node.kind == Kind::kLeaf) {
    LeafInput input;
    input.path = std::move(path);
    out->push_back(std::move(input));
    return;
  }
  for (const NestedField& child : node.children) CollectLeaves(child, path, skip_fields, out);
}

json::value ValueAt(const Column& column, size_t idx) {
  return std::visit(
      [idx](const auto& vec) -> json::value {
        using T = typename std::decay_t<decltype(vec)>::value_type;
        if constexpr (std::is_same_v<T, std::string>) {
          return json::value(json::string(vec[idx]));
        } else if constexpr (std::is_same_v<T, uint8_t>) {
          return json::value(vec[idx] != 0);
        } else if constexpr (std::is_floating_point_v<T>) {
          return json::value(static_cast<double>(vec[idx]));
        } else {
          return json::value(static_cast<int64_t>(vec[idx]));
        }
      },
      column.values);
}

// Places one leaf entry into the record `root` (the top-level column's value).
Status Place(LeafInput& leaf, int def, const std::vector<size_t>& element_index, json::value& root) {
  json::value* slot = &root;
  const std::string& name = leaf.info->name;
  for (size_t depth = 0; depth < leaf.path.size(); ++depth) {
    const NestedField& node = *leaf.path[depth];
    if (def < node.def_present) return Ok();  // null here (the slot stays null)
    switch (node.kind) {
      case Kind::kStruct:
        if (!slot->is_object()) *slot = json::object();
        slot = &slot->as_object()[leaf.path[depth + 1]->name];
        break;  // field names are unique per struct (checked when the schema is parsed)
      case Kind::kList:
      case Kind::kMap: {
        if (!slot->is_array()) *slot = json::array();  // maps become objects in Finish
        if (def < node.def_element) return Ok();        // empty
        json::array& items = slot->as_array();
        const size_t idx = element_index[static_cast<size_t>(node.rep_level - 1)];
        if (items.size() < idx) return DataCorrupt("column '" + name + "': repetition levels skip an element", name);
        if (items.size() == idx) items.emplace_back(nullptr);
        slot = &items[idx];
        if (node.kind == Kind::kMap) {
          if (!slot->is_object()) *slot = json::object();
          slot = &slot->as_object()[leaf.path[depth + 1] == &node.children[0] ? "key" : "value"];
        }
        break;
      }
      case Kind::kLeaf: {
        const Column& values = leaf.data.values;
        const size_t count = std::visit([](const auto& vec) { return vec.size(); }, values.values);
        if (leaf.value_pos >= count) return DataCorrupt("column '" + name + "': fewer values than levels", name);
        *slot = ValueAt(values, leaf.value_pos++);
        return Ok();
      }
    }
  }
  return Ok();
}

// Turns a map's [{key, value}, ...] into {key: value, ...}, recursively.
// Shapes are checked, not assumed: a malformed file must not throw.
Status Finish(const NestedField& node, json::value& value) {
  if (value.is_null()) return Ok();
  auto corrupt = [&node] {
    return DataCorrupt("column '" + node.name + "': levels do not match the schema", node.name);
  };
  switch (node.kind) {
    case Kind::kLeaf:
      return Ok();
    case Kind::kStruct:
      if (!value.is_object()) return corrupt();
      for (const NestedField& child : node.children) {
        if (json::value* field = value.as_object().if_contains(child.name)) RC_RETURN_IF_ERROR(Finish(child, *field));
      }
      return Ok();
    case Kind::kList:
      if (!value.is_array()) return corrupt();
      for (json::value& item : value.as_array()) RC_RETURN_IF_ERROR(Finish(node.children[0], item));
      return Ok();
    case Kind::kMap: {
      if (!value.is_array()) return corrupt();
      json::object out;
      for (json::value& entry : value.as_array()) {
        if (!entry.is_object()) return corrupt();
        json::object& pair = entry.as_object();
        const json::value* key = pair.if_contains("key");
        if (key == nullptr || !key->is_string()) {
          return DataCorrupt("column '" + node.name + "': map entry without a key", node.name);
        }
        const std::string key_text(key->as_string());
        json::value mapped = pair.contains("value") ? pair["value"] : json::value(nullptr);
        RC_RETURN_IF_ERROR(Finish(node.children[1], mapped));
        out[key_text] = std::move(mapped);
      }
      value = std::move(out);
      return Ok();
    }
  }
  return Ok();
}

}  // namespace

int AssignLevels(std::vector<NestedField>& schema) {
  int leaves = 0;
  for (NestedField& column : schema) AssignNode(column, 0, 0, &leaves);
  return leaves;
}

Result<std::string> EncodeNested(std::vector<NestedField> schema, const std::vector<json::object>& rows,
                                 const WriteOptions& options) {
  AssignLevels(schema);
  std::vector<format::SchemaElement> elements;
  format::SchemaElement root;
  root.__set_name("schema");
  root.__set_num_children(static_cast<int32_t>(schema.size()));
  elements.push_back(root);
  std::vector<LeafOutput> leaves;
  for (const NestedField& column : schema) DescribeNode(column, {}, 0, &elements, &leaves);

  Shredder shredder(&leaves);
  for (const json::object& row : rows) {
    for (const NestedField& column : schema) RC_RETURN_IF_ERROR(shredder.Shred(column, row.if_contains(column.name), 0, 0));
  }

  format::FileMetaData meta;
  meta.__set_version(1);
  meta.__set_schema(elements);
  meta.__set_num_rows(static_cast<int64_t>(rows.size()));
  std::string file("PAR1", 4);
  std::vector<format::RowGroup> groups;
  if (!rows.empty()) {
    format::RowGroup group;
    const auto group_offset = static_cast<int64_t>(file.size());
    std::vector<format::ColumnChunk> chunks(leaves.size());
    int64_t uncompressed = 0;
    int64_t compressed = 0;
    for (size_t idx = 0; idx < leaves.size(); ++idx) {
      const LeafOutput& leaf = leaves[idx];
      RC_RETURN_IF_ERROR(WriteLeveledColumnChunk(leaf.element, leaf.path, leaf.field->def_present, leaf.max_rep,
                                                 leaf.def, leaf.rep, leaf.present, options, &file, &chunks[idx]));
      uncompressed += chunks[idx].meta_data.total_uncompressed_size;
      compressed += chunks[idx].meta_data.total_compressed_size;
    }
    group.__set_columns(chunks);
    group.__set_total_byte_size(uncompressed);
    group.__set_num_rows(static_cast<int64_t>(rows.size()));
    group.__set_file_offset(group_offset);
    group.__set_total_compressed_size(compressed);
    group.__set_ordinal(0);
    groups.push_back(std::move(group));
  }
  meta.__set_row_groups(groups);
  meta.__set_created_by(std::string("regimecast version ") + BuildVersion() + " (build " + BuildCommit() + ")");
  format::ColumnOrder order;
  order.__set_TYPE_ORDER(format::TypeDefinedOrder());
  meta.__set_column_orders(std::vector<format::ColumnOrder>(leaves.size(), order));
  const size_t footer_start = file.size();
  RC_RETURN_IF_ERROR(SerializeThrift(meta, &file));
  AppendLittleEndian(&file, static_cast<uint32_t>(file.size() - footer_start));
  file.append("PAR1", 4);
  return file;
}

Result<std::vector<json::object>> ReadNested(const Reader& reader, const std::vector<std::string>& columns,
                                             const std::vector<std::string>& skip_fields) {
  const Reader::Impl& impl = ReaderAccess::Of(reader);
  std::vector<const NestedField*> picked;
  for (const std::string& name : columns) {
    auto it = std::find_if(impl.columns.begin(), impl.columns.end(),
                           [&name](const NestedField& column) { return column.name == name; });
    if (it == impl.columns.end()) return NotFound("column '" + name + "'");
    picked.push_back(&*it);
  }
  DecodeBudget budget{std::max<int64_t>(int64_t{256} << 20, static_cast<int64_t>(impl.bytes.size()) * 1024)};
  // A footer's row count is not trusted further than the decode budget.
  const auto row_cost = static_cast<int64_t>(sizeof(json::object) * (picked.size() + 1));
  if (impl.info.num_rows > budget.left() / row_cost || !budget.TryCharge(impl.info.num_rows * row_cost)) {
    return Unsupported("the footer's " + std::to_string(impl.info.num_rows) +
                       " rows would exceed the reader's limit (1024x the file size)");
  }
  const auto total_rows = static_cast<size_t>(impl.info.num_rows);
  std::vector<json::object> rows(total_rows);
  for (json::object& row : rows) {
    for (const NestedField* column : picked) row[column->name] = nullptr;
  }
  const auto* file = reinterpret_cast<const uint8_t*>(impl.bytes.data());
  size_t row_base = 0;
  for (const format::RowGroup& group : impl.meta.row_groups) {
    const auto group_rows = static_cast<size_t>(group.num_rows);
    if (group_rows > total_rows - row_base) return DataCorrupt("row groups hold more rows than the footer says");
    for (const NestedField* column : picked) {
      std::vector<LeafInput> leaves;
      CollectLeaves(*column, {}, skip_fields, &leaves);
      for (LeafInput& leaf : leaves) {
        const auto leaf_idx = static_cast<size_t>(leaf.path.back()->leaf_index);
        leaf.info = &impl.leaves[leaf_idx];
        if (!leaf.info->unsupported.empty()) {
          return Unsupported("column '" + leaf.info->name + "': " + leaf.info->unsupported, leaf.info->name);
        }
        leaf.data.values = ColumnBatch(Schema{{Field{leaf.info->name, leaf.info->type, true}}}).column(0);
        RC_RETURN_IF_ERROR(ReadLeveledColumnChunk(*leaf.info, group.columns[leaf_idx].meta_data, file, impl.data_end,
                                                  &budget, &leaf.data));
        const std::string& name = leaf.info->name;
        const size_t entries = leaf.data.def.size();
        std::vector<size_t> element_index(static_cast<size_t>(leaf.info->max_rep), 0);
        for (size_t row = 0; row < group_rows; ++row) {
          if (leaf.pos >= entries || leaf.data.rep[leaf.pos] != 0) {
            return DataCorrupt("column '" + name + "': fewer records than the row group's " +
                                   std::to_string(group_rows) + " rows",
                               name);
          }
          json::value& root = rows[row_base + row][column->name];
          std::fill(element_index.begin(), element_index.end(), 0);
          do {
            const int16_t rep = leaf.data.rep[leaf.pos];
            if (rep > 0) {
              ++element_index[static_cast<size_t>(rep - 1)];
              std::fill(element_index.begin() + rep, element_index.end(), 0);
            }
            RC_RETURN_IF_ERROR(Place(leaf, leaf.data.def[leaf.pos], element_index, root));
            ++leaf.pos;
          } while (leaf.pos < entries && leaf.data.rep[leaf.pos] != 0);
        }
        if (leaf.pos != entries) {
          return DataCorrupt("column '" + name + "': more records than the row group's " + std::to_string(group_rows) +
                                 " rows",
                             name);
        }
      }
      for (size_t row = 0; row < group_rows; ++row) {
        RC_RETURN_IF_ERROR(Finish(*column, rows[row_base + row][column->name]));
      }
    }
    row_base += group_rows;
  }
  if (row_base != total_rows) return DataCorrupt("row groups hold fewer rows than the footer says");
  return rows;
}

}  // namespace rc::lake::parquet::internal
