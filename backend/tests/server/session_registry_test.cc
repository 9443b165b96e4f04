// The registry of live HTTP sessions. A session removes itself from its
// destructor; the registry once held a session's last reference while it was
// locked (in Remove's scan), and when another thread dropped its reference at
// that moment the destructor's Remove waited on the same mutex forever: the
// accept thread then blocked in Add and the server took no new connection
// (tests/system/test_ws_load.py hung about one run in six).
#include "server/internal/http_session.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace rc::server::internal {
namespace {

std::shared_ptr<HttpSession> NewSession(net::io_context& ioc, const SessionConfig& config) {
  return std::make_shared<HttpSession>(tcp::socket(ioc), config, /*on_pool=*/true);
}

TEST(SessionRegistryTest, SessionsLeaveTheRegistryWhenDestroyed) {
  net::io_context ioc;
  SessionRegistry registry;
  SessionConfig config;
  config.registry = &registry;
  auto first = NewSession(ioc, config);
  auto second = NewSession(ioc, config);
  registry.Add(first);
  registry.Add(second);
  EXPECT_EQ(registry.size(), 2u);
  first.reset();
  EXPECT_EQ(registry.size(), 1u);
  registry.ShutdownAll();  // posts a close to the one alive session; none has run yet
  second.reset();
  EXPECT_EQ(registry.size(), 1u) << "the posted close still holds the session";
  ioc.run();  // the close runs and lets go of it
  EXPECT_EQ(registry.size(), 0u);
}

// Two threads: one creates sessions, registers them and destroys half of them
// itself (its destructors call Remove); the other destroys the rest, handed
// over through a queue, at the same time. Every destruction may race with
// another thread's Remove. Bounded: a deadlock fails the test after 60 s.
TEST(SessionRegistryTest, DestroyingSessionsOnTwoThreadsNeverDeadlocks) {
  // Leaked on purpose when the test fails: the stuck threads still use them.
  auto* ioc = new net::io_context;
  auto* registry = new SessionRegistry;
  auto* config = new SessionConfig;
  config->registry = registry;
  auto* handoff_mutex = new std::mutex;
  auto* handoff = new std::deque<std::shared_ptr<HttpSession>>;
  auto* producer_done = new std::atomic<bool>(false);
  constexpr int kSessions = 40'000;

  std::packaged_task<void()> produce([&] {
    for (int i = 0; i < kSessions; ++i) {
      auto kept = NewSession(*ioc, *config);
      auto handed = NewSession(*ioc, *config);
      registry->Add(kept);
      registry->Add(handed);
      {
        std::lock_guard lock(*handoff_mutex);
        handoff->push_back(std::move(handed));
      }
      kept.reset();  // Remove on this thread while the other one destroys
    }
    producer_done->store(true);
  });
  std::packaged_task<void()> consume([&] {
    for (;;) {
      std::shared_ptr<HttpSession> last;
      {
        std::lock_guard lock(*handoff_mutex);
        if (!handoff->empty()) {
          last = std::move(handoff->front());
          handoff->pop_front();
        } else if (producer_done->load()) {
          return;
        }
      }
      last.reset();  // the last reference: the destructor runs here
    }
  });
  auto produced = produce.get_future();
  auto consumed = consume.get_future();
  std::thread producer(std::move(produce));
  std::thread consumer(std::move(consume));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  const bool finished = produced.wait_until(deadline) == std::future_status::ready &&
                        consumed.wait_until(deadline) == std::future_status::ready;
  if (!finished) {
    producer.detach();
    consumer.detach();
    FAIL() << "sessions destroyed on two threads deadlocked in the registry";
  }
  producer.join();
  consumer.join();
  EXPECT_EQ(registry->size(), 0u);
  delete handoff;
  delete handoff_mutex;
  delete config;
  delete registry;
  delete ioc;
  delete producer_done;
}

}  // namespace
}  // namespace rc::server::internal
