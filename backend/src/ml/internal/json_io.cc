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

#include "core/json_fields.h"

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
  auto value = ParseJsonDocument(text, path.filename().string());
  if (!value) return tl::unexpected(WithContext(value.error(), "parsing " + path.string()));
  return value;
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
  for (size_t idx = 0; idx < a.size(); ++idx) out[static_cast<Eigen::Index>(idx)] = JsonNumberOrNaN(a[idx]);
  return out;
}

}  // namespace rc::ml::internal
