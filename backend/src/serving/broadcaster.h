// File: serving/broadcaster.h
//
// Where the serving layer sends what it produced (bars, regimes, predictions)
// for live subscribers, without knowing about websockets: the server's hub
// (server/hub.h) implements it; tests use a recording one.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace rc::serving {

class Broadcaster {
 public:
  virtual ~Broadcaster() = default;
  // Publishes `data_json` (a complete JSON value, the same object REST returns
  // for the same thing) as a message of `type` ("bar", "prediction",
  // "regime") on `channel` ("predictions:TCS.NS:5m"). Returns the number of
  // subscribers it was queued for. Thread-safe.
  virtual size_t Publish(const std::string& channel, std::string_view type, std::string_view data_json) = 0;
};

// "predictions:TCS.NS:5m" and the like: the channel of `kind` for a series.
inline std::string ChannelName(std::string_view kind, const std::string& symbol, std::string_view timeframe) {
  return std::string(kind) + ":" + symbol + ":" + std::string(timeframe);
}

}  // namespace rc::serving
