#include "server/internal/request_target.h"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

namespace rc::server::internal {

void ParseRequestTarget(std::string_view target, Request& request) {
  auto parsed = boost::urls::parse_origin_form(target);
  if (parsed) {
    request.path = parsed->path();  // percent-decoded
    for (const auto& param : parsed->params()) request.query[param.key] = param.value;
  } else {
    request.path = std::string(target);
  }
  if (request.path.empty()) request.path.assign(1, '/');  // (assign: GCC 12 -Wrestrict false positive on = "/")
}

}  // namespace rc::server::internal
