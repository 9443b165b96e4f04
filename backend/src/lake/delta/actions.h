// File: lake/delta/actions.h
//
// The Delta Lake log actions (docs/formats.md §2.2) as plain structs, the parser of a
// commit file (newline-delimited JSON, one action per line) and its writer,
// and the schemaString <-> lake::Schema mapping (docs/formats.md §2.3). No I/O here: this is
// the part of the log reader that a fuzzer drives (backend/fuzz/delta_log_fuzz.cc).
//
//   RC_ASSIGN_OR_RETURN(rc::lake::delta::CommitActions commit,
//                       rc::lake::delta::ParseCommit(text, "00000000000000000003.json"));
//   std::string line_delimited = rc::lake::delta::SerializeCommit(commit);
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "lake/column_batch.h"

namespace rc::lake::delta {

// Reader/writer protocol versions this implementation supports.
inline constexpr int32_t kMaxReaderVersion = 1;
inline constexpr int32_t kMaxWriterVersion = 2;

struct Protocol {
  int32_t min_reader_version = 1;
  int32_t min_writer_version = 2;
  std::vector<std::string> reader_features;  // only with reader version 3
  std::vector<std::string> writer_features;  // only with writer version 7
  bool operator==(const Protocol&) const = default;
};

// Checks that we can read (and with `for_write`, also write) a table with this
// protocol. Errors: kUnsupported naming the versions / features.
Status CheckProtocol(const Protocol& protocol, bool for_write);

struct Metadata {
  std::string id;  // GUID
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::string format_provider = "parquet";
  std::map<std::string, std::string> format_options;
  std::string schema_string;  // the JSON text as stored
  Schema schema;              // parsed from schema_string
  std::vector<std::string> partition_columns;
  std::map<std::string, std::string> configuration;
  std::optional<int64_t> created_time;  // ms since the epoch
  // True when a field's metadata carries delta.invariants (which this writer
  // cannot evaluate, so it must refuse to write: docs/formats.md §2.9).
  bool has_invariants = false;
};

// Partition column -> serialized value; nullopt = null.
using PartitionValueMap = std::map<std::string, std::optional<std::string>>;

struct AddFile {
  std::string path;  // as stored in the log: a URI path, relative to the table
  PartitionValueMap partition_values;
  int64_t size = 0;
  int64_t modification_time = 0;  // ms
  bool data_change = true;
  std::string stats;  // JSON text, empty when absent
  bool has_deletion_vector = false;
  std::map<std::string, std::string> tags;  // add.tags (free-form file metadata)
};

struct RemoveFile {
  std::string path;
  std::optional<int64_t> deletion_timestamp;  // ms
  bool data_change = true;
  bool extended_file_metadata = false;
  std::optional<PartitionValueMap> partition_values;
  std::optional<int64_t> size;
};

struct Txn {
  std::string app_id;
  int64_t version = 0;
  std::optional<int64_t> last_updated;
};

struct CommitInfo {
  std::string json;                // the whole commitInfo object, as compact JSON text
  std::optional<int64_t> timestamp;  // ms, when present and an integer
  std::string operation;           // "" when absent
};

// The actions of one commit file, in file order within each kind.
struct CommitActions {
  std::optional<Protocol> protocol;
  std::optional<Metadata> metadata;
  std::vector<AddFile> adds;
  std::vector<RemoveFile> removes;
  std::vector<Txn> txns;
  std::optional<CommitInfo> commit_info;
};

// Parses a whole commit file. Blank lines are skipped; unknown actions and
// unknown fields are ignored (forward compatibility, docs/formats.md §2.2). Errors:
// kDataCorrupt with field "<source>:<line>" for a line that is not a JSON
// object, a known action with a missing/mistyped required field, a schema that
// cannot be parsed, or two actions of a kind that may appear once per version;
// kUnsupported for schema types this implementation does not handle.
Result<CommitActions> ParseCommit(std::string_view content, std::string_view source = "commit");

// One line per action, '\n'-terminated, in the order protocol, metaData,
// removes, adds, txns, commitInfo. `metadata->schema_string` is written as is.
std::string SerializeCommit(const CommitActions& commit);

// lake::Schema -> Spark JSON schema string (timestamp -> "timestamp",
// int32 -> "integer", int64 -> "long", bool -> "boolean", ...).
std::string SchemaToString(const Schema& schema);
// Parses a schemaString. Errors: kDataCorrupt for malformed JSON/structure,
// duplicate names (case-insensitive); kUnsupported naming the column for
// nested, decimal, binary, short, byte, timestamp_ntz and other types we do
// not map. `has_invariants` (optional) is set when a field has delta.invariants.
Result<Schema> ParseSchemaString(std::string_view schema_string, bool* has_invariants = nullptr);

}  // namespace rc::lake::delta
