// Why in-process and not `tar`: the service calls this from /api/models/clear,
// where forking a child from a multi-threaded server is fragile, and a host
// without a tar binary (a slim container) must still be able to back up. The
// ustar subset here (files + directories) is what plain `tar -xzf` reads.
#include "ml/registry/internal/tar_gz.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <vector>

namespace rc::ml::internal {
namespace fs = std::filesystem;
namespace {

void Octal(char* field, size_t width, uint64_t value) {
  // width includes the terminating NUL: width-1 zero-padded octal digits.
  field[width - 1] = '\0';
  for (size_t idx = width - 1; idx > 0; --idx) {
    field[idx - 1] = static_cast<char>('0' + (value & 7));
    value >>= 3;
  }
}

Result<std::vector<char>> Header(const std::string& name, bool is_dir, uint64_t size, int64_t mtime) {
  std::vector<char> h(512, 0);
  std::string prefix, base = name;
  if (base.size() > 100) {
    // Split at a '/' so that prefix <= 155 and name <= 100.
    size_t cut = base.rfind('/', 155);
    while (cut != std::string::npos && base.size() - cut - 1 > 100) cut = std::string::npos;
    if (cut == std::string::npos) return Unsupported("path too long for a ustar archive: " + name);
    prefix = base.substr(0, cut);
    base = base.substr(cut + 1);
  }
  std::memcpy(h.data(), base.data(), base.size());
  Octal(h.data() + 100, 8, is_dir ? 0755 : 0644);
  Octal(h.data() + 108, 8, 0);
  Octal(h.data() + 116, 8, 0);
  Octal(h.data() + 124, 12, is_dir ? 0 : size);
  Octal(h.data() + 136, 12, static_cast<uint64_t>(std::max<int64_t>(0, mtime)));
  std::memset(h.data() + 148, ' ', 8);
  h[156] = is_dir ? '5' : '0';
  std::memcpy(h.data() + 257, "ustar", 6);  // magic "ustar\0"
  std::memcpy(h.data() + 263, "00", 2);
  std::memcpy(h.data() + 345, prefix.data(), prefix.size());
  unsigned sum = 0;
  for (char c : h) sum += static_cast<unsigned char>(c);
  std::snprintf(h.data() + 148, 8, "%06o", sum);
  h[155] = ' ';
  return h;
}

}  // namespace

Status WriteTarGz(const fs::path& base, const std::string& top, const fs::path& out) {
  std::error_code ec;
  fs::path root = base / top;
  if (!fs::is_directory(root, ec)) return NotFound(root.string());
  std::vector<fs::path> entries;
  entries.push_back(root);
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (it->is_directory() || it->is_regular_file()) entries.push_back(it->path());
  }
  if (ec) return IoError("listing " + root.string() + ": " + ec.message());
  std::sort(entries.begin(), entries.end());

  fs::create_directories(out.parent_path(), ec);
  fs::path tmp = out;
  tmp += ".tmp";
  gzFile gz = gzopen(tmp.c_str(), "wb6");
  if (!gz) return IoError("creating " + tmp.string());
  auto fail = [&](const std::string& why) -> Status {
    gzclose(gz);
    fs::remove(tmp, ec);
    return IoError(why);
  };
  for (const fs::path& p : entries) {
    bool is_dir = fs::is_directory(p);
    std::string name = (fs::path(top) / fs::relative(p, root)).lexically_normal().generic_string();
    if (is_dir && name.back() != '/') name += '/';
    uint64_t size = is_dir ? 0 : fs::file_size(p, ec);
    struct stat st {};
    int64_t mtime = ::stat(p.c_str(), &st) == 0 ? st.st_mtime : 0;
    auto header = Header(name, is_dir, size, mtime);
    if (!header) {
      gzclose(gz);
      fs::remove(tmp, ec);
      return tl::unexpected(header.error());
    }
    if (gzwrite(gz, header->data(), 512) != 512) return fail("writing " + tmp.string());
    if (is_dir) continue;
    std::ifstream in(p, std::ios::binary);
    std::vector<char> buf(64 * 1024);
    uint64_t written = 0;
    while (in) {
      in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
      auto got = static_cast<unsigned>(in.gcount());
      if (got == 0) break;
      if (gzwrite(gz, buf.data(), got) != static_cast<int>(got)) return fail("writing " + tmp.string());
      written += got;
    }
    if (written != size) return fail("file changed while archiving: " + p.string());
    size_t pad = (512 - size % 512) % 512;
    std::vector<char> zeros(512, 0);
    if (pad && gzwrite(gz, zeros.data(), static_cast<unsigned>(pad)) != static_cast<int>(pad)) {
      return fail("writing " + tmp.string());
    }
  }
  std::vector<char> end(1024, 0);  // two zero blocks end the archive
  if (gzwrite(gz, end.data(), 1024) != 1024) return fail("writing " + tmp.string());
  if (gzclose(gz) != Z_OK) {
    fs::remove(tmp, ec);
    return IoError("closing " + tmp.string());
  }
  int fd = ::open(tmp.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
  fs::rename(tmp, out, ec);
  if (ec) return IoError("renaming onto " + out.string() + ": " + ec.message());
  return Ok();
}

}  // namespace rc::ml::internal
