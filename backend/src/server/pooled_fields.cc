#include "server/pooled_fields.h"

#include "core/json_fields.h"

namespace rc::server {

Result<std::optional<ml::PooledOptions>> ParsePooledFields(const JsonFields& fields) {
  RC_ASSIGN_OR_RETURN(auto pooled, fields.OptionalBool("pooled"));
  RC_ASSIGN_OR_RETURN(auto learner, fields.OptionalString("pooled_learner"));
  if (!pooled.value_or(false)) {
    if (learner) return InvalidArgument("pooled_learner", "needs \"pooled\": true");
    return std::optional<ml::PooledOptions>();
  }
  ml::PooledOptions options;
  if (learner) options.learner = *learner;
  if (auto valid = ml::ValidatePooledOptions(options); !valid) {
    Error error = valid.error();
    if (error.field == "learner") error.field = "pooled_learner";
    return tl::unexpected(error);
  }
  return std::optional<ml::PooledOptions>(std::move(options));
}

}  // namespace rc::server
