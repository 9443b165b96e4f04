#include "server/api_token.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/strings.h"

namespace rc::server {
namespace {

constexpr const char* kTokenFileName = ".api_token";
constexpr size_t kTokenBytes = 32;
constexpr size_t kMinTokenLength = 16;

Result<std::string> RandomHex(size_t bytes) {
  std::string raw(bytes, '\0');
  size_t filled = 0;
  while (filled < bytes) {
    const ssize_t got = getrandom(raw.data() + filled, bytes - filled, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      return IoError(std::string("cannot read the OS random source: ") + std::strerror(errno));
    }
    filled += static_cast<size_t>(got);
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(bytes * 2);
  for (unsigned char byte : raw) {
    hex += kHex[byte >> 4];
    hex += kHex[byte & 0xf];
  }
  return hex;
}

Result<std::string> ReadToken(const std::string& path) {
  struct stat info{};
  if (stat(path.c_str(), &info) != 0) return IoError("cannot stat " + path + ": " + std::strerror(errno));
  if ((info.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%03o", static_cast<unsigned>(info.st_mode & 0777));
    return InvalidArgument("API_TOKEN", path + " is accessible to other users (mode " + mode +
                                            "); chmod 600 it, or delete it to generate a new one");
  }
  std::ifstream in(path);
  if (!in) return IoError("cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  const std::string token(TrimAscii(text.str()));
  const bool printable = std::all_of(token.begin(), token.end(), [](char c) { return c > ' ' && c < 0x7f; });
  if (token.size() < kMinTokenLength || !printable) {
    return InvalidArgument("API_TOKEN", path + " does not hold a token (at least " + std::to_string(kMinTokenLength) +
                                            " printable characters); delete it to generate a new one");
  }
  return token;
}

}  // namespace

bool IsLoopbackHost(std::string_view host) {
  const std::string text(host);
  in_addr v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (inet_pton(AF_INET6, text.c_str(), &v6) == 1) {
    if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
    return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
  }
  return false;  // not an address: the server refuses to bind it anyway
}

bool TokensEqual(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t char_idx = 0; char_idx < a.size(); ++char_idx) {
    diff |= static_cast<unsigned char>(a[char_idx] ^ b[char_idx]);
  }
  return diff == 0;
}

Result<GeneratedToken> LoadOrCreateApiToken(const std::string& data_dir) {
  GeneratedToken out;
  out.path = (std::filesystem::path(data_dir) / kTokenFileName).string();
  if (std::filesystem::exists(out.path)) {
    RC_ASSIGN_OR_RETURN(out.token, ReadToken(out.path));
    return out;
  }
  RC_ASSIGN_OR_RETURN(out.token, RandomHex(kTokenBytes));
  // Written to a private temporary file and linked into place: the token file
  // is never visible half-written or with a wider mode, and two servers
  // starting at once agree on one token (link fails for the second).
  const std::string temp = out.path + ".tmp." + std::to_string(getpid());
  const int fd = open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return IoError("cannot create " + temp + ": " + std::strerror(errno));
  const std::string content = out.token + "\n";
  const bool written = write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()) &&
                       fsync(fd) == 0;
  const int write_errno = errno;
  close(fd);
  if (!written) {
    unlink(temp.c_str());
    return IoError("cannot write " + temp + ": " + std::strerror(write_errno));
  }
  const bool linked = link(temp.c_str(), out.path.c_str()) == 0;
  const int link_errno = errno;
  unlink(temp.c_str());
  if (!linked) {
    if (link_errno == EEXIST) {  // another process won the race: use its token
      RC_ASSIGN_OR_RETURN(out.token, ReadToken(out.path));
      return out;
    }
    return IoError("cannot create " + out.path + ": " + std::strerror(link_errno));
  }
  out.created = true;
  return out;
}

}  // namespace rc::server
