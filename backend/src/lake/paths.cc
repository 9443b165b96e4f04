#include "lake/paths.h"

#include <sys/random.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <random>

#include "core/percent_encoding.h"

namespace rc::lake::paths {
namespace {

bool NeedsPartitionEscape(unsigned char c) {
  if (c < 0x20 || c == 0x7F) return true;
  switch (c) {
    case '"': case '#': case '%': case '\'': case '*': case '/': case ':': case '=':
    case '?': case '\\': case '{': case '[': case ']': case '^':
      return true;
    default:
      return false;
  }
}

bool IsUriSafe(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~' || c == '/' || c == '=';
}

// Checks a decoded table-relative path: non-empty segments, no "." / "..",
// no NUL. Returns the reason it is bad, or empty when fine.
std::string RelativePathProblem(std::string_view rel) {
  if (rel.empty()) return "is empty";
  if (rel.find('\0') != std::string_view::npos) return "contains NUL";
  if (rel.front() == '/') return "is absolute";
  size_t start = 0;
  while (start <= rel.size()) {
    size_t end = rel.find('/', start);
    if (end == std::string_view::npos) end = rel.size();
    std::string_view seg = rel.substr(start, end - start);
    if (seg.empty()) return "has an empty segment";
    if (seg == "." || seg == "..") return "has a '" + std::string(seg) + "' segment";
    start = end + 1;
  }
  return "";
}

}  // namespace

std::string_view LayerName(Layer layer) {
  switch (layer) {
    case Layer::kRaw: return "raw";
    case Layer::kBronze: return "bronze";
    case Layer::kSilver: return "silver";
    case Layer::kGold: return "gold";
  }
  return "raw";
}

std::string LayerTableDir(std::string_view data_dir, Layer layer) {
  std::filesystem::path base(data_dir.empty() ? std::string(".") : std::string(data_dir));
  switch (layer) {
    case Layer::kRaw: base /= "raw/bars"; break;
    case Layer::kBronze: base /= "bronze/bars"; break;
    case Layer::kSilver: base /= "silver/features"; break;
    case Layer::kGold: base /= "gold/predictions"; break;
  }
  std::string out = base.lexically_normal().string();
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

Result<std::string> NormalizeTableDir(std::string_view dir) {
  if (dir.starts_with("file://")) dir.remove_prefix(7);
  if (dir.empty()) return InvalidArgument("table", "table path is empty");
  if (dir.find('\0') != std::string_view::npos) return InvalidArgument("table", "table path contains NUL");
  std::string out = std::filesystem::path(std::string(dir)).lexically_normal().string();
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

std::string LogDir(std::string_view table_dir) { return std::string(table_dir) + "/" + std::string(kLogDirName); }

std::string CommitFileName(int64_t version) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%020lld.json", static_cast<long long>(version));
  return buf;
}

std::string CommitFilePath(std::string_view table_dir, int64_t version) {
  return LogDir(table_dir) + "/" + CommitFileName(version);
}

namespace {
std::optional<int64_t> ParseDigits20(std::string_view digits) {
  if (digits.size() != 20) return std::nullopt;
  int64_t v = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    if (v > (INT64_MAX - (c - '0')) / 10) return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}
}  // namespace

std::optional<int64_t> ParseCommitFileName(std::string_view name) {
  if (name.size() != 25 || !name.ends_with(".json")) return std::nullopt;
  return ParseDigits20(name.substr(0, 20));
}

std::optional<int64_t> ParseCheckpointFileName(std::string_view name) {
  if (name.size() < 20 + 11 || name.substr(20, 12) != ".checkpoint." || !name.ends_with(".parquet")) {
    return std::nullopt;
  }
  return ParseDigits20(name.substr(0, 20));
}

std::string CheckpointFileName(int64_t version) { return CommitFileName(version).substr(0, 20) + ".checkpoint.parquet"; }

std::string CheckpointFilePath(std::string_view table_dir, int64_t version) {
  return LogDir(table_dir) + "/" + CheckpointFileName(version);
}

std::optional<int64_t> ParseClassicCheckpointFileName(std::string_view name) {
  if (name.size() != 20 + 19 || name.substr(20) != ".checkpoint.parquet") return std::nullopt;
  return ParseDigits20(name.substr(0, 20));
}

std::string LastCheckpointPath(std::string_view table_dir) { return LogDir(table_dir) + "/_last_checkpoint"; }

std::string TempLogPath(std::string_view table_dir, std::string_view name) {
  return LogDir(table_dir) + "/." + std::string(name) + "." + NewUuid() + ".tmp";
}

bool IsTempLogFileName(std::string_view name) {
  // ".<commit, checkpoint or _last_checkpoint name>.<unique>.tmp"
  if (name.size() < 2 || name.front() != '.' || !name.ends_with(".tmp")) return false;
  const std::string_view inner = name.substr(1, name.size() - 5);
  const size_t dot = inner.rfind('.');
  if (dot == std::string_view::npos) return false;
  const std::string_view target = inner.substr(0, dot);
  return ParseCommitFileName(target).has_value() || ParseClassicCheckpointFileName(target).has_value() ||
         target == "_last_checkpoint";
}

std::string TempCommitPath(std::string_view table_dir, int64_t version) {
  return TempLogPath(table_dir, CommitFileName(version));
}

bool IsTempCommitFileName(std::string_view name) {
  return name.size() > 26 && name.front() == '.' && name.ends_with(".tmp") &&
         ParseCommitFileName(name.substr(1, 25)).has_value();
}

std::string NewUuid() {
  // Fresh kernel randomness per call: a user-space generator would be copied
  // by fork(), and two processes would then name their files identically.
  uint64_t words[2] = {0, 0};
  size_t got = 0;
  while (got < sizeof(words)) {
    ssize_t n = ::getrandom(reinterpret_cast<char*>(words) + got, sizeof(words) - got, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    got += static_cast<size_t>(n);
  }
  if (got < sizeof(words)) {
    std::random_device rd;
    words[0] = (static_cast<uint64_t>(rd()) << 32) ^ rd() ^ static_cast<uint64_t>(::getpid());
    words[1] = (static_cast<uint64_t>(rd()) << 32) ^ rd();
  }
  uint64_t a = words[0];
  uint64_t b = words[1];
  a = (a & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL;  // version 4
  b = (b & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;  // variant 10
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>((a >> 16) & 0xFFFF), static_cast<unsigned>(a & 0xFFFF),
                static_cast<unsigned>(b >> 48), static_cast<unsigned long long>(b & 0xFFFFFFFFFFFFULL));
  return buf;
}

std::string DataFileName(int part, std::string_view uuid, std::string_view codec) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "part-%05d-", part);
  std::string out = buf;
  out += uuid;
  out += ".c000.";
  if (!codec.empty()) {
    out += codec;
    out += ".";
  }
  out += "parquet";
  return out;
}

std::string EscapePartitionValue(std::string_view value) {
  return PercentEncode(value, [](unsigned char c) { return !NeedsPartitionEscape(c); });
}

Result<std::string> UnescapePartitionValue(std::string_view escaped) {
  auto decoded = PercentDecode(escaped);
  if (!decoded) return InvalidArgument("partition", "malformed %-escape in '" + std::string(escaped) + "'");
  return *decoded;
}

std::string PartitionDir(const PartitionValues& values) {
  std::string out;
  for (const auto& [name, value] : values) {
    if (!out.empty()) out += "/";
    out += EscapePartitionValue(name);
    out += "=";
    if (!value || value->empty()) {
      out += kNullPartition;
    } else {
      out += EscapePartitionValue(*value);
    }
  }
  return out;
}

std::string UriEncodePath(std::string_view relative_path) { return PercentEncode(relative_path, IsUriSafe); }

Result<std::string> UriDecodePath(std::string_view uri_path) {
  auto decoded = PercentDecode(uri_path);
  if (!decoded) return DataCorrupt("malformed %-escape in path '" + std::string(uri_path) + "'", "path");
  return *decoded;
}

Result<std::string> JoinInTable(std::string_view table_dir, std::string_view relative) {
  std::string problem = RelativePathProblem(relative);
  if (!problem.empty()) {
    return InvalidArgument("path", "path '" + std::string(relative) + "' " + problem);
  }
  std::string base(table_dir);
  while (base.size() > 1 && base.back() == '/') base.pop_back();
  return base + "/" + std::string(relative);
}

Result<std::string> ResolveDataPath(std::string_view table_dir, std::string_view add_path) {
  std::string_view raw = add_path;
  std::string base(table_dir);
  while (base.size() > 1 && base.back() == '/') base.pop_back();
  std::string rel;
  if (raw.starts_with("file:")) {
    // file:///abs/path or file:/abs/path (Hadoop style).
    std::string_view rest = raw.substr(5);
    if (rest.starts_with("//")) {
      rest.remove_prefix(2);
      if (!rest.starts_with("/")) return Unsupported("file URI with a host: '" + std::string(raw) + "'", "path");
    }
    RC_ASSIGN_OR_RETURN(std::string abs, UriDecodePath(rest));
    std::string prefix = base + "/";
    if (!abs.starts_with(prefix)) {
      return DataCorrupt("path '" + std::string(raw) + "' lies outside the table '" + base + "'", "path");
    }
    rel = abs.substr(prefix.size());
  } else {
    size_t colon = raw.find(':');
    size_t slash = raw.find('/');
    if (colon != std::string_view::npos && (slash == std::string_view::npos || colon < slash)) {
      return Unsupported("path with URI scheme '" + std::string(raw.substr(0, colon)) + "'", "path");
    }
    auto decoded_or = UriDecodePath(raw);
    if (!decoded_or) return tl::unexpected(decoded_or.error());
    const std::string& decoded = *decoded_or;
    if (!decoded.empty() && decoded.front() == '/') {
      std::string prefix = base + "/";
      if (!decoded.starts_with(prefix)) {
        return DataCorrupt("path '" + std::string(raw) + "' lies outside the table '" + base + "'", "path");
      }
      rel = decoded.substr(prefix.size());
    } else {
      rel = decoded;
    }
  }
  std::string problem = RelativePathProblem(rel);
  if (!problem.empty()) return DataCorrupt("path '" + std::string(raw) + "' " + problem, "path");
  return base + "/" + rel;
}

}  // namespace rc::lake::paths
