// Factories of the model families; each is defined in its family's file.
#pragma once

#include <memory>

#include "ml/models/model.h"

namespace rc::ml::internal {

std::unique_ptr<Model> MakeNaiveModel();
std::unique_ptr<Model> MakeTrendModel();
std::unique_ptr<Model> MakeMeanReversionModel();
std::unique_ptr<Model> MakeRidgeModel();
std::unique_ptr<Model> MakeGbdtModel();
std::unique_ptr<Model> MakePooledModel();

}  // namespace rc::ml::internal
