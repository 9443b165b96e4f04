// File: server/static_site.h
//
// The built Nuxt front end (`npm run generate` output, FRONTEND_DIR) served at
// "/" as the router's fallback, so its paths never appear in /openapi.json:
//  - files with their content type; hashed bundles under /_nuxt/ are cached
//    for a year ("immutable"), HTML is "no-cache" so a deploy shows at once;
//  - a precompressed sibling (`file.gz`, written by the build) is sent with
//    Content-Encoding: gzip to clients that accept it;
//  - client-side routes (/models, /operations, ...) get the SPA shell
//    (200.html, else index.html);
//  - the service's own paths (/api, /ws, /health, /metrics, /openapi.json)
//    and missing assets stay 404, and paths escaping the directory are refused.
//
//   RC_ASSIGN_OR_RETURN(StaticSite site, StaticSite::Open(settings.frontend_dir));
//   router.SetFallback("static", [site](const Request& r) { return site.Serve(r); });
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"
#include "server/http_types.h"

namespace rc::server {

// The Content-Type for a file name's extension (application/octet-stream when unknown).
std::string_view ContentTypeForPath(std::string_view path);

class StaticSite {
 public:
  // Errors: kInvalidArgument naming FRONTEND_DIR when `dir` is not a directory
  // holding index.html (a build that did not run or went elsewhere).
  static Result<StaticSite> Open(const std::string& dir);

  // GET/HEAD of a file or client route: the response; nullopt for requests the
  // site does not answer (other methods, the service's reserved paths).
  std::optional<Response> Serve(const Request& request) const;

  const std::string& root() const { return root_; }

 private:
  explicit StaticSite(std::string root, std::string shell) : root_(std::move(root)), shell_(std::move(shell)) {}
  Response File(const std::string& absolute_path, std::string_view request_path, bool accepts_gzip) const;

  std::string root_;   // canonical absolute directory
  std::string shell_;  // the SPA shell served for client routes (200.html or index.html)
};

}  // namespace rc::server
