// JSON file helpers shared by the model families and the registry (typed
// field readers: core/json_fields.h).
#pragma once

#include <Eigen/Dense>
#include <boost/json.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "core/error.h"

namespace rc::ml::internal {

// Writes `text` to `path` atomically: a temp file in the same directory,
// fsync, rename over `path`, fsync of the directory. Creates parent directories.
Status WriteFileAtomic(const std::filesystem::path& path, const std::string& text);
Status WriteJsonFile(const std::filesystem::path& path, const boost::json::value& value);
Result<std::string> ReadWholeFile(const std::filesystem::path& path);
Result<boost::json::value> ReadJsonFile(const std::filesystem::path& path);

boost::json::array ToJsonArray(const Eigen::VectorXd& v);
Result<Eigen::VectorXd> VectorFromJson(const boost::json::value& v, const std::string& where);
// Boost.JSON 1.81's parser may round a double by one ulp, so state that must
// reload bit-for-bit (model parameters) is stored as "%.17g" strings; the
// readers (rc::JsonFields::RequiredNumber, rc::JsonNumberOrNaN in
// core/json_fields.h, VectorFromJson) accept either a number or such a string.
boost::json::value ExactNumber(double v);
boost::json::array ExactArray(const Eigen::VectorXd& v);
// JSON has no NaN/inf: they are written as null and read back as NaN.
boost::json::value NumberOrNull(double v);

}  // namespace rc::ml::internal
