// File: lake/paths.h
//
// The ONE place where lake paths are built and parsed (after LevelDB's
// db/filename.h): table directories of the layers, Delta log file names,
// data file names, partition directories (escaped as Delta/Hive do, because a
// symbol becomes a directory name) and the URI form stored in add.path.
//
//   std::string dir = rc::lake::paths::LayerTableDir("/data", rc::lake::paths::Layer::kRaw);  // /data/raw/bars
//   std::string part = rc::lake::paths::PartitionDir({{"symbol", "EURUSD=X"}});  // "symbol=EURUSD%3DX"
//   RC_ASSIGN_OR_RETURN(std::string abs, rc::lake::paths::ResolveDataPath(dir, add_path_from_log));
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"

namespace rc::lake::paths {

inline constexpr std::string_view kLogDirName = "_delta_log";
inline constexpr std::string_view kNullPartition = "__HIVE_DEFAULT_PARTITION__";

enum class Layer { kRaw, kBronze, kSilver, kGold };
std::string_view LayerName(Layer layer);  // "raw", "bronze", "silver", "gold"

// <data_dir>/raw/bars, <data_dir>/bronze/bars, <data_dir>/silver/features,
// <data_dir>/gold/predictions (lexically normalised, no trailing slash).
std::string LayerTableDir(std::string_view data_dir, Layer layer);

// Normalises a table directory given by a user: lexically normal, trailing
// '/' removed, "file://" prefix accepted. Errors: kInvalidArgument (field
// "table") for an empty path or one containing NUL.
Result<std::string> NormalizeTableDir(std::string_view dir);

// <table>/_delta_log
std::string LogDir(std::string_view table_dir);

// "00000000000000000007.json" (20 digits). REQUIRES: version >= 0.
std::string CommitFileName(int64_t version);
// <table>/_delta_log/00000000000000000007.json
std::string CommitFilePath(std::string_view table_dir, int64_t version);
// The version of a commit file name, or nullopt for anything else (temp
// files, checkpoints, .crc files).
std::optional<int64_t> ParseCommitFileName(std::string_view name);
// The version of a classic or multi-part checkpoint file name, or nullopt.
std::optional<int64_t> ParseCheckpointFileName(std::string_view name);
// "00000000000000000010.checkpoint.parquet": the classic single-file checkpoint.
std::string CheckpointFileName(int64_t version);
std::string CheckpointFilePath(std::string_view table_dir, int64_t version);
// The version of a classic single-file checkpoint name (not multi-part, not V2), or nullopt.
std::optional<int64_t> ParseClassicCheckpointFileName(std::string_view name);
// <table>/_delta_log/_last_checkpoint
std::string LastCheckpointPath(std::string_view table_dir);
// A unique temporary name in the log directory for writing `name` before it
// is renamed into place: ".<name>.<uuid>.tmp" (ignored by every Delta reader).
std::string TempLogPath(std::string_view table_dir, std::string_view name);
// True for names TempLogPath makes (commit temp files included).
bool IsTempLogFileName(std::string_view name);
// A unique temporary name in the log directory for the commit of `version`,
// ".00000000000000000007.json.<uuid>.tmp" (ignored by every Delta reader).
std::string TempCommitPath(std::string_view table_dir, int64_t version);
bool IsTempCommitFileName(std::string_view name);

// A random (version 4) UUID, "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".
std::string NewUuid();

// "part-00000-<uuid>.c000.<codec>.parquet" (codec "snappy", "zstd", "gzip";
// empty -> "part-00000-<uuid>.c000.parquet"). REQUIRES: 0 <= part <= 99999.
std::string DataFileName(int part, std::string_view uuid, std::string_view codec);

// Escapes a partition column name or value for a directory name: every char
// in U+0001..U+001F, U+007F and " # % ' * / : = ? \ { [ ] ^ becomes %XX
// (uppercase hex), as Spark's escapePathName and Kernel's PartitionUtils do.
// A NUL byte is escaped too (it cannot appear in a path). Bytes >= 0x80 (UTF-8)
// are kept as they are.
std::string EscapePartitionValue(std::string_view value);
// Reverses EscapePartitionValue (any %XX is decoded). Errors: kInvalidArgument
// for a malformed escape.
Result<std::string> UnescapePartitionValue(std::string_view escaped);

// "col1=v1/col2=v2" with names and values escaped; a nullopt value becomes
// __HIVE_DEFAULT_PARTITION__. Empty list -> "". An empty-string value is null
// in Delta, so it is written as the null directory as well.
using PartitionValues = std::vector<std::pair<std::string, std::optional<std::string>>>;
std::string PartitionDir(const PartitionValues& values);

// RFC 2396 URI path encoding for add.path/remove.path: every byte except
// ALPHA, DIGIT, "-._~/=" is percent-encoded (so the '%' of an escaped
// partition directory becomes %25, as in Delta's golden tables).
std::string UriEncodePath(std::string_view relative_path);
// Percent-decodes. Errors: kDataCorrupt (field "path") for a malformed escape.
Result<std::string> UriDecodePath(std::string_view uri_path);

// Turns an add/remove path from the log into an absolute file path inside
// `table_dir`. Accepts a relative URI path or an absolute "file://" URI /
// absolute path that lies inside the table. Rejects (kDataCorrupt, field
// "path") anything empty, containing NUL, with "." or ".." segments, or
// resolving outside the table directory, and other URI schemes (kUnsupported).
Result<std::string> ResolveDataPath(std::string_view table_dir, std::string_view add_path);

// Joins a table-relative (already decoded) path to the table dir after the
// same checks as ResolveDataPath. Errors: kInvalidArgument (field "path").
Result<std::string> JoinInTable(std::string_view table_dir, std::string_view relative);

}  // namespace rc::lake::paths
