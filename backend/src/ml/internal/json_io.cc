#include "ml/internal/json_io.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>

namespace rc::ml::internal {
namespace fs = std::filesystem;

Status WriteFileAtomic(const fs::path& path, const std::string& text) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec) return IoError("creating " + path.parent_path().string() + ": " + ec.message());
  static thread_local std::mt19937_64 rng(std::random_device{}());
  fs::path tmp = path;
  tmp += ".tmp-" + std::to_string(rng());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return IoError("creating " + tmp.string() + ": " + std::strerror(errno));
  size_t done = 0;
  while (done < text.size()) {
    ssize_t w = ::write(fd, text.data() + done, text.size() - done);
    if (w < 0) {
      if (errno == EINTR) continue;
      std::string why = std::strerror(errno);
      ::close(fd);
      fs::remove(tmp, ec);
      return IoError("writing " + tmp.string() + ": " + why);
    }
    done += static_cast<size_t>(w);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    fs::remove(tmp, ec);
    return IoError("syncing " + tmp.string() + ": " + std::strerror(errno));
  }
  fs::rename(tmp, path, ec);
  if (ec) {
    fs::remove(tmp, ec);
    return IoError("renaming onto " + path.string() + ": " + ec.message());
  }
  // The rename is durable only once the directory entry is synced.
  int dfd = ::open(path.parent_path().empty() ? "." : path.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return Ok();
}

Status WriteJsonFile(const fs::path& path, const boost::json::value& value) {
  return WriteFileAtomic(path, boost::json::serialize(value) + "\n");
}

Result<std::string> ReadWholeFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound(path.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return IoError("reading " + path.string());
  return ss.str();
}

Result<boost::json::value> ReadJsonFile(const fs::path& path) {
  RC_ASSIGN_OR_RETURN(std::string text, ReadWholeFile(path));
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text, ec);
  if (ec) return DataCorrupt("parsing " + path.string() + ": " + ec.message(), path.filename().string());
  return v;
}

Result<double> GetDouble(const boost::json::object& obj, const char* key, const std::string& where) {
  auto* v = obj.if_contains(key);
  if (!v) return DataCorrupt(where + ": missing '" + key + "'", where + "." + key);
  if (v->is_null()) return std::numeric_limits<double>::quiet_NaN();
  if (v->is_string()) return NumberOrNaN(*v);
  if (v->is_double()) return v->as_double();
  if (v->is_int64()) return static_cast<double>(v->as_int64());
  if (v->is_uint64()) return static_cast<double>(v->as_uint64());
  return DataCorrupt(where + ": '" + key + "' is not a number", where + "." + key);
}

Result<int64_t> GetInt(const boost::json::object& obj, const char* key, const std::string& where) {
  auto* v = obj.if_contains(key);
  if (!v) return DataCorrupt(where + ": missing '" + key + "'", where + "." + key);
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64()) return static_cast<int64_t>(v->as_uint64());
  return DataCorrupt(where + ": '" + key + "' is not an integer", where + "." + key);
}

Result<std::string> GetString(const boost::json::object& obj, const char* key, const std::string& where) {
  auto* v = obj.if_contains(key);
  if (!v || !v->is_string()) return DataCorrupt(where + ": missing string '" + key + "'", where + "." + key);
  return std::string(v->as_string());
}

Result<const boost::json::object*> GetObject(const boost::json::object& obj, const char* key,
                                             const std::string& where) {
  auto* v = obj.if_contains(key);
  if (!v || !v->is_object()) return DataCorrupt(where + ": missing object '" + key + "'", where + "." + key);
  return &v->as_object();
}

Result<const boost::json::array*> GetArray(const boost::json::object& obj, const char* key, const std::string& where) {
  auto* v = obj.if_contains(key);
  if (!v || !v->is_array()) return DataCorrupt(where + ": missing array '" + key + "'", where + "." + key);
  return &v->as_array();
}

boost::json::value NumberOrNull(double v) {
  if (std::isfinite(v)) return v;
  return nullptr;
}

boost::json::value ExactNumber(double v) {
  if (!std::isfinite(v)) return nullptr;
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return boost::json::string(buf);
}

boost::json::array ExactArray(const Eigen::VectorXd& v) {
  boost::json::array a;
  for (Eigen::Index idx = 0; idx < v.size(); ++idx) a.push_back(ExactNumber(v[idx]));
  return a;
}

double NumberOrNaN(const boost::json::value& v) {
  if (v.is_string()) {
    std::string text(v.as_string());
    char* end = nullptr;
    double d = std::strtod(text.c_str(), &end);
    return (end && *end == '\0' && !text.empty()) ? d : std::numeric_limits<double>::quiet_NaN();
  }
  if (v.is_double()) return v.as_double();
  if (v.is_int64()) return static_cast<double>(v.as_int64());
  if (v.is_uint64()) return static_cast<double>(v.as_uint64());
  return std::numeric_limits<double>::quiet_NaN();
}

boost::json::array ToJsonArray(const Eigen::VectorXd& v) {
  boost::json::array a;
  a.reserve(static_cast<size_t>(v.size()));
  for (Eigen::Index idx = 0; idx < v.size(); ++idx) a.push_back(NumberOrNull(v[idx]));
  return a;
}

Result<Eigen::VectorXd> VectorFromJson(const boost::json::value& v, const std::string& where) {
  if (!v.is_array()) return DataCorrupt(where + ": expected an array", where);
  const auto& a = v.as_array();
  Eigen::VectorXd out(static_cast<Eigen::Index>(a.size()));
  for (size_t idx = 0; idx < a.size(); ++idx) out[static_cast<Eigen::Index>(idx)] = NumberOrNaN(a[idx]);
  return out;
}

}  // namespace rc::ml::internal
