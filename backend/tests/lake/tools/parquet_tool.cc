// rc_parquet_tool: drives lake/parquet from the command line for interop tests.
//
//   rc_parquet_tool write <spec.json> <out.parquet>
//       spec = {"schema": [{"name": "ts", "type": "timestamp", "nullable": false}, ...],
//               "rows": [[1700000000000000, ...], ...],        (null = JSON null;
//                                                               doubles may be strings: "0.1", "NaN", "-Infinity")
//               "options": {"codec": "snappy|zstd|gzip|uncompressed", "dictionary": true,
//                           "row_group_rows": N, "data_page_bytes": N, "dictionary_max_bytes": N,
//                           "metadata": {"k": "v"}}}
//   rc_parquet_tool read <file.parquet> [--columns a,b]      one JSON object per row
//   rc_parquet_tool info <file.parquet>                      schema, row groups and stats as JSON
//   rc_parquet_tool write-nested <spec.json> <out.parquet>
//       spec = {"schema": [{"name": "add", "type": "struct", "nullable": true, "fields": [...]},
//                          {"name": "tags", "type": "map", "value": {"type": "string"}},
//                          {"name": "cols", "type": "list", "element": {"type": "int64"}}, ...],
//               "rows": [{"add": {...}, "tags": {"k": "v"}, "cols": [1, 2]}, ...]}
//   rc_parquet_tool read-nested <file.parquet> --columns a,b one JSON object per row (structs,
//                                                            lists and maps as JSON)
//
// Doubles are printed with %.17g so that comparisons in Python are exact.
#include <boost/json.hpp>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "lake/column_batch.h"
#include "lake/parquet/internal/nested.h"
#include "lake/parquet/parquet.h"

namespace {

namespace json = boost::json;
using rc::lake::ColumnBatch;
using rc::lake::ColumnType;
using rc::lake::Field;
using rc::lake::Schema;
namespace pq = rc::lake::parquet;

int Fail(const std::string& message) {
  std::cerr << "rc_parquet_tool: " << message << "\n";
  return 1;
}

bool ParseType(const std::string& name, ColumnType* type) {
  static const std::pair<const char*, ColumnType> kTypes[] = {
      {"bool", ColumnType::kBool},     {"int32", ColumnType::kInt32},   {"int64", ColumnType::kInt64},
      {"float", ColumnType::kFloat},   {"double", ColumnType::kDouble}, {"string", ColumnType::kString},
      {"timestamp", ColumnType::kTimestampMicros}, {"date", ColumnType::kDate}};
  for (const auto& [text, value] : kTypes) {
    if (name == text) {
      *type = value;
      return true;
    }
  }
  return false;
}

// Boost.JSON 1.81 parses numbers imprecisely, so exact doubles are passed as
// strings ("0.1", "-0.0", "NaN", "Infinity") and converted with strtod.
double ToDouble(const json::value& value) {
  if (value.is_string()) {
    const std::string text(value.as_string());
    char* end = nullptr;
    const double parsed = std::strtod(text.c_str(), &end);
    if (text.empty() || end != text.c_str() + text.size()) throw std::invalid_argument("bad double " + text);
    return parsed;
  }
  return value.to_number<double>();
}

std::string FormatDouble(double value) {
  if (std::isnan(value)) return "\"NaN\"";
  if (std::isinf(value)) return value > 0 ? "\"Infinity\"" : "\"-Infinity\"";
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%.17g", value);
  std::string out = buffer;
  // Keep JSON numbers recognisably floating point ("1" -> "1.0").
  if (out.find_first_of(".eE") == std::string::npos) out += ".0";
  return out;
}

std::string FormatStat(const pq::StatValue& value) {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, bool>) {
          return v ? "true" : "false";
        } else if constexpr (std::is_same_v<T, std::string>) {
          return json::serialize(json::value(v));
        } else if constexpr (std::is_floating_point_v<T>) {
          return FormatDouble(static_cast<double>(v));
        } else {
          return std::to_string(v);
        }
      },
      value);
}

int Write(const std::string& spec_path, const std::string& out_path) {
  std::ifstream in(spec_path);
  std::stringstream text;
  text << in.rdbuf();
  json::value spec = json::parse(text.str());
  Schema schema;
  for (const json::value& f : spec.at("schema").as_array()) {
    Field field;
    field.name = std::string(f.at("name").as_string());
    if (!ParseType(std::string(f.at("type").as_string()), &field.type)) return Fail("unknown type");
    field.nullable = f.as_object().contains("nullable") ? f.at("nullable").as_bool() : true;
    schema.fields.push_back(field);
  }
  ColumnBatch batch(schema);
  std::vector<std::pair<size_t, size_t>> nulls;  // (column, row), applied once all rows exist
  size_t row_idx = 0;
  for (const json::value& row : spec.at("rows").as_array()) {
    const json::array& cells = row.as_array();
    if (cells.size() != schema.fields.size()) return Fail("row " + std::to_string(row_idx) + " has wrong width");
    for (size_t col = 0; col < cells.size(); ++col) {
      const json::value& cell = cells[col];
      const bool null = cell.is_null();
      switch (schema.fields[col].type) {
        case ColumnType::kBool:
          batch.Bools(col).push_back(null ? 0 : cell.as_bool() ? 1 : 0);
          break;
        case ColumnType::kInt32:
        case ColumnType::kDate:
          batch.Int32s(col).push_back(null ? 0 : cell.to_number<int32_t>());
          break;
        case ColumnType::kInt64:
        case ColumnType::kTimestampMicros:
          batch.Int64s(col).push_back(null ? 0 : cell.to_number<int64_t>());
          break;
        case ColumnType::kFloat:
          batch.Floats(col).push_back(null ? 0.0f : static_cast<float>(ToDouble(cell)));
          break;
        case ColumnType::kDouble:
          batch.Doubles(col).push_back(null ? 0.0 : ToDouble(cell));
          break;
        case ColumnType::kString:
          batch.Strings(col).push_back(null ? std::string() : std::string(cell.as_string()));
          break;
      }
      if (null) nulls.emplace_back(col, row_idx);
    }
    ++row_idx;
  }
  for (const auto& [col, row] : nulls) batch.SetNull(col, row);
  pq::WriteOptions options;
  if (spec.as_object().contains("options")) {
    const json::object& o = spec.at("options").as_object();
    if (o.contains("codec")) {
      const std::string codec(o.at("codec").as_string());
      if (codec == "snappy") options.codec = pq::Codec::kSnappy;
      else if (codec == "zstd") options.codec = pq::Codec::kZstd;
      else if (codec == "gzip") options.codec = pq::Codec::kGzip;
      else if (codec == "uncompressed") options.codec = pq::Codec::kUncompressed;
      else return Fail("unknown codec " + codec);
    }
    if (o.contains("dictionary")) options.dictionary = o.at("dictionary").as_bool();
    if (o.contains("row_group_rows")) options.row_group_rows = o.at("row_group_rows").to_number<int64_t>();
    if (o.contains("data_page_bytes")) options.data_page_bytes = o.at("data_page_bytes").to_number<int64_t>();
    if (o.contains("dictionary_max_bytes")) {
      options.dictionary_max_bytes = o.at("dictionary_max_bytes").to_number<int64_t>();
    }
    if (o.contains("metadata")) {
      for (const auto& kv : o.at("metadata").as_object()) {
        options.key_value_metadata.emplace_back(std::string(kv.key()), std::string(kv.value().as_string()));
      }
    }
  }
  auto status = pq::WriteFile(out_path, batch, options);
  if (!status) return Fail(status.error().ToString());
  return 0;
}

int Read(const std::string& path, const std::vector<std::string>& columns) {
  auto reader = pq::Reader::OpenFile(path);
  if (!reader) return Fail(reader.error().ToString());
  auto batch = reader->Read({.columns = columns});
  if (!batch) return Fail(batch.error().ToString());
  const Schema& schema = batch->schema();
  std::string line;
  for (size_t row = 0; row < batch->num_rows(); ++row) {
    line = "{";
    for (size_t col = 0; col < schema.fields.size(); ++col) {
      if (col > 0) line += ", ";
      line += json::serialize(json::value(schema.fields[col].name));
      line += ": ";
      if (batch->column(col).IsNull(row)) {
        line += "null";
        continue;
      }
      switch (schema.fields[col].type) {
        case ColumnType::kBool:
          line += batch->Bools(col)[row] ? "true" : "false";
          break;
        case ColumnType::kInt32:
        case ColumnType::kDate:
          line += std::to_string(batch->Int32s(col)[row]);
          break;
        case ColumnType::kInt64:
        case ColumnType::kTimestampMicros:
          line += std::to_string(batch->Int64s(col)[row]);
          break;
        case ColumnType::kFloat:
          line += FormatDouble(static_cast<double>(batch->Floats(col)[row]));
          break;
        case ColumnType::kDouble:
          line += FormatDouble(batch->Doubles(col)[row]);
          break;
        case ColumnType::kString:
          line += json::serialize(json::value(batch->Strings(col)[row]));
          break;
      }
    }
    line += "}\n";
    std::fwrite(line.data(), 1, line.size(), stdout);
  }
  return 0;
}

int Info(const std::string& path) {
  auto reader = pq::Reader::OpenFile(path);
  if (!reader) return Fail(reader.error().ToString());
  const pq::FileInfo& info = reader->info();
  std::string out = "{\"num_rows\": " + std::to_string(info.num_rows) +
                    ", \"created_by\": " + json::serialize(json::value(info.created_by)) + ", \"schema\": [";
  for (size_t col = 0; col < info.schema.fields.size(); ++col) {
    const Field& field = info.schema.fields[col];
    if (col > 0) out += ", ";
    out += "{\"name\": " + json::serialize(json::value(field.name)) + ", \"type\": \"" +
           std::string(rc::lake::ColumnTypeName(field.type)) + "\", \"nullable\": " +
           (field.nullable ? "true" : "false") + "}";
  }
  out += "], \"row_groups\": [";
  for (size_t group = 0; group < info.row_groups.size(); ++group) {
    const pq::RowGroupInfo& rg = info.row_groups[group];
    if (group > 0) out += ", ";
    out += "{\"num_rows\": " + std::to_string(rg.num_rows) + ", \"columns\": [";
    for (size_t col = 0; col < rg.columns.size(); ++col) {
      const pq::ColumnChunkStats& stats = rg.columns[col];
      if (col > 0) out += ", ";
      out += "{\"min\": " + (stats.min ? FormatStat(*stats.min) : std::string("null")) +
             ", \"max\": " + (stats.max ? FormatStat(*stats.max) : std::string("null")) +
             ", \"null_count\": " + (stats.null_count ? std::to_string(*stats.null_count) : std::string("null")) +
             "}";
    }
    out += "]}";
  }
  out += "], \"metadata\": {";
  for (size_t idx = 0; idx < info.key_value_metadata.size(); ++idx) {
    if (idx > 0) out += ", ";
    out += json::serialize(json::value(info.key_value_metadata[idx].first)) + ": " +
           json::serialize(json::value(info.key_value_metadata[idx].second));
  }
  out += "}}\n";
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}

// One field of a write-nested spec.
pq::internal::NestedField ParseNestedField(const json::object& spec) {
  namespace pi = pq::internal;
  const std::string name = spec.contains("name") ? std::string(spec.at("name").as_string()) : "element";
  const std::string type(spec.at("type").as_string());
  const bool nullable = !spec.contains("nullable") || spec.at("nullable").as_bool();
  if (type == "struct") {
    std::vector<pi::NestedField> fields;
    for (const auto& field : spec.at("fields").as_array()) fields.push_back(ParseNestedField(field.as_object()));
    return pi::Struct(name, std::move(fields), nullable);
  }
  if (type == "list") return pi::ListOf(name, ParseNestedField(spec.at("element").as_object()), nullable);
  if (type == "map") {
    return pi::MapOf(name, pi::Leaf("key", ColumnType::kString, false), ParseNestedField(spec.at("value").as_object()),
                     nullable);
  }
  ColumnType leaf_type = ColumnType::kString;
  if (!ParseType(type, &leaf_type)) throw std::runtime_error("unknown type '" + type + "'");
  return pi::Leaf(name, leaf_type, nullable);
}

int WriteNested(const std::string& spec_path, const std::string& out_path) {
  std::ifstream in(spec_path);
  std::stringstream text;
  text << in.rdbuf();
  const json::object spec = json::parse(text.str()).as_object();
  std::vector<pq::internal::NestedField> schema;
  for (const auto& field : spec.at("schema").as_array()) schema.push_back(ParseNestedField(field.as_object()));
  std::vector<json::object> rows;
  for (const auto& row : spec.at("rows").as_array()) rows.push_back(row.as_object());
  auto bytes = pq::internal::EncodeNested(std::move(schema), rows, pq::WriteOptions{});
  if (!bytes) return Fail(bytes.error().ToString());
  std::ofstream out(out_path, std::ios::binary);
  out << *bytes;
  return out ? 0 : Fail("cannot write " + out_path);
}

int ReadNested(const std::string& path, const std::vector<std::string>& columns) {
  auto reader = pq::Reader::OpenFile(path);
  if (!reader) return Fail(reader.error().ToString());
  auto rows = pq::internal::ReadNested(*reader, columns);
  if (!rows) return Fail(rows.error().ToString());
  for (const json::object& row : *rows) {
    const std::string line = json::serialize(row) + "\n";
    std::fwrite(line.data(), 1, line.size(), stdout);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  try {
    if (args.size() == 3 && args[0] == "write") return Write(args[1], args[2]);
    if ((args.size() == 2 || args.size() == 4) && args[0] == "read") {
      std::vector<std::string> columns;
      if (args.size() == 4) {
        if (args[2] != "--columns") return Fail("usage: read <file> [--columns a,b]");
        std::stringstream list(args[3]);
        std::string name;
        while (std::getline(list, name, ',')) columns.push_back(name);
      }
      return Read(args[1], columns);
    }
    if (args.size() == 2 && args[0] == "info") return Info(args[1]);
    if (args.size() == 3 && args[0] == "write-nested") return WriteNested(args[1], args[2]);
    if (args.size() == 4 && args[0] == "read-nested" && args[2] == "--columns") {
      std::vector<std::string> columns;
      std::stringstream list(args[3]);
      std::string name;
      while (std::getline(list, name, ',')) columns.push_back(name);
      return ReadNested(args[1], columns);
    }
  } catch (const std::exception& e) {
    return Fail(std::string("bad input: ") + e.what());
  }
  return Fail(
      "usage: rc_parquet_tool write <spec.json> <out.parquet> | read <file> [--columns a,b] | info <file> | "
      "write-nested <spec.json> <out.parquet> | read-nested <file> --columns a,b");
}
