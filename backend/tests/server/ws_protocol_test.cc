#include "server/ws_protocol.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace rc::server {
namespace {

// The brief's contract messages, as a client sends them in one session.
TEST(WsProtocolTest, ContractMessagesParseToCanonicalCommands) {
  auto subscribe = ParseWsCommand(
      R"({"op":"subscribe","channels":["bars:TCS.NS:5m","predictions:tcs.ns:5m","regime:TCS.NS:5m","bars:TCS.NS:5m"],
          "since":{"bars:TCS.NS:5m":41,"predictions:TCS.NS:5m":0}})");
  ASSERT_TRUE(subscribe.has_value()) << subscribe.error().ToString();
  EXPECT_EQ(subscribe->op, WsOp::kSubscribe);
  EXPECT_EQ(subscribe->channels,
            (std::vector<std::string>{"bars:TCS.NS:5m", "predictions:TCS.NS:5m", "regime:TCS.NS:5m"}));
  EXPECT_EQ(subscribe->since, (std::map<std::string, uint64_t>{{"bars:TCS.NS:5m", 41}, {"predictions:TCS.NS:5m", 0}}));
  EXPECT_EQ(WsChannelsMessage(subscribe->op, subscribe->channels),
            R"({"type":"subscribed","channels":["bars:TCS.NS:5m","predictions:TCS.NS:5m","regime:TCS.NS:5m"]})");
  // The server's heartbeat interval rides on the subscribe reply only.
  EXPECT_EQ(WsChannelsMessage(subscribe->op, {"bars:TCS.NS:5m"}, 20),
            R"({"type":"subscribed","channels":["bars:TCS.NS:5m"],"heartbeat_seconds":20})");

  auto ping = ParseWsCommand(R"({"op":"ping"})");
  ASSERT_TRUE(ping.has_value());
  EXPECT_EQ(ping->op, WsOp::kPing);
  EXPECT_EQ(WsPongMessage(1'764'900'000'000'000), R"({"type":"pong","ts":"2025-12-05T02:00:00Z"})");

  auto unsubscribe = ParseWsCommand(R"({"op":"unsubscribe","channels":["regime:TCS.NS:5m"]})");
  ASSERT_TRUE(unsubscribe.has_value());
  EXPECT_EQ(unsubscribe->op, WsOp::kUnsubscribe);
  EXPECT_TRUE(unsubscribe->since.empty());
  EXPECT_EQ(WsChannelsMessage(unsubscribe->op, unsubscribe->channels),
            R"({"type":"unsubscribed","channels":["regime:TCS.NS:5m"]})");
  EXPECT_EQ(WsChannelsMessage(unsubscribe->op, unsubscribe->channels, 20),
            R"({"type":"unsubscribed","channels":["regime:TCS.NS:5m"]})");
}

TEST(WsProtocolTest, InvalidMessagesNameTheFieldAndWhy) {
  struct Case {
    const char* text;
    ErrorCode code;
    const char* field;
  };
  for (const Case& c : std::vector<Case>{
           {"not json", ErrorCode::kMalformed, "message"},
           {"[1,2]", ErrorCode::kMalformed, "message"},
           {R"({"channels":[]})", ErrorCode::kInvalidArgument, "op"},
           {R"({"op":7})", ErrorCode::kInvalidArgument, "op"},
           {R"({"op":"publish","channels":["bars:TCS.NS:5m"]})", ErrorCode::kInvalidArgument, "op"},
           {R"({"op":"subscribe"})", ErrorCode::kInvalidArgument, "channels"},
           {R"({"op":"subscribe","channels":[]})", ErrorCode::kInvalidArgument, "channels"},
           {R"({"op":"subscribe","channels":"bars:TCS.NS:5m"})", ErrorCode::kInvalidArgument, "channels"},
           {R"({"op":"subscribe","channels":["bars:TCS.NS:5m",3]})", ErrorCode::kInvalidArgument, "channels[1]"},
           {R"({"op":"subscribe","channels":["trades:TCS.NS:5m"]})", ErrorCode::kInvalidArgument, "channels[0]"},
           {R"({"op":"subscribe","channels":["bars:../x:5m"]})", ErrorCode::kInvalidArgument, "channels[0]"},
           {R"({"op":"subscribe","channels":["bars:TCS.NS:7m"]})", ErrorCode::kInvalidArgument, "channels[0]"},
           {R"({"op":"subscribe","channels":["bars:TCS.NS:5m"],"since":[41]})", ErrorCode::kInvalidArgument, "since"},
           {R"({"op":"subscribe","channels":["bars:TCS.NS:5m"],"since":{"bars:TCS.NS:5m":-1}})",
            ErrorCode::kInvalidArgument, "since.bars:TCS.NS:5m"},
           {R"({"op":"subscribe","channels":["bars:TCS.NS:5m"],"since":{"bars:TCS.NS:5m":1.5}})",
            ErrorCode::kInvalidArgument, "since.bars:TCS.NS:5m"},
           {R"({"op":"subscribe","channels":["bars:TCS.NS:5m"],"since":{"regime:TCS.NS:5m":3}})",
            ErrorCode::kInvalidArgument, "since.regime:TCS.NS:5m"},
           {R"({"op":"subscribe","channels":["bars:TCS.NS:5m"],"since":{"nope":3}})", ErrorCode::kInvalidArgument,
            "since.nope"},
           {R"({"op":"unsubscribe","channels":["bars:TCS.NS:5m"],"since":{}})", ErrorCode::kInvalidArgument, "since"},
           {R"({"op":"subscribe","channel":["bars:TCS.NS:5m"]})", ErrorCode::kInvalidArgument, "channel"},
           {R"({"op":"ping","channels":["bars:TCS.NS:5m"]})", ErrorCode::kInvalidArgument, "channels"},
       }) {
    auto parsed = ParseWsCommand(c.text);
    ASSERT_FALSE(parsed.has_value()) << c.text;
    EXPECT_EQ(parsed.error().code, c.code) << c.text;
    EXPECT_EQ(parsed.error().field, c.field) << c.text << " -> " << parsed.error().ToString();
    EXPECT_FALSE(parsed.error().message.empty());
    // The reply is the contract's error message, valid JSON naming the field.
    const auto reply = boost::json::parse(WsErrorMessage(parsed.error())).as_object();
    EXPECT_EQ(reply.at("type").as_string(), "error");
    EXPECT_EQ(reply.at("error").at("field").as_string(), c.field);
  }
}

TEST(WsProtocolTest, LargeSequenceNumbersAndNullSinceAreAccepted) {
  auto parsed = ParseWsCommand(
      R"({"op":"subscribe","channels":["bars:TCS.NS:5m"],"since":{"bars:tcs.ns:5m":18446744073709551615}})");
  ASSERT_TRUE(parsed.has_value()) << parsed.error().ToString();
  EXPECT_EQ(parsed->since.at("bars:TCS.NS:5m"), 18446744073709551615ull);
  auto null_since = ParseWsCommand(R"({"op":"subscribe","channels":["bars:TCS.NS:5m"],"since":null})");
  ASSERT_TRUE(null_since.has_value());
  EXPECT_TRUE(null_since->since.empty());
}

}  // namespace
}  // namespace rc::server
