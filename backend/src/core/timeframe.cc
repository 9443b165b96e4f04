#include "core/timeframe.h"

namespace rc {

const Timeframe Timeframe::k1m{Unit::k1m};
const Timeframe Timeframe::k5m{Unit::k5m};
const Timeframe Timeframe::k15m{Unit::k15m};
const Timeframe Timeframe::k30m{Unit::k30m};
const Timeframe Timeframe::k1h{Unit::k1h};
const Timeframe Timeframe::k1d{Unit::k1d};

const std::array<Timeframe, 6>& Timeframe::All() {
  static const std::array<Timeframe, 6> all{k1m, k5m, k15m, k30m, k1h, k1d};
  return all;
}

Result<Timeframe> Timeframe::Parse(std::string_view text, std::string_view field_name) {
  for (const Timeframe& tf : All()) {
    if (tf.ToString() == text) return tf;
  }
  if (text == "60m") return k1h;
  return InvalidArgument(std::string(field_name),
                         "unknown timeframe '" + std::string(text.substr(0, 16)) +
                             "', expected one of 1m 5m 15m 30m 1h 1d");
}

std::string_view Timeframe::ToString() const {
  switch (unit_) {
    case Unit::k1m: return "1m";
    case Unit::k5m: return "5m";
    case Unit::k15m: return "15m";
    case Unit::k30m: return "30m";
    case Unit::k1h: return "1h";
    case Unit::k1d: return "1d";
  }
  return "?";
}

int64_t Timeframe::DurationSeconds() const {
  switch (unit_) {
    case Unit::k1m: return 60;
    case Unit::k5m: return 300;
    case Unit::k15m: return 900;
    case Unit::k30m: return 1800;
    case Unit::k1h: return 3600;
    case Unit::k1d: return 86400;
  }
  return 0;
}

}  // namespace rc
