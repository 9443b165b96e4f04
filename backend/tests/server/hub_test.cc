// The hub's numbering and catch-up: every channel counts its own messages from
// 1, and a client that resumes gets exactly what it missed (or a reset when it
// is older than the replay buffer). Delivery to live sockets is tested black-box
// in tests/system/test_websocket.py.
#include "server/hub.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace rc::server {
namespace {

std::vector<std::string> Texts(const Catchup& catchup) {
  std::vector<std::string> out;
  for (const auto& message : catchup.missed) out.push_back(*message);
  return out;
}

std::string Message(const std::string& channel, uint64_t seq, const std::string& data) {
  return R"({"type":"bar","channel":")" + channel + R"(","seq":)" + std::to_string(seq) + R"(,"data":)" + data + "}";
}

TEST(HubTest, ChannelsNumberTheirOwnMessagesFromOne) {
  Hub hub(HubOptions{});
  EXPECT_EQ(hub.LastSeq("bars:TCS.NS:5m"), 0u);
  EXPECT_EQ(hub.Publish("bars:TCS.NS:5m", "bar", R"({"close":1})"), 0u);  // nobody listens: kept for resumes
  hub.Publish("bars:TCS.NS:5m", "bar", R"({"close":2})");
  hub.Publish("bars:INFY.NS:5m", "bar", R"({"close":3})");
  EXPECT_EQ(hub.LastSeq("bars:TCS.NS:5m"), 2u);
  EXPECT_EQ(hub.LastSeq("bars:INFY.NS:5m"), 1u);
}

TEST(HubTest, AResumingClientGetsExactlyWhatItMissedInOrder) {
  Hub hub(HubOptions{});
  const std::string channel = "bars:TCS.NS:5m";
  for (int idx = 1; idx <= 5; ++idx) hub.Publish(channel, "bar", "{\"n\":" + std::to_string(idx) + "}");
  const Catchup from_two = hub.Subscribe(nullptr, channel, 2);
  EXPECT_FALSE(from_two.reset_to.has_value());
  EXPECT_EQ(Texts(from_two),
            (std::vector<std::string>{Message(channel, 3, R"({"n":3})"), Message(channel, 4, R"({"n":4})"),
                                      Message(channel, 5, R"({"n":5})")}));
  EXPECT_TRUE(hub.Subscribe(nullptr, channel, 5).missed.empty());       // up to date
  EXPECT_TRUE(hub.Subscribe(nullptr, channel, std::nullopt).missed.empty());  // a new client: live only
  EXPECT_EQ(hub.Subscribe(nullptr, channel, 0).missed.size(), 5u);      // "saw nothing yet": everything kept
}

TEST(HubTest, ClientsOlderThanTheBufferOrFromAnotherServerLifeGetAReset) {
  HubOptions options;
  options.replay_buffer = 3;
  Hub hub(options);
  const std::string channel = "regime:TCS.NS:5m";
  for (int idx = 1; idx <= 10; ++idx) hub.Publish(channel, "regime", "{}");
  const Catchup too_old = hub.Subscribe(nullptr, channel, 6);  // 7 is gone, 8..10 kept
  ASSERT_TRUE(too_old.reset_to.has_value());
  EXPECT_EQ(*too_old.reset_to, 10u);
  EXPECT_TRUE(too_old.missed.empty());
  const Catchup just_in = hub.Subscribe(nullptr, channel, 7);  // needs 8..10: all kept
  EXPECT_FALSE(just_in.reset_to.has_value());
  EXPECT_EQ(just_in.missed.size(), 3u);
  const Catchup future = hub.Subscribe(nullptr, channel, 99);  // numbers this server never issued
  ASSERT_TRUE(future.reset_to.has_value());
  EXPECT_EQ(*future.reset_to, 10u);
}

TEST(HubTest, ConcurrentPublishersNeverShareOrSkipANumber) {
  Hub hub(HubOptions{.replay_buffer = 4000});
  const std::string channel = "predictions:TCS.NS:5m";
  std::vector<std::thread> publishers;
  for (int thread = 0; thread < 4; ++thread) {
    publishers.emplace_back([&] {
      for (int idx = 0; idx < 1000; ++idx) hub.Publish(channel, "prediction", "{}");
    });
  }
  for (auto& publisher : publishers) publisher.join();
  EXPECT_EQ(hub.LastSeq(channel), 4000u);
  const Catchup all = hub.Subscribe(nullptr, channel, 0);
  ASSERT_EQ(all.missed.size(), 4000u);
  for (size_t idx = 0; idx < all.missed.size(); ++idx) {
    EXPECT_NE(all.missed[idx]->find("\"seq\":" + std::to_string(idx + 1) + ","), std::string::npos) << idx;
  }
}

TEST(HubTest, ChannelNamesAreValidatedAndCanonical) {
  EXPECT_EQ(*ParseChannel("bars:tcs.ns:5m"), "bars:TCS.NS:5m");
  EXPECT_FALSE(ParseChannel("weather:TCS.NS:5m").has_value());
  EXPECT_FALSE(ParseChannel("bars:../x:5m").has_value());
  EXPECT_FALSE(ParseChannel("bars:TCS.NS").has_value());
}

}  // namespace
}  // namespace rc::server
