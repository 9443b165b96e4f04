#include "data/providers/demo_sample.h"

#include <cstdlib>
#include <spdlog/spdlog.h>

#include "data/internal/embedded_sample.h"

namespace rc::data {

const DemoSample& ShippedSample() {
  static const DemoSample sample = [] {
    for (const auto& [name, text] : internal::EmbeddedSampleFiles()) {
      if (name == "TCS.csv") return DemoSample{name, *Symbol::Parse("TCS.NS"), Timeframe::k5m, text};
    }
    spdlog::critical("the build embedded no backend/data/sample/TCS.csv");
    std::abort();
  }();
  return sample;
}

}  // namespace rc::data
