#include "lake/delta/actions.h"

#include "core/strings.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <set>

#include "core/json_fields.h"
#include "lake/delta/internal/action_json.h"

namespace rc::lake::delta {
namespace json = boost::json;

Status CheckProtocol(const Protocol& protocol, bool for_write) {
  if (protocol.min_reader_version < 1) {
    return DataCorrupt("protocol minReaderVersion " + std::to_string(protocol.min_reader_version) + " is invalid",
                       "protocol");
  }
  if (protocol.min_reader_version > kMaxReaderVersion) {
    std::string features;
    for (const auto& f : protocol.reader_features) features += (features.empty() ? "" : ", ") + f;
    return Unsupported("table needs Delta reader version " + std::to_string(protocol.min_reader_version) +
                           (features.empty() ? "" : " with features [" + features + "]") +
                           "; regimecast reads version " + std::to_string(kMaxReaderVersion),
                       "protocol");
  }
  if (for_write && protocol.min_writer_version > kMaxWriterVersion) {
    std::string features;
    for (const auto& f : protocol.writer_features) features += (features.empty() ? "" : ", ") + f;
    return Unsupported("table needs Delta writer version " + std::to_string(protocol.min_writer_version) +
                           (features.empty() ? "" : " with features [" + features + "]") +
                           "; regimecast writes versions up to " + std::to_string(kMaxWriterVersion),
                       "protocol");
  }
  return Ok();
}

namespace {

struct TypeName {
  ColumnType type;
  const char* name;
};
constexpr TypeName kTypeNames[] = {
    {ColumnType::kBool, "boolean"},  {ColumnType::kInt32, "integer"}, {ColumnType::kInt64, "long"},
    {ColumnType::kFloat, "float"},   {ColumnType::kDouble, "double"}, {ColumnType::kString, "string"},
    {ColumnType::kTimestampMicros, "timestamp"}, {ColumnType::kDate, "date"},
};

std::string DeltaTypeName(ColumnType type) {
  for (const auto& t : kTypeNames) {
    if (t.type == type) return t.name;
  }
  return "string";
}

Result<PartitionValueMap> ParsePartitionValues(const json::value& v, const std::string& where) {
  if (!v.is_object()) return DataCorrupt("partitionValues must be an object", where);
  PartitionValueMap out;
  for (const auto& kv : v.get_object()) {
    std::string key(kv.key());
    if (kv.value().is_null()) {
      out[key] = std::nullopt;
    } else if (kv.value().is_string()) {
      const auto& s = kv.value().get_string();
      // An empty string is null (docs/formats.md §2.8).
      if (s.empty()) {
        out[key] = std::nullopt;
      } else {
        out[key] = std::string(s);
      }
    } else {
      return DataCorrupt("partitionValues['" + key + "'] must be a string or null", where);
    }
  }
  return out;
}

json::object PartitionValuesToJson(const PartitionValueMap& values) {
  json::object obj;
  for (const auto& [k, v] : values) {
    if (v) {
      obj[k] = *v;
    } else {
      obj[k] = nullptr;
    }
  }
  return obj;
}

Result<std::vector<std::string>> StringArray(const json::value& v, const std::string& what, const std::string& where) {
  if (!v.is_array()) return DataCorrupt(what + " must be an array of strings", where);
  std::vector<std::string> out;
  for (const auto& e : v.get_array()) {
    if (!e.is_string()) return DataCorrupt(what + " must be an array of strings", where);
    out.emplace_back(e.get_string());
  }
  return out;
}

Result<std::map<std::string, std::string>> StringMap(const json::value& v, const std::string& what,
                                                     const std::string& where) {
  if (!v.is_object()) return DataCorrupt(what + " must be an object", where);
  std::map<std::string, std::string> out;
  for (const auto& kv : v.get_object()) {
    // delta-rs writes configuration values as strings; null values occur in
    // some writers' configuration maps and mean "unset".
    if (kv.value().is_null()) continue;
    if (!kv.value().is_string()) return DataCorrupt(what + "['" + std::string(kv.key()) + "'] must be a string", where);
    out[std::string(kv.key())] = std::string(kv.value().get_string());
  }
  return out;
}

Result<Protocol> ParseProtocol(const json::value& v, const std::string& where) {
  if (!v.is_object()) return DataCorrupt("protocol must be an object", where);
  const JsonFields r = JsonFields::Stored(v.get_object(), "protocol", where);
  Protocol p;
  RC_ASSIGN_OR_RETURN(int64_t reader, r.RequiredInt("minReaderVersion"));
  RC_ASSIGN_OR_RETURN(int64_t writer, r.RequiredInt("minWriterVersion"));
  if (reader < 0 || reader > 1000 || writer < 0 || writer > 1000) {
    return DataCorrupt("protocol versions out of range", where);
  }
  p.min_reader_version = static_cast<int32_t>(reader);
  p.min_writer_version = static_cast<int32_t>(writer);
  if (const json::value* f = r.Find("readerFeatures"); f && !f->is_null()) {
    RC_ASSIGN_OR_RETURN(p.reader_features, StringArray(*f, "protocol.readerFeatures", where));
  }
  if (const json::value* f = r.Find("writerFeatures"); f && !f->is_null()) {
    RC_ASSIGN_OR_RETURN(p.writer_features, StringArray(*f, "protocol.writerFeatures", where));
  }
  return p;
}

Result<Metadata> ParseMetadata(const json::value& v, const std::string& where) {
  if (!v.is_object()) return DataCorrupt("metaData must be an object", where);
  const JsonFields r = JsonFields::Stored(v.get_object(), "metaData", where);
  Metadata m;
  RC_ASSIGN_OR_RETURN(m.id, r.RequiredString("id"));
  RC_ASSIGN_OR_RETURN(m.name, r.OptionalString("name"));
  RC_ASSIGN_OR_RETURN(m.description, r.OptionalString("description"));
  const json::value* format = r.Find("format");
  if (format == nullptr || !format->is_object()) return DataCorrupt("metaData.format must be an object", where);
  const JsonFields fr = JsonFields::Stored(format->get_object(), "metaData.format", where);
  RC_ASSIGN_OR_RETURN(m.format_provider, fr.RequiredString("provider"));
  if (const json::value* opts = fr.Find("options"); opts && !opts->is_null()) {
    RC_ASSIGN_OR_RETURN(m.format_options, StringMap(*opts, "metaData.format.options", where));
  }
  RC_ASSIGN_OR_RETURN(m.schema_string, r.RequiredString("schemaString"));
  const json::value* pcols = r.Find("partitionColumns");
  if (pcols == nullptr) return DataCorrupt("metaData.partitionColumns is missing", where);
  RC_ASSIGN_OR_RETURN(m.partition_columns, StringArray(*pcols, "metaData.partitionColumns", where));
  if (const json::value* conf = r.Find("configuration"); conf && !conf->is_null()) {
    RC_ASSIGN_OR_RETURN(m.configuration, StringMap(*conf, "metaData.configuration", where));
  }
  RC_ASSIGN_OR_RETURN(m.created_time, r.OptionalInt("createdTime"));
  auto schema = ParseSchemaString(m.schema_string, &m.has_invariants);
  if (!schema) return tl::unexpected(WithContext(schema.error(), where + ": metaData.schemaString"));
  m.schema = std::move(*schema);
  std::set<std::string> seen;
  for (const auto& col : m.partition_columns) {
    if (m.schema.FieldIndex(col) < 0) {
      return DataCorrupt("partition column '" + col + "' is not in the schema", where);
    }
    if (!seen.insert(col).second) return DataCorrupt("partition column '" + col + "' listed twice", where);
  }
  return m;
}

Result<AddFile> ParseAdd(const json::value& v, const std::string& where) {
  if (!v.is_object()) return DataCorrupt("add must be an object", where);
  const JsonFields r = JsonFields::Stored(v.get_object(), "add", where);
  AddFile a;
  RC_ASSIGN_OR_RETURN(a.path, r.RequiredString("path"));
  if (a.path.empty()) return DataCorrupt("add.path is empty", where);
  const json::value* pv = r.Find("partitionValues");
  if (pv == nullptr) return DataCorrupt("add.partitionValues is missing", where);
  RC_ASSIGN_OR_RETURN(a.partition_values, ParsePartitionValues(*pv, where));
  RC_ASSIGN_OR_RETURN(a.size, r.RequiredInt("size"));
  if (a.size < 0) return DataCorrupt("add.size is negative", where);
  RC_ASSIGN_OR_RETURN(a.modification_time, r.RequiredInt("modificationTime"));
  RC_ASSIGN_OR_RETURN(a.data_change, r.RequiredBool("dataChange"));
  RC_ASSIGN_OR_RETURN(auto stats, r.OptionalString("stats"));
  if (stats) a.stats = std::move(*stats);
  if (const json::value* tags = r.Find("tags"); tags && !tags->is_null()) {
    RC_ASSIGN_OR_RETURN(a.tags, StringMap(*tags, "add.tags", where));
  }
  if (const json::value* dv = r.Find("deletionVector"); dv && !dv->is_null()) a.has_deletion_vector = true;
  return a;
}

Result<RemoveFile> ParseRemove(const json::value& v, const std::string& where) {
  if (!v.is_object()) return DataCorrupt("remove must be an object", where);
  const JsonFields r = JsonFields::Stored(v.get_object(), "remove", where);
  RemoveFile rm;
  RC_ASSIGN_OR_RETURN(rm.path, r.RequiredString("path"));
  if (rm.path.empty()) return DataCorrupt("remove.path is empty", where);
  RC_ASSIGN_OR_RETURN(rm.deletion_timestamp, r.OptionalInt("deletionTimestamp"));
  RC_ASSIGN_OR_RETURN(rm.data_change, r.RequiredBool("dataChange"));
  RC_ASSIGN_OR_RETURN(auto ext, r.OptionalBool("extendedFileMetadata"));
  rm.extended_file_metadata = ext.value_or(false);
  if (const json::value* pv = r.Find("partitionValues"); pv && !pv->is_null()) {
    RC_ASSIGN_OR_RETURN(rm.partition_values, ParsePartitionValues(*pv, where));
  }
  RC_ASSIGN_OR_RETURN(rm.size, r.OptionalInt("size"));
  return rm;
}

Result<Txn> ParseTxn(const json::value& v, const std::string& where) {
  if (!v.is_object()) return DataCorrupt("txn must be an object", where);
  const JsonFields r = JsonFields::Stored(v.get_object(), "txn", where);
  Txn t;
  RC_ASSIGN_OR_RETURN(t.app_id, r.RequiredString("appId"));
  RC_ASSIGN_OR_RETURN(t.version, r.RequiredInt("version"));
  RC_ASSIGN_OR_RETURN(t.last_updated, r.OptionalInt("lastUpdated"));
  return t;
}

Result<CommitInfo> ParseCommitInfo(const json::value& v, const std::string& where) {
  if (!v.is_object()) return DataCorrupt("commitInfo must be an object", where);
  CommitInfo ci;
  ci.json = json::serialize(v);
  const auto& obj = v.get_object();
  // commitInfo is free-form; take what is well-typed and ignore the rest.
  if (auto it = obj.find("timestamp"); it != obj.end()) {
    if (it->value().is_int64()) ci.timestamp = it->value().get_int64();
    if (it->value().is_uint64() && it->value().get_uint64() <= static_cast<uint64_t>(INT64_MAX)) {
      ci.timestamp = static_cast<int64_t>(it->value().get_uint64());
    }
  }
  if (auto it = obj.find("operation"); it != obj.end() && it->value().is_string()) {
    ci.operation = std::string(it->value().get_string());
  }
  return ci;
}

}  // namespace

namespace internal {

Status ParseActionObject(const json::object& doc, const std::string& where, CommitActions* commit,
                         std::set<std::string>* txn_apps) {
  CommitActions& out = *commit;
  for (const auto& kv : doc) {
    std::string_view key = kv.key();
    const json::value& v = kv.value();
    if (key == "protocol") {
      if (out.protocol) return DataCorrupt("two protocol actions in one commit", where);
      RC_ASSIGN_OR_RETURN(out.protocol, ParseProtocol(v, where));
    } else if (key == "metaData") {
      if (out.metadata) return DataCorrupt("two metaData actions in one commit", where);
      RC_ASSIGN_OR_RETURN(out.metadata, ParseMetadata(v, where));
    } else if (key == "add") {
      RC_ASSIGN_OR_RETURN(AddFile add, ParseAdd(v, where));
      out.adds.push_back(std::move(add));
    } else if (key == "remove") {
      RC_ASSIGN_OR_RETURN(RemoveFile rm, ParseRemove(v, where));
      out.removes.push_back(std::move(rm));
    } else if (key == "txn") {
      RC_ASSIGN_OR_RETURN(Txn txn, ParseTxn(v, where));
      if (!txn_apps->insert(txn.app_id).second) {
        return DataCorrupt("two txn actions for appId '" + txn.app_id + "' in one commit", where);
      }
      out.txns.push_back(std::move(txn));
    } else if (key == "commitInfo") {
      if (out.commit_info) return DataCorrupt("two commitInfo actions in one commit", where);
      RC_ASSIGN_OR_RETURN(out.commit_info, ParseCommitInfo(v, where));
    }
    // cdc, domainMetadata, checkpointMetadata, sidecar and future actions:
    // nothing in them changes the files a version-1 reader must read.
  }
  return Ok();
}

}  // namespace internal

Result<CommitActions> ParseCommit(std::string_view content, std::string_view source) {
  CommitActions out;
  std::set<std::string> txn_apps;
  size_t line_no = 0;
  size_t pos = 0;
  while (pos < content.size()) {
    size_t end = content.find('\n', pos);
    if (end == std::string_view::npos) end = content.size();
    std::string_view line = content.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    std::string where = std::string(source) + ":" + std::to_string(line_no);
    RC_ASSIGN_OR_RETURN(json::value doc, ParseJsonDocument(line, where));
    if (!doc.is_object()) return DataCorrupt("log line is not a JSON object", where);
    RC_RETURN_IF_ERROR(internal::ParseActionObject(doc.get_object(), where, &out, &txn_apps));
  }
  return out;
}

namespace internal {

json::object ProtocolJson(const Protocol& protocol) {
  json::object p;
  p["minReaderVersion"] = protocol.min_reader_version;
  p["minWriterVersion"] = protocol.min_writer_version;
  if (protocol.min_reader_version >= 3) {
    json::array a;
    for (const auto& f : protocol.reader_features) a.emplace_back(f);
    p["readerFeatures"] = std::move(a);
  }
  if (protocol.min_writer_version >= 7) {
    json::array a;
    for (const auto& f : protocol.writer_features) a.emplace_back(f);
    p["writerFeatures"] = std::move(a);
  }
  return p;
}

json::object MetadataJson(const Metadata& m) {
  json::object o;
  o["id"] = m.id;
  if (m.name) o["name"] = *m.name;
  if (m.description) o["description"] = *m.description;
  json::object opts;
  for (const auto& [k, v] : m.format_options) opts[k] = v;
  o["format"] = json::object{{"provider", m.format_provider}, {"options", std::move(opts)}};
  o["schemaString"] = m.schema_string;
  json::array pcols;
  for (const auto& c : m.partition_columns) pcols.emplace_back(c);
  o["partitionColumns"] = std::move(pcols);
  json::object conf;
  for (const auto& [k, v] : m.configuration) conf[k] = v;
  o["configuration"] = std::move(conf);
  if (m.created_time) o["createdTime"] = *m.created_time;
  return o;
}

json::object RemoveJson(const RemoveFile& rm) {
  json::object o;
  o["path"] = rm.path;
  if (rm.deletion_timestamp) o["deletionTimestamp"] = *rm.deletion_timestamp;
  o["dataChange"] = rm.data_change;
  if (rm.extended_file_metadata) o["extendedFileMetadata"] = true;
  if (rm.partition_values) o["partitionValues"] = PartitionValuesToJson(*rm.partition_values);
  if (rm.size) o["size"] = *rm.size;
  return o;
}

json::object AddJson(const AddFile& a) {
  json::object o;
  o["path"] = a.path;
  o["partitionValues"] = PartitionValuesToJson(a.partition_values);
  o["size"] = a.size;
  o["modificationTime"] = a.modification_time;
  o["dataChange"] = a.data_change;
  if (!a.stats.empty()) o["stats"] = a.stats;
  if (!a.tags.empty()) {
    json::object tags;
    for (const auto& [k, v] : a.tags) tags[k] = v;
    o["tags"] = std::move(tags);
  }
  return o;
}

json::object TxnJson(const Txn& t) {
  json::object o;
  o["appId"] = t.app_id;
  o["version"] = t.version;
  if (t.last_updated) o["lastUpdated"] = *t.last_updated;
  return o;
}

}  // namespace internal

std::string SerializeCommit(const CommitActions& commit) {
  std::string out;
  auto emit = [&out](const char* key, json::value v) {
    json::object line;
    line[key] = std::move(v);
    out += json::serialize(line);
    out += '\n';
  };
  if (commit.protocol) emit("protocol", internal::ProtocolJson(*commit.protocol));
  if (commit.metadata) emit("metaData", internal::MetadataJson(*commit.metadata));
  for (const auto& rm : commit.removes) emit("remove", internal::RemoveJson(rm));
  for (const auto& a : commit.adds) emit("add", internal::AddJson(a));
  for (const auto& t : commit.txns) emit("txn", internal::TxnJson(t));
  if (commit.commit_info) {
    json::error_code ec;
    json::value v = json::parse(commit.commit_info->json, ec);
    if (ec || !v.is_object()) v = json::object{};
    emit("commitInfo", std::move(v));
  }
  return out;
}

std::string SchemaToString(const Schema& schema) {
  json::array fields;
  for (const auto& f : schema.fields) {
    fields.push_back(json::object{{"name", f.name},
                                  {"type", DeltaTypeName(f.type)},
                                  {"nullable", f.nullable},
                                  {"metadata", json::object{}}});
  }
  return json::serialize(json::object{{"type", "struct"}, {"fields", std::move(fields)}});
}

Result<Schema> ParseSchemaString(std::string_view schema_string, bool* has_invariants) {
  const std::string where = "schemaString";
  RC_ASSIGN_OR_RETURN(json::value doc, ParseJsonDocument(schema_string, where));
  if (!doc.is_object()) return DataCorrupt("schema is not a JSON object", where);
  const auto& root = doc.get_object();
  auto type_it = root.find("type");
  if (type_it == root.end() || !type_it->value().is_string() || type_it->value().get_string() != "struct") {
    return DataCorrupt("schema type must be \"struct\"", where);
  }
  auto fields_it = root.find("fields");
  if (fields_it == root.end() || !fields_it->value().is_array()) {
    return DataCorrupt("schema fields must be an array", where);
  }
  Schema schema;
  std::set<std::string> lower_names;
  if (has_invariants) *has_invariants = false;
  for (const auto& fv : fields_it->value().get_array()) {
    if (!fv.is_object()) return DataCorrupt("schema field is not an object", where);
    const JsonFields r = JsonFields::Stored(fv.get_object(), "field", where);
    Field field;
    RC_ASSIGN_OR_RETURN(field.name, r.RequiredString("name"));
    if (field.name.empty()) return DataCorrupt("schema field with an empty name", where);
    const json::value* tv = r.Find("type");
    if (tv == nullptr) return DataCorrupt("field '" + field.name + "' has no type", where);
    if (!tv->is_string()) {
      return Unsupported("column '" + field.name + "': nested types are not supported", field.name);
    }
    std::string tname(tv->get_string());
    bool found = false;
    for (const auto& t : kTypeNames) {
      if (tname == t.name) {
        field.type = t.type;
        found = true;
      }
    }
    if (!found) {
      return Unsupported("column '" + field.name + "': Delta type '" + tname + "' is not supported", field.name);
    }
    RC_ASSIGN_OR_RETURN(field.nullable, r.RequiredBool("nullable"));
    if (const json::value* md = r.Find("metadata"); md && md->is_object()) {
      if (md->get_object().contains("delta.invariants") && has_invariants) *has_invariants = true;
    }
    if (!lower_names.insert(AsciiLower(field.name)).second) {
      return DataCorrupt("duplicate column name '" + field.name + "' (names are case-insensitive)", where);
    }
    schema.fields.push_back(std::move(field));
  }
  if (schema.fields.empty()) return DataCorrupt("schema has no fields", where);
  return schema;
}

}  // namespace rc::lake::delta
