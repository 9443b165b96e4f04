// File: server/hub.h
//
// The websocket hub: channel -> subscribed sessions, with a sequence number per
// channel and a bounded replay buffer so a client that reconnects gets what it
// missed. Channels are "bars:SYMBOL:TF", "predictions:SYMBOL:TF" and
// "regime:SYMBOL:TF"; every pushed message is
//   {"type":"bar"|"prediction"|"regime","channel":C,"seq":N,"data":{...}}
// with N = 1, 2, 3 ... per channel. Publish() builds the text once into a shared
// immutable buffer and queues it on each subscriber (each session has its own
// bounded send queue: a slow client is dropped, never the server). The channel's
// lock is held while a message is numbered and queued, so every subscriber sees
// a channel's messages in seq order even when several threads publish to it.
// Beast stays inside server/internal; this header is plain C++.
//
//   hub.Publish("regime:TCS.NS:5m", "regime", R"({"ts":"...","state":"volatile","confidence":0.8})");
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/mutex.h"
#include "serving/broadcaster.h"
#include "server/weak_set.h"

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
  size_t replay_buffer = 256;        // messages kept per channel for clients that resume
};

using SharedText = std::shared_ptr<const std::string>;

// What a (re)subscribing client is owed before live messages: the messages it
// missed, or a reset when they are older than the replay buffer.
struct Catchup {
  std::vector<SharedText> missed;    // in seq order
  std::optional<uint64_t> reset_to;  // set: too far behind; the channel's current seq
};

class Hub : public serving::Broadcaster {
 public:
  explicit Hub(HubOptions options) : options_(options) {}

  const HubOptions& options() const { return options_; }

  // Numbers `data_json` (a complete JSON value) as the channel's next message of
  // `type` and queues it for every subscriber of `channel` (canonical name).
  // Returns how many sessions it was queued for. Thread-safe.
  size_t Publish(const std::string& channel, std::string_view type, std::string_view data_json) override;

  // The channel's last sequence number (0 before the first message).
  uint64_t LastSeq(const std::string& channel) const;

  size_t connections() const { return connections_.load(); }
  size_t subscribers(const std::string& channel) const;

  // --- used by sessions (server/internal) ---
  // Reserves a connection slot; false when WS_MAX_CONNECTIONS are open.
  bool TryAdmit();
  void Release();
  // Adds `session` to `channel` and returns what it missed after `since` (its
  // last seen seq; none: nothing is replayed). Atomic with Publish: a message is
  // either in the catch-up or delivered live, never both, never neither.
  Catchup Subscribe(const std::shared_ptr<internal::WsSession>& session, const std::string& channel,
                    std::optional<uint64_t> since);
  void Unsubscribe(const internal::WsSession* session, const std::string& channel);
  // Forgets a session that is going away: its entry for CloseAll and its place
  // in each of `channels` (the ones it subscribed to), in one step each.
  void RemoveSession(const internal::WsSession* session, const std::set<std::string>& channels);
  // Registers a session for CloseAll.
  void Track(const std::shared_ptr<internal::WsSession>& session);
  // Closes every session with 1001 (going away); new upgrades are refused after it.
  void CloseAll();
  bool closing() const { return closing_.load(); }

 private:
  // Sessions as the hub holds them: weakly (a closed session goes away on its
  // own), by address. The hub never lets a strong reference end while it holds
  // one of its locks: the last one released there would run the session's
  // destructor, which calls back into the hub.
  using Members = WeakSet<internal::WsSession>;
  struct Channel {
    Mutex mutex;  // guards everything below; held while numbering and queueing
    uint64_t seq RC_GUARDED_BY(mutex) = 0;
    std::deque<SharedText> recent RC_GUARDED_BY(mutex);  // the last `replay_buffer` messages, seq - recent.size() + 1 .. seq
    Members sessions RC_GUARDED_BY(mutex);
  };
  // The channel's state, created on first use; null from Find when absent.
  // A channel nobody listens to and nothing was published on is dropped again,
  // so clients cannot grow the map by subscribing to made-up series.
  std::shared_ptr<Channel> ChannelFor(const std::string& name) RC_EXCLUDES(mutex_);
  std::shared_ptr<Channel> FindChannel(const std::string& name) const RC_EXCLUDES(mutex_);
  void DropIfUnused(const std::string& name) RC_EXCLUDES(mutex_);

  HubOptions options_;
  // Guards channels_ (the map, not the channels) and sessions_; taken before a channel's mutex.
  mutable Mutex mutex_;
  std::map<std::string, std::shared_ptr<Channel>> channels_ RC_GUARDED_BY(mutex_);
  Members sessions_ RC_GUARDED_BY(mutex_);
  std::atomic<size_t> connections_{0};
  std::atomic<bool> closing_{false};
};

}  // namespace rc::server
