#include "server/static_site.h"

#include <array>
#include <filesystem>
#include <utility>

#include "core/strings.h"
#include "lake/fs.h"

namespace rc::server {
namespace {

namespace fs = std::filesystem;

constexpr std::array<std::pair<std::string_view, std::string_view>, 19> kContentTypes{{
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json"},
    {".map", "application/json"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".jpg", "image/jpeg"},
    {".jpeg", "image/jpeg"},
    {".gif", "image/gif"},
    {".webp", "image/webp"},
    {".ico", "image/x-icon"},
    {".woff", "font/woff"},
    {".woff2", "font/woff2"},
    {".txt", "text/plain; charset=utf-8"},
    {".webmanifest", "application/manifest+json"},
    {".wasm", "application/wasm"},
    {".xml", "application/xml"},
}};

// Paths that belong to the service itself: a miss there is the API's 404,
// never the front end's HTML.
bool IsReservedPath(std::string_view path) {
  for (std::string_view prefix : {"/api", "/ws", "/health", "/metrics", "/openapi.json"}) {
    if (path.substr(0, prefix.size()) == prefix && (path.size() == prefix.size() || path[prefix.size()] == '/')) {
      return true;
    }
  }
  return false;
}

// Segments of a decoded URL path; nullopt when the path could leave the root
// ("..", NUL, backslashes) or is not absolute.
std::optional<fs::path> SafeRelativePath(std::string_view path) {
  if (path.empty() || path.front() != '/') return std::nullopt;
  if (path.find('\0') != std::string_view::npos || path.find('\\') != std::string_view::npos) return std::nullopt;
  fs::path relative;
  size_t start = 1;
  while (start <= path.size()) {
    const size_t slash = path.find('/', start);
    const std::string_view segment = path.substr(start, (slash == std::string_view::npos ? path.size() : slash) - start);
    if (segment == "..") return std::nullopt;
    if (!segment.empty() && segment != ".") relative /= std::string(segment);
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return relative;
}

// Whether Accept-Encoding allows gzip (absent, or "q=0", means no).
bool AcceptsGzip(const Request& request) {
  const std::string header = AsciiLower(request.Header("accept-encoding"));
  size_t start = 0;
  while (start < header.size()) {
    const size_t comma = header.find(',', start);
    const std::string_view item = TrimAscii(std::string_view(header).substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    const size_t semicolon = item.find(';');
    const std::string_view coding = TrimAscii(item.substr(0, semicolon));
    if (coding == "gzip") {
      if (semicolon == std::string_view::npos) return true;
      const std::string_view params = TrimAscii(item.substr(semicolon + 1));
      return !(params == "q=0" || params == "q=0.0" || params == "q=0.00" || params == "q=0.000");
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return false;
}

bool IsRegularFile(const fs::path& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec);
}

// True when `candidate` (canonical) lies inside `root` (canonical): symlinks
// out of the build directory are not followed.
bool Inside(const std::string& root, const fs::path& candidate) {
  const std::string text = candidate.string();
  if (text.size() <= root.size() || text.compare(0, root.size(), root) != 0) return false;
  return root.back() == '/' || text[root.size()] == '/';
}

}  // namespace

std::string_view ContentTypeForPath(std::string_view path) {
  const size_t dot = path.rfind('.');
  const size_t slash = path.rfind('/');
  if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash)) {
    return "application/octet-stream";
  }
  const std::string extension = AsciiLower(path.substr(dot));
  for (const auto& [known, type] : kContentTypes) {
    if (extension == known) return type;
  }
  return "application/octet-stream";
}

Result<StaticSite> StaticSite::Open(const std::string& dir) {
  std::error_code ec;
  const fs::path root = fs::canonical(dir, ec);
  if (ec || !fs::is_directory(root, ec)) {
    return InvalidArgument("FRONTEND_DIR", "'" + dir + "' is not a directory (build the UI: cd frontend-nuxt && npm ci && npm run generate)");
  }
  if (!IsRegularFile(root / "index.html")) {
    return InvalidArgument("FRONTEND_DIR", "'" + dir + "' has no index.html (expected the output of `npm run generate`)");
  }
  const std::string shell = IsRegularFile(root / "200.html") ? "200.html" : "index.html";
  return StaticSite(root.string(), (root / shell).string());
}

std::optional<Response> StaticSite::Serve(const Request& request) const {
  if (request.method != "GET" && request.method != "HEAD") return std::nullopt;
  if (IsReservedPath(request.path)) return std::nullopt;
  const std::optional<fs::path> relative = SafeRelativePath(request.path);
  if (!relative) {
    return ErrorResponse(Error{ErrorCode::kNotFound, "no such file: " + request.path, "path"});
  }
  fs::path candidate = fs::path(root_) / *relative;
  std::error_code ec;
  if (fs::is_directory(candidate, ec)) candidate /= "index.html";
  if (IsRegularFile(candidate)) {
    const fs::path resolved = fs::canonical(candidate, ec);
    if (ec || !Inside(root_, resolved)) {
      return ErrorResponse(Error{ErrorCode::kNotFound, "no such file: " + request.path, "path"});
    }
    return File(resolved.string(), request.path, AcceptsGzip(request));
  }
  // A missing asset (a stale /_nuxt/ bundle, /favicon.ico: a file type we
  // serve) is a 404: answering HTML there would break the page in confusing
  // ways. Other names, dots included (/market/TCS.NS), are client routes.
  const std::string last = relative->filename().string();
  if (ContentTypeForPath(last) != "application/octet-stream" || request.path.rfind("/_nuxt/", 0) == 0) {
    return ErrorResponse(Error{ErrorCode::kNotFound, "no such file: " + request.path, "path"});
  }
  return File(shell_, request.path, AcceptsGzip(request));
}

Response StaticSite::File(const std::string& absolute_path, std::string_view request_path, bool accepts_gzip) const {
  Response response;
  response.content_type = std::string(ContentTypeForPath(absolute_path));
  // The build writes file.gz beside each compressible asset (the ~400 KB of
  // JS become ~140 KB on the wire); like the original, it must resolve inside
  // the directory.
  std::string gzipped = absolute_path + ".gz";
  bool send_gzip = false;
  if (accepts_gzip && IsRegularFile(gzipped)) {
    std::error_code ec;
    const fs::path resolved = fs::canonical(gzipped, ec);
    send_gzip = !ec && Inside(root_, resolved);
    gzipped = resolved.string();
  }
  auto content = lake::LocalFileSystem().ReadFile(send_gzip ? gzipped : absolute_path);
  if (!content) return ErrorResponse(content.error());
  response.body = std::move(*content);
  if (send_gzip) response.headers.emplace_back("Content-Encoding", "gzip");
  response.headers.emplace_back("Vary", "Accept-Encoding");
  // Nuxt names /_nuxt/ bundles by content hash, so they can be cached forever;
  // everything else (the HTML shell above all, and the build manifest under
  // /_nuxt/builds/ that names the current build) must be revalidated.
  const bool hashed_asset = request_path.rfind("/_nuxt/", 0) == 0 && request_path.rfind("/_nuxt/builds/", 0) != 0 &&
                            !response.content_type.starts_with("text/html");
  response.headers.emplace_back("Cache-Control", hashed_asset ? "public, max-age=31536000, immutable" : "no-cache");
  response.headers.emplace_back("X-Content-Type-Options", "nosniff");
  return response;
}

}  // namespace rc::server
