#include "server/ws_protocol.h"

#include <algorithm>
#include <boost/json.hpp>

#include "core/json_text.h"
#include "core/time.h"
#include "server/hub.h"

namespace rc::server {
namespace {

constexpr const char* kOpHint = "must be subscribe, unsubscribe or ping";

Result<std::vector<std::string>> ParseChannels(const boost::json::object& message) {
  const auto* channels = message.if_contains("channels");
  if (channels == nullptr || !channels->is_array() || channels->as_array().empty()) {
    return InvalidArgument("channels", "must be a non-empty array of channel names");
  }
  std::vector<std::string> canonical;
  for (size_t idx = 0; idx < channels->as_array().size(); ++idx) {
    const auto& item = channels->as_array()[idx];
    const std::string field = "channels[" + std::to_string(idx) + "]";
    if (!item.is_string()) return InvalidArgument(field, "must be a string");
    RC_ASSIGN_OR_RETURN(std::string channel, ParseChannel(item.as_string(), field));
    if (std::find(canonical.begin(), canonical.end(), channel) == canonical.end()) {
      canonical.push_back(std::move(channel));
    }
  }
  return canonical;
}

Result<std::map<std::string, uint64_t>> ParseSince(const boost::json::value& since,
                                                   const std::vector<std::string>& channels) {
  if (!since.is_object()) return InvalidArgument("since", "must be an object of channel -> last sequence number seen");
  std::map<std::string, uint64_t> out;
  for (const auto& [key, value] : since.as_object()) {
    const std::string field = "since." + std::string(key.substr(0, 100));
    RC_ASSIGN_OR_RETURN(std::string channel, ParseChannel(key, field));
    if (std::find(channels.begin(), channels.end(), channel) == channels.end()) {
      return InvalidArgument(field, "names a channel that is not in this message's channels");
    }
    if (value.is_uint64()) {
      out[channel] = value.as_uint64();
    } else if (value.is_int64() && value.as_int64() >= 0) {
      out[channel] = static_cast<uint64_t>(value.as_int64());
    } else {
      return InvalidArgument(field, "must be a non-negative integer (the last sequence number seen)");
    }
  }
  return out;
}

}  // namespace

Result<WsCommand> ParseWsCommand(std::string_view text) {
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(text, ec);
  if (ec || !value.is_object()) return Malformed("messages must be JSON objects", "message");
  const auto& message = value.as_object();
  const auto* op = message.if_contains("op");
  if (op == nullptr || !op->is_string()) return InvalidArgument("op", kOpHint);
  WsCommand command;
  if (op->as_string() == "ping") {
    command.op = WsOp::kPing;
  } else if (op->as_string() == "subscribe") {
    command.op = WsOp::kSubscribe;
  } else if (op->as_string() == "unsubscribe") {
    command.op = WsOp::kUnsubscribe;
  } else {
    return InvalidArgument("op", kOpHint);
  }
  for (const auto& [key, unused] : message) {
    const bool known = key == "op" || (command.op != WsOp::kPing && key == "channels") ||
                       (command.op == WsOp::kSubscribe && key == "since");
    if (!known) {
      const std::string what = "is not a field of a " + std::string(op->as_string()) + " message";
      if (key.empty()) return InvalidArgument("message", "the empty field name " + what);
      return InvalidArgument(std::string(key.substr(0, 100)), what);
    }
  }
  if (command.op == WsOp::kPing) return command;
  RC_ASSIGN_OR_RETURN(command.channels, ParseChannels(message));
  if (const auto* since = message.if_contains("since"); since != nullptr && !since->is_null()) {
    RC_ASSIGN_OR_RETURN(command.since, ParseSince(*since, command.channels));
  }
  return command;
}

std::string WsErrorMessage(const Error& error) {
  boost::json::object err{{"code", ErrorCodeName(error.code)}, {"message", error.message}};
  if (!error.field.empty()) err["field"] = error.field;
  return JsonText(boost::json::object{{"type", "error"}, {"error", std::move(err)}});
}

std::string WsPongMessage(int64_t now_us) {
  return JsonText(boost::json::object{{"type", "pong"}, {"ts", FormatIsoUtc(now_us)}});
}

std::string WsChannelsMessage(WsOp op, const std::vector<std::string>& channels, int heartbeat_seconds) {
  boost::json::array names;
  for (const std::string& channel : channels) names.push_back(boost::json::string(channel));
  boost::json::object reply{{"type", op == WsOp::kUnsubscribe ? "unsubscribed" : "subscribed"},
                            {"channels", std::move(names)}};
  if (op == WsOp::kSubscribe && heartbeat_seconds > 0) reply["heartbeat_seconds"] = heartbeat_seconds;
  return JsonText(reply);
}

std::string WsResetMessage(const std::string& channel, uint64_t seq) {
  return JsonText(boost::json::object{{"type", "reset"}, {"channel", channel}, {"seq", seq}});
}

}  // namespace rc::server
