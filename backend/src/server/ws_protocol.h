// File: server/ws_protocol.h
//
// The websocket client protocol without Beast: parsing and validating one
// inbound text message into a command, and the JSON text of the replies. The
// session (server/internal/ws_session.cc) applies the command; tests and the
// fuzzer (backend/fuzz/ws_protocol_fuzz.cc) drive these functions directly.
//
//   {"op":"subscribe","channels":["bars:TCS.NS:5m"],"since":{"bars:TCS.NS:5m":41}}
//   {"op":"unsubscribe","channels":["bars:TCS.NS:5m"]}
//   {"op":"ping"}
//
//   auto command = ParseWsCommand(text);
//   if (!command) send(WsErrorMessage(command.error()));
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace rc::server {

enum class WsOp { kPing, kSubscribe, kUnsubscribe };

struct WsCommand {
  WsOp op = WsOp::kPing;
  // Canonical channel names (ParseChannel), in the client's order, each once.
  std::vector<std::string> channels;
  // subscribe only: the last sequence number the client saw per channel (a
  // resume); every key is one of `channels`.
  std::map<std::string, uint64_t> since;
};

// Validates a whole message before anything changes (all or nothing).
// Errors: kMalformed (field "message") when it is not a JSON object;
// kInvalidArgument naming the field: "op", "channels", "channels[i]",
// "since", "since.<channel>", or an unknown top-level field.
Result<WsCommand> ParseWsCommand(std::string_view text);

// {"type":"error","error":{"code","message","field"?}}
std::string WsErrorMessage(const Error& error);
// {"type":"pong","ts":ISO}
std::string WsPongMessage(int64_t now_us);
// {"type":"subscribed"|"unsubscribed","channels":[...]}; a "subscribed" reply
// also says the server's heartbeat interval when `heartbeat_seconds` > 0
// ("heartbeat_seconds":N), so clients time their watchdog by the server.
std::string WsChannelsMessage(WsOp op, const std::vector<std::string>& channels, int heartbeat_seconds = 0);
// {"type":"reset","channel":C,"seq":N}: the client missed more than the replay
// buffer holds (or numbers from another server life); N is the channel's last
// seq, the next message is N + 1. Re-fetch over REST.
std::string WsResetMessage(const std::string& channel, uint64_t seq);

}  // namespace rc::server
