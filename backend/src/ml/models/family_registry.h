// File: ml/models/family_registry.h
//
// Model families by name: naive, trend, mean_reversion, ridge, gbdt (the
// per-series families), and pooled, which reads the out-of-sample forecast of
// the model trained across every series (ml/pooled/pooled_forecast.h) and is
// trained only when a Dataset carries that column.
//
//   for (const auto& name : rc::ml::FamilyNames()) { auto m = rc::ml::CreateModel(name); ... }
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "ml/models/model.h"

namespace rc::ml {

// The per-series families, in registration order (naive first: the baseline).
// "pooled" is known to IsKnownFamily/CreateModel but not listed here.
const std::vector<std::string>& FamilyNames();

bool IsKnownFamily(std::string_view name);

// A new, unfitted model. Errors: kInvalidArgument naming `field` for an unknown family.
Result<std::unique_ptr<Model>> CreateModel(std::string_view family, std::string_view field = "family");

}  // namespace rc::ml
