// File: features/internal/core_v1.h — the "core_v1" feature set (defined in core_v1.cc).
#pragma once

#include "features/feature_set.h"

namespace rc::features::internal {

const FeatureSet& CoreV1();

}  // namespace rc::features::internal
