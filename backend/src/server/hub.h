// File: server/hub.h
//
// The websocket hub: channel -> subscribed sessions. Channels are
// "bars:SYMBOL:TF", "predictions:SYMBOL:TF" and "regime:SYMBOL:TF".
// Publish() serialises a message once into a shared immutable buffer and hands
// it to each subscriber outside the hub lock; each session queues it in its own
// bounded send queue (a slow client is dropped, never the server). Beast stays
// inside server/internal; this header is plain C++.
//
//   hub.Publish("regime:TCS.NS:5m", R"({"type":"regime","channel":"regime:TCS.NS:5m","data":{...}})");
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace rc::server {

namespace internal {
class WsSession;
}

// Validates and canonicalises a channel name ("regime:tcs.ns:5m" -> "regime:TCS.NS:5m").
// Errors: kInvalidArgument naming `field` (kind, symbol or timeframe explained).
Result<std::string> ParseChannel(std::string_view text, std::string_view field = "channel");

struct HubOptions {
  int heartbeat_seconds = 20;        // WS_HEARTBEAT_INTERVAL
  size_t send_queue_limit = 256;     // WS_SEND_QUEUE_LIMIT: queued messages before a slow client is dropped
  int rate_limit_per_second = 20;    // WS_RATE_LIMIT_PER_SECOND: inbound messages per client
  int max_connections = 1000;        // WS_MAX_CONNECTIONS
  size_t max_channels_per_client = 64;
};

class Hub {
 public:
  explicit Hub(HubOptions options) : options_(options) {}

  const HubOptions& options() const { return options_; }

  // Sends `message` (a complete JSON text) to every subscriber of `channel`.
  // Returns how many sessions it was queued for. Thread-safe.
  size_t Publish(const std::string& channel, std::string message);

  size_t connections() const { return connections_.load(); }
  size_t subscribers(const std::string& channel) const;

  // --- used by sessions (server/internal) ---
  // Reserves a connection slot; false when WS_MAX_CONNECTIONS are open.
  bool TryAdmit();
  void Release();
  void Subscribe(const std::shared_ptr<internal::WsSession>& session, const std::string& channel);
  void Unsubscribe(const internal::WsSession* session, const std::string& channel);
  void RemoveSession(const internal::WsSession* session);
  // Registers a session for CloseAll.
  void Track(const std::shared_ptr<internal::WsSession>& session);
  // Closes every session with 1001 (going away); new upgrades are refused after it.
  void CloseAll();
  bool closing() const { return closing_.load(); }

 private:
  HubOptions options_;
  mutable std::mutex mutex_;
  std::map<std::string, std::vector<std::weak_ptr<internal::WsSession>>> channels_;
  std::vector<std::weak_ptr<internal::WsSession>> sessions_;
  std::atomic<size_t> connections_{0};
  std::atomic<bool> closing_{false};
};

}  // namespace rc::server
