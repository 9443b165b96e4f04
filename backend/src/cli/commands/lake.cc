// `regimecast lake ...`: inspect and maintain the Delta tables and Parquet
// files of the lake (cat, schema, history, compact, vacuum, cleanup-log), plus a hidden
// `import-jsonl` that writes rows from stdin into a table (used by the interop
// tests and handy for repairs).
//
// A <path> is a Parquet file, a Delta table directory, or a layer name (raw,
// bronze, silver, gold) resolved under DATA_DIR.
#include <boost/json.hpp>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cli/command.h"
#include "core/strings.h"
#include "core/time.h"
#include "lake/delta/table.h"
#include "lake/parquet/parquet.h"
#include "lake/paths.h"

namespace rc::cli {
namespace {

namespace json = boost::json;
using lake::ColumnBatch;
using lake::ColumnType;
using lake::Schema;

std::vector<std::string> SplitComma(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

// Shortest round-trip text (0.1, not 0.10000000000000001); nan/inf as before.
std::string DoubleText(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  return FormatShortestDouble(d);
}

// The value of one cell as text (csv) or as a JSON value (jsonl).
std::string CellText(const ColumnBatch& b, size_t c, size_t r) {
  switch (b.schema().fields[c].type) {
    case ColumnType::kBool: return b.Bools(c)[r] ? "true" : "false";
    case ColumnType::kInt32: return std::to_string(b.Int32s(c)[r]);
    case ColumnType::kInt64: return std::to_string(b.Int64s(c)[r]);
    case ColumnType::kFloat: return DoubleText(static_cast<double>(b.Floats(c)[r]));
    case ColumnType::kDouble: return DoubleText(b.Doubles(c)[r]);
    case ColumnType::kString: return b.Strings(c)[r];
    case ColumnType::kTimestampMicros: return FormatIsoUtc(b.Int64s(c)[r]);
    case ColumnType::kDate: return FormatIsoDate(b.Int32s(c)[r]);
  }
  return "";
}

std::string CsvQuote(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char ch : s) {
    if (ch == '"') out += '"';
    out += ch;
  }
  return out + "\"";
}

void PrintBatch(const ColumnBatch& b, const std::string& format) {
  const auto& fields = b.schema().fields;
  if (format == "csv") {
    for (size_t c = 0; c < fields.size(); ++c) std::cout << (c ? "," : "") << CsvQuote(fields[c].name);
    std::cout << "\n";
    for (size_t r = 0; r < b.num_rows(); ++r) {
      for (size_t c = 0; c < fields.size(); ++c) {
        if (c) std::cout << ",";
        if (!b.column(c).IsNull(r)) std::cout << CsvQuote(CellText(b, c, r));
      }
      std::cout << "\n";
    }
    return;
  }
  for (size_t r = 0; r < b.num_rows(); ++r) {
    std::string line = "{";
    for (size_t c = 0; c < fields.size(); ++c) {
      if (c) line += ",";
      line += json::serialize(json::string(fields[c].name));
      line += ":";
      if (b.column(c).IsNull(r)) {
        line += "null";
        continue;
      }
      switch (fields[c].type) {
        case ColumnType::kBool:
        case ColumnType::kInt32:
        case ColumnType::kInt64:
          line += CellText(b, c, r);
          break;
        case ColumnType::kFloat:
        case ColumnType::kDouble: {
          double d = fields[c].type == ColumnType::kFloat ? b.Floats(c)[r] : b.Doubles(c)[r];
          // JSON has no NaN or infinity.
          line += std::isfinite(d) ? DoubleText(d) : "null";
          break;
        }
        default:
          line += json::serialize(json::string(CellText(b, c, r)));
      }
    }
    std::cout << line << "}\n";
  }
}

// A table directory, a Parquet file, or a layer name under DATA_DIR.
struct Target {
  std::string path;
  bool is_table = false;
};

Result<Target> ResolveTarget(CommandContext& ctx, const std::string& arg) {
  static const std::map<std::string, lake::paths::Layer> kLayers = {{"raw", lake::paths::Layer::kRaw},
                                                                     {"bronze", lake::paths::Layer::kBronze},
                                                                     {"silver", lake::paths::Layer::kSilver},
                                                                     {"gold", lake::paths::Layer::kGold}};
  std::error_code ec;
  if (std::filesystem::is_directory(arg, ec)) return Target{arg, true};
  if (std::filesystem::is_regular_file(arg, ec)) return Target{arg, false};
  if (auto it = kLayers.find(arg); it != kLayers.end()) {
    RC_ASSIGN_OR_RETURN(Settings settings, ctx.LoadSettings());
    return Target{lake::paths::LayerTableDir(settings.data_dir, it->second), true};
  }
  return NotFound("'" + arg + "' is neither a file, a table directory nor a layer (raw, bronze, silver, gold)");
}

struct CatArgs {
  std::string path;
  std::optional<int64_t> version;
  std::string as_of;
  std::string columns;
  std::string where_symbol;
  std::optional<int64_t> limit;
  std::string format = "csv";
};

Status RunCat(CommandContext& ctx, const CatArgs& a) {
  RC_ASSIGN_OR_RETURN(Target target, ResolveTarget(ctx, a.path));
  std::vector<std::string> columns = SplitComma(a.columns);
  ColumnBatch rows;
  bool symbol_filtered = false;
  if (!target.is_table) {
    if (a.version || !a.as_of.empty()) return InvalidArgument("version", "--version/--as-of need a table");
    RC_ASSIGN_OR_RETURN(auto reader, lake::parquet::Reader::OpenFile(target.path));
    RC_ASSIGN_OR_RETURN(rows, reader.Read({.columns = columns}));
  } else {
    if (a.version && !a.as_of.empty()) return InvalidArgument("as_of", "give --version or --as-of, not both");
    RC_ASSIGN_OR_RETURN(auto table, lake::delta::Table::Open(target.path));
    std::shared_ptr<const lake::delta::Snapshot> snap;
    if (a.version) {
      RC_ASSIGN_OR_RETURN(snap, table.AtVersion(*a.version));
    } else if (!a.as_of.empty()) {
      RC_ASSIGN_OR_RETURN(int64_t t, ParseIsoUtc(a.as_of, "as_of"));
      RC_ASSIGN_OR_RETURN(snap, table.AsOf(t));
    } else {
      RC_ASSIGN_OR_RETURN(snap, table.Latest());
    }
    lake::delta::ScanOptions scan;
    scan.columns = columns;
    if (!a.where_symbol.empty() && snap->IsPartitionColumn("symbol")) {
      scan.partition_filter["symbol"] = a.where_symbol;
      symbol_filtered = true;
      if (a.limit) scan.limit = *a.limit;
    } else if (a.where_symbol.empty() && a.limit) {
      scan.limit = *a.limit;
    }
    if (!a.where_symbol.empty() && !symbol_filtered && !columns.empty() &&
        std::find(columns.begin(), columns.end(), "symbol") == columns.end()) {
      scan.columns.push_back("symbol");
    }
    RC_ASSIGN_OR_RETURN(rows, table.Scan(*snap, scan));
  }
  if (!a.where_symbol.empty() && !symbol_filtered) {
    int si = rows.schema().FieldIndex("symbol");
    if (si < 0 || rows.schema().fields[static_cast<size_t>(si)].type != ColumnType::kString) {
      return InvalidArgument("where_symbol", "there is no string column 'symbol'");
    }
    std::vector<size_t> keep;
    for (size_t r = 0; r < rows.num_rows(); ++r) {
      if (!rows.column(static_cast<size_t>(si)).IsNull(r) && rows.Strings(static_cast<size_t>(si))[r] == a.where_symbol) {
        keep.push_back(r);
      }
    }
    rows = rows.Take(keep);
    if (!columns.empty()) {
      RC_ASSIGN_OR_RETURN(rows, rows.Project(columns));
    }
  }
  if (a.limit && rows.num_rows() > static_cast<size_t>(*a.limit)) rows = rows.Slice(0, static_cast<size_t>(*a.limit));
  PrintBatch(rows, a.format);
  return Ok();
}

void PrintSchema(const Schema& schema, const std::vector<std::string>& partition_columns) {
  for (const auto& f : schema.fields) {
    bool part = std::find(partition_columns.begin(), partition_columns.end(), f.name) != partition_columns.end();
    std::cout << f.name << "\t" << lake::ColumnTypeName(f.type) << "\t" << (f.nullable ? "nullable" : "required")
              << (part ? "\tpartition" : "") << "\n";
  }
}

Status RunSchema(CommandContext& ctx, const std::string& path) {
  RC_ASSIGN_OR_RETURN(Target target, ResolveTarget(ctx, path));
  if (!target.is_table) {
    RC_ASSIGN_OR_RETURN(auto reader, lake::parquet::Reader::OpenFile(target.path));
    const auto& info = reader.info();
    std::cout << "# parquet file, " << info.num_rows << " rows in " << info.row_groups.size()
              << " row groups, created by " << info.created_by << "\n";
    PrintSchema(info.schema, {});
    return Ok();
  }
  RC_ASSIGN_OR_RETURN(auto table, lake::delta::Table::Open(target.path));
  RC_ASSIGN_OR_RETURN(auto snap, table.Latest());
  std::string parts;
  for (const auto& p : snap->partition_columns()) parts += (parts.empty() ? "" : ",") + p;
  std::cout << "# delta table " << table.dir() << ", version " << snap->version << ", " << snap->files.size()
            << " files, id " << snap->metadata.id << ", protocol " << snap->protocol.min_reader_version << "/"
            << snap->protocol.min_writer_version << ", partitioned by [" << parts << "]\n";
  PrintSchema(snap->schema(), snap->partition_columns());
  return Ok();
}

Status RunHistory(CommandContext& ctx, const std::string& path) {
  RC_ASSIGN_OR_RETURN(Target target, ResolveTarget(ctx, path));
  if (!target.is_table) return InvalidArgument("table", "'" + path + "' is not a Delta table directory");
  RC_ASSIGN_OR_RETURN(auto table, lake::delta::Table::Open(target.path));
  RC_ASSIGN_OR_RETURN(auto history, table.History());
  for (auto it = history.rbegin(); it != history.rend(); ++it) {
    std::cout << it->version << "\t" << FormatIsoUtc(it->timestamp_ms * 1000) << "\t"
              << (it->operation.empty() ? "-" : it->operation) << "\t" << it->commit_info_json << "\n";
  }
  return Ok();
}

Status RunCompact(CommandContext& ctx, const std::string& path) {
  RC_ASSIGN_OR_RETURN(Target target, ResolveTarget(ctx, path));
  if (!target.is_table) return InvalidArgument("table", "'" + path + "' is not a Delta table directory");
  RC_ASSIGN_OR_RETURN(auto table, lake::delta::Table::Open(target.path));
  RC_ASSIGN_OR_RETURN(auto result, table.Compact());
  if (!result.version) {
    std::cout << "nothing to compact\n";
  } else {
    std::cout << "compacted " << result.files_removed << " files in " << result.partitions << " partitions into "
              << result.files_added << " files (version " << *result.version << ")\n";
  }
  return Ok();
}

Status RunVacuum(CommandContext& ctx, const std::string& path, double retention_hours, bool dry_run) {
  RC_ASSIGN_OR_RETURN(Target target, ResolveTarget(ctx, path));
  if (!target.is_table) return InvalidArgument("table", "'" + path + "' is not a Delta table directory");
  if (!(retention_hours >= 0) || retention_hours > 24.0 * 365 * 100) {
    return InvalidArgument("retention_hours", "must be between 0 and 876000");
  }
  RC_ASSIGN_OR_RETURN(auto table, lake::delta::Table::Open(target.path));
  lake::delta::VacuumOptions opts;
  opts.retention_ms = static_cast<int64_t>(retention_hours * 3600.0 * 1000.0);
  opts.dry_run = dry_run;
  RC_ASSIGN_OR_RETURN(auto result, table.Vacuum(opts));
  for (const auto& f : result.files) std::cout << f << "\n";
  std::cout << (dry_run ? "would delete " : "deleted ") << result.files.size() << " files (" << result.bytes
            << " bytes)\n";
  return Ok();
}

Status RunCleanupLog(CommandContext& ctx, const std::string& path, std::optional<double> retention_hours,
                     bool dry_run) {
  RC_ASSIGN_OR_RETURN(Target target, ResolveTarget(ctx, path));
  if (!target.is_table) return InvalidArgument("table", "'" + path + "' is not a Delta table directory");
  lake::delta::LogCleanupOptions opts;
  if (retention_hours) {
    if (!(*retention_hours >= 0) || *retention_hours > 24.0 * 365 * 100) {
      return InvalidArgument("retention_hours", "must be between 0 and 876000");
    }
    opts.retention_ms = static_cast<int64_t>(*retention_hours * 3600.0 * 1000.0);
  }
  opts.dry_run = dry_run;
  RC_ASSIGN_OR_RETURN(auto table, lake::delta::Table::Open(target.path));
  RC_ASSIGN_OR_RETURN(auto result, table.CleanupLog(opts));
  for (const auto& f : result.files) std::cout << f << "\n";
  std::cout << (dry_run ? "would delete " : "deleted ") << result.files.size() << " log files";
  if (result.oldest_readable) std::cout << " (the log starts at checkpoint " << *result.oldest_readable << ")";
  std::cout << "\n";
  return Ok();
}

// "name:type[:required]" with type bool|int32|int64|float|double|string|timestamp|date.
Result<Schema> ParseSchemaSpec(const std::string& spec) {
  static const std::map<std::string, ColumnType> kTypes = {
      {"bool", ColumnType::kBool},     {"int32", ColumnType::kInt32},   {"int64", ColumnType::kInt64},
      {"float", ColumnType::kFloat},   {"double", ColumnType::kDouble}, {"string", ColumnType::kString},
      {"timestamp", ColumnType::kTimestampMicros}, {"date", ColumnType::kDate}};
  Schema schema;
  for (const auto& item : SplitComma(spec)) {
    auto parts = std::vector<std::string>();
    std::stringstream ss(item);
    std::string p;
    while (std::getline(ss, p, ':')) parts.push_back(p);
    if (parts.size() < 2 || parts.size() > 3 || (parts.size() == 3 && parts[2] != "required")) {
      return InvalidArgument("schema", "'" + item + "' is not name:type[:required]");
    }
    auto t = kTypes.find(parts[1]);
    if (t == kTypes.end()) return InvalidArgument("schema", "unknown type '" + parts[1] + "'");
    schema.fields.push_back({parts[0], t->second, parts.size() == 2});
  }
  if (schema.fields.empty()) return InvalidArgument("schema", "no columns");
  return schema;
}

// Appends one cell to column `c` and its presence to `valid`.
Status SetCell(ColumnBatch& b, size_t c, const json::value& v, size_t line, std::vector<uint8_t>& valid) {
  const lake::Field& f = b.schema().fields[c];
  auto bad = [&]() {
    return InvalidArgument(f.name, "line " + std::to_string(line) + ": bad value for " +
                                       std::string(lake::ColumnTypeName(f.type)) + " column '" + f.name + "'");
  };
  if (v.is_null()) {
    switch (f.type) {
      case ColumnType::kBool: b.Bools(c).push_back(0); break;
      case ColumnType::kInt32:
      case ColumnType::kDate: b.Int32s(c).push_back(0); break;
      case ColumnType::kInt64:
      case ColumnType::kTimestampMicros: b.Int64s(c).push_back(0); break;
      case ColumnType::kFloat: b.Floats(c).push_back(0); break;
      case ColumnType::kDouble: b.Doubles(c).push_back(0); break;
      case ColumnType::kString: b.Strings(c).emplace_back(); break;
    }
    valid.push_back(0);
    return Ok();
  }
  auto as_int = [&](int64_t& out) -> bool {
    if (v.is_int64()) out = v.get_int64();
    else if (v.is_uint64() && v.get_uint64() <= static_cast<uint64_t>(INT64_MAX)) out = static_cast<int64_t>(v.get_uint64());
    else return false;
    return true;
  };
  switch (f.type) {
    case ColumnType::kBool:
      if (!v.is_bool()) return bad();
      b.Bools(c).push_back(v.get_bool() ? 1 : 0);
      break;
    case ColumnType::kInt32: {
      int64_t i = 0;
      if (!as_int(i) || i < INT32_MIN || i > INT32_MAX) return bad();
      b.Int32s(c).push_back(static_cast<int32_t>(i));
      break;
    }
    case ColumnType::kInt64: {
      int64_t i = 0;
      if (!as_int(i)) return bad();
      b.Int64s(c).push_back(i);
      break;
    }
    case ColumnType::kFloat:
    case ColumnType::kDouble: {
      double d = 0;
      int64_t i = 0;
      if (v.is_double()) d = v.get_double();
      else if (as_int(i)) d = static_cast<double>(i);
      else return bad();
      if (f.type == ColumnType::kFloat) b.Floats(c).push_back(static_cast<float>(d));
      else b.Doubles(c).push_back(d);
      break;
    }
    case ColumnType::kString:
      if (!v.is_string()) return bad();
      b.Strings(c).emplace_back(v.get_string());
      break;
    case ColumnType::kTimestampMicros: {
      int64_t i = 0;
      if (v.is_string()) {
        RC_ASSIGN_OR_RETURN(i, ParseIsoUtc(std::string_view(v.get_string()), f.name));
      } else if (!as_int(i)) {
        return bad();
      }
      b.Int64s(c).push_back(i);
      break;
    }
    case ColumnType::kDate: {
      if (!v.is_string()) return bad();
      RC_ASSIGN_OR_RETURN(int64_t t, ParseIsoUtc(std::string_view(v.get_string()), f.name));
      b.Int32s(c).push_back(static_cast<int32_t>(t / kMicrosPerDay - (t % kMicrosPerDay < 0 ? 1 : 0)));
      break;
    }
  }
  valid.push_back(1);
  return Ok();
}

struct ImportArgs {
  std::string table;
  std::string schema;
  std::string partition_by;
  std::string mode = "append";
  int64_t rows_per_commit = 0;
};

Status RunImport(const ImportArgs& a) {
  RC_ASSIGN_OR_RETURN(Schema schema, ParseSchemaSpec(a.schema));
  lake::delta::CreateOptions create;
  create.schema = schema;
  create.partition_columns = SplitComma(a.partition_by);
  RC_ASSIGN_OR_RETURN(auto table, lake::delta::Table::OpenOrCreate(a.table, create));
  ColumnBatch batch(schema);
  std::vector<std::vector<uint8_t>> valid(schema.fields.size());
  std::string line;
  size_t line_no = 0;
  int64_t commits = 0;
  auto flush = [&]() -> Status {
    if (batch.num_rows() == 0) return Ok();
    for (size_t c = 0; c < valid.size(); ++c) {
      if (std::find(valid[c].begin(), valid[c].end(), 0) != valid[c].end()) batch.column(c).validity = valid[c];
      valid[c].clear();
    }
    if (a.mode == "replace") {
      std::vector<lake::delta::PartitionValueMap> parts;
      std::set<std::vector<std::optional<std::string>>> seen;
      for (size_t r = 0; r < batch.num_rows(); ++r) {
        lake::delta::PartitionValueMap p;
        std::vector<std::optional<std::string>> key;
        for (const auto& col : create.partition_columns) {
          auto v = lake::delta::SerializePartitionValue(batch, static_cast<size_t>(schema.FieldIndex(col)), r);
          p[col] = v;
          key.push_back(v);
        }
        if (seen.insert(key).second) parts.push_back(p);
      }
      RC_ASSIGN_OR_RETURN(auto r, table.ReplacePartitions(parts, batch));
      std::cout << "version " << r.version << "\n";
    } else {
      RC_ASSIGN_OR_RETURN(auto r, table.Append(batch));
      std::cout << "version " << r.version << "\n";
    }
    ++commits;
    batch = ColumnBatch(schema);
    return Ok();
  };
  while (std::getline(std::cin, line)) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    json::error_code ec;
    json::value v = json::parse(line, ec);
    if (ec || !v.is_object()) return InvalidArgument("stdin", "line " + std::to_string(line_no) + " is not a JSON object");
    const auto& obj = v.get_object();
    for (const auto& kv : obj) {
      if (schema.FieldIndex(kv.key()) < 0) {
        return InvalidArgument("stdin", "line " + std::to_string(line_no) + ": unknown column '" +
                                            std::string(kv.key()) + "'");
      }
    }
    for (size_t c = 0; c < schema.fields.size(); ++c) {
      auto it = obj.find(schema.fields[c].name);
      static const json::value kNull;
      RC_RETURN_IF_ERROR(SetCell(batch, c, it == obj.end() ? kNull : it->value(), line_no, valid[c]));
    }
    if (a.rows_per_commit > 0 && static_cast<int64_t>(batch.num_rows()) >= a.rows_per_commit) RC_RETURN_IF_ERROR(flush());
  }
  RC_RETURN_IF_ERROR(flush());
  if (commits == 0) {
    RC_ASSIGN_OR_RETURN(auto snap, table.Latest());
    std::cout << "version " << snap->version << "\n";
  }
  return Ok();
}

}  // namespace

void RegisterCommand_lake(CLI::App& app, CommandContext& ctx) {
  CLI::App* lake = app.add_subcommand("lake", "Inspect and maintain the lake's Delta tables and Parquet files");
  lake->require_subcommand(1);

  auto cat_args = std::make_shared<CatArgs>();
  CLI::App* cat = lake->add_subcommand("cat", "Print the rows of a Parquet file or a Delta table (any version)");
  cat->add_option("path", cat_args->path, "Parquet file, table directory, or layer (raw|bronze|silver|gold)")
      ->required();
  cat->add_option("--version", cat_args->version, "Table version to read (time travel)")->check(CLI::NonNegativeNumber);
  cat->add_option("--as-of", cat_args->as_of, "Read the version current at this ISO-8601 UTC time");
  cat->add_option("--columns", cat_args->columns, "Comma-separated columns to print, in this order");
  cat->add_option("--where-symbol", cat_args->where_symbol, "Only rows of this symbol");
  cat->add_option("--limit", cat_args->limit, "Print at most N rows")->check(CLI::NonNegativeNumber);
  cat->add_option("--format", cat_args->format, "Output format")->check(CLI::IsMember({"csv", "jsonl"}));
  cat->callback([&ctx, cat_args] {
    if (auto s = RunCat(ctx, *cat_args); !s) ReportError(ctx, s.error());
  });

  auto schema_path = std::make_shared<std::string>();
  CLI::App* schema = lake->add_subcommand("schema", "Print the schema of a Parquet file or a Delta table");
  schema->add_option("path", *schema_path, "Parquet file, table directory, or layer")->required();
  schema->callback([&ctx, schema_path] {
    if (auto s = RunSchema(ctx, *schema_path); !s) ReportError(ctx, s.error());
  });

  auto history_path = std::make_shared<std::string>();
  CLI::App* history = lake->add_subcommand("history", "Print the commits of a Delta table, newest first");
  history->add_option("table", *history_path, "Table directory or layer")->required();
  history->callback([&ctx, history_path] {
    if (auto s = RunHistory(ctx, *history_path); !s) ReportError(ctx, s.error());
  });

  auto compact_path = std::make_shared<std::string>();
  CLI::App* compact = lake->add_subcommand("compact", "Rewrite each partition's small files into one");
  compact->add_option("table", *compact_path, "Table directory or layer")->required();
  compact->callback([&ctx, compact_path] {
    if (auto s = RunCompact(ctx, *compact_path); !s) ReportError(ctx, s.error());
  });

  struct VacuumArgs {
    std::string table;
    double retention_hours = 168;
    bool dry_run = false;
  };
  auto vacuum_args = std::make_shared<VacuumArgs>();
  CLI::App* vacuum = lake->add_subcommand("vacuum", "Delete data files unreferenced for longer than the retention");
  vacuum->add_option("table", vacuum_args->table, "Table directory or layer")->required();
  vacuum->add_option("--retention-hours", vacuum_args->retention_hours, "Retention in hours (default 168 = 7 days)");
  vacuum->add_flag("--dry-run", vacuum_args->dry_run, "List what would be deleted, delete nothing");
  vacuum->callback([&ctx, vacuum_args] {
    if (auto s = RunVacuum(ctx, vacuum_args->table, vacuum_args->retention_hours, vacuum_args->dry_run); !s) {
      ReportError(ctx, s.error());
    }
  });

  struct CleanupArgs {
    std::string table;
    std::optional<double> retention_hours;
    bool dry_run = false;
  };
  auto cleanup_args = std::make_shared<CleanupArgs>();
  CLI::App* cleanup = lake->add_subcommand(
      "cleanup-log", "Delete expired _delta_log entries behind the newest checkpoint older than the retention");
  cleanup->add_option("table", cleanup_args->table, "Table directory or layer")->required();
  cleanup->add_option("--retention-hours", cleanup_args->retention_hours,
                      "Retention in hours (default: the table's delta.logRetentionDuration, else 720 = 30 days); "
                      "versions older than it can no longer be read by time travel");
  cleanup->add_flag("--dry-run", cleanup_args->dry_run, "List what would be deleted, delete nothing");
  cleanup->callback([&ctx, cleanup_args] {
    if (auto s = RunCleanupLog(ctx, cleanup_args->table, cleanup_args->retention_hours, cleanup_args->dry_run); !s) {
      ReportError(ctx, s.error());
    }
  });

  auto import_args = std::make_shared<ImportArgs>();
  CLI::App* import = lake->add_subcommand("import-jsonl", "Write JSON-lines rows from stdin into a Delta table");
  import->group("");  // hidden: a tool for tests and repairs, not part of the documented surface
  import->add_option("table", import_args->table, "Table directory (created when absent)")->required();
  import->add_option("--schema", import_args->schema, "name:type[:required],... (types: bool int32 int64 float "
                                                      "double string timestamp date)")
      ->required();
  import->add_option("--partition-by", import_args->partition_by, "Comma-separated partition columns");
  import->add_option("--mode", import_args->mode, "append, or replace the partitions present in the input")
      ->check(CLI::IsMember({"append", "replace"}));
  import->add_option("--rows-per-commit", import_args->rows_per_commit, "Commit every N rows (default: one commit)")
      ->check(CLI::NonNegativeNumber);
  import->callback([&ctx, import_args] {
    if (auto s = RunImport(*import_args); !s) ReportError(ctx, s.error());
  });
}

}  // namespace rc::cli
