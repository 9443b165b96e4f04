// libFuzzer target for inbound WebSocket messages (server/ws_protocol.h, the
// parsing and validation the session runs on every text frame). Any input
// must yield either an error reply naming a field, or a command whose channels
// are canonical (ParseChannel of each is itself), unique, and whose `since`
// keys are among them; every reply is valid JSON of the contract's shape.
//
//   scripts/run-fuzzers rc_ws_protocol_fuzz
#include <algorithm>
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <set>
#include <string_view>

#include "server/hub.h"
#include "server/ws_protocol.h"

namespace {

boost::json::object ParseReply(const std::string& text) {
  boost::system::error_code ec;
  boost::json::value reply = boost::json::parse(text, ec);
  if (ec || !reply.is_object() || !reply.as_object().contains("type")) __builtin_trap();
  return reply.as_object();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;  // the session refuses larger messages before parsing (1009)
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto command = rc::server::ParseWsCommand(text);
  if (!command) {
    if (command.error().field.empty() || command.error().message.empty()) __builtin_trap();
    auto reply = ParseReply(rc::server::WsErrorMessage(command.error()));
    if (reply.at("type").as_string() != "error") __builtin_trap();
    return 0;
  }
  if (command->op == rc::server::WsOp::kPing) {
    if (!command->channels.empty() || !command->since.empty()) __builtin_trap();
    ParseReply(rc::server::WsPongMessage(0));
    return 0;
  }
  if (command->channels.empty()) __builtin_trap();
  std::set<std::string> unique(command->channels.begin(), command->channels.end());
  if (unique.size() != command->channels.size()) __builtin_trap();
  for (const std::string& channel : command->channels) {
    auto again = rc::server::ParseChannel(channel);
    if (!again || *again != channel) __builtin_trap();  // canonical form is a fixed point
  }
  for (const auto& [channel, seq] : command->since) {
    if (!unique.count(channel)) __builtin_trap();
  }
  if (command->op == rc::server::WsOp::kUnsubscribe && !command->since.empty()) __builtin_trap();
  auto reply = ParseReply(rc::server::WsChannelsMessage(command->op, command->channels));
  if (reply.at("channels").as_array().size() != command->channels.size()) __builtin_trap();
  return 0;
}
