// WeakSet: what the hub's subscriber lists rely on. Entries are held weakly,
// removal by address is exact whatever the position, expired entries are
// dropped by the walk, and the walk is the only place a strong reference is made.
#include "server/weak_set.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <random>
#include <set>
#include <vector>

namespace rc::server {
namespace {

struct Session {
  int id;
};

std::set<int> LiveIds(WeakSet<Session>& set) {
  std::set<int> ids;
  set.ForEachLive([&](std::shared_ptr<Session> session) { ids.insert(session->id); });
  return ids;
}

TEST(WeakSetTest, RemovesExactlyTheGivenAddressWhereverItSits) {
  std::vector<std::shared_ptr<Session>> sessions;
  WeakSet<Session> set;
  for (int id = 0; id < 5; ++id) {
    sessions.push_back(std::make_shared<Session>(Session{id}));
    set.Add(sessions.back());
  }
  EXPECT_TRUE(set.Remove(sessions[0].get()));  // first
  EXPECT_TRUE(set.Remove(sessions[4].get()));  // last (after the first moved)
  EXPECT_TRUE(set.Remove(sessions[2].get()));  // middle
  EXPECT_FALSE(set.Remove(sessions[2].get()));  // not twice
  EXPECT_EQ(LiveIds(set), (std::set<int>{1, 3}));
  EXPECT_EQ(set.size(), 2u);
}

TEST(WeakSetTest, HoldsNoStrongReferenceAndTheWalkDropsTheExpired) {
  auto kept = std::make_shared<Session>(Session{1});
  auto gone = std::make_shared<Session>(Session{2});
  WeakSet<Session> set;
  set.Add(gone);
  set.Add(kept);
  EXPECT_EQ(kept.use_count(), 1);
  gone.reset();  // the set did not keep it alive
  EXPECT_EQ(set.CountLive(), 1u);
  EXPECT_EQ(set.size(), 2u);
  EXPECT_EQ(LiveIds(set), (std::set<int>{1}));
  EXPECT_EQ(set.size(), 1u);
  EXPECT_EQ(kept.use_count(), 1);  // the walk's references ended with it
}

TEST(WeakSetTest, AddingTheSameAddressAgainKeepsOneEntry) {
  auto session = std::make_shared<Session>(Session{7});
  WeakSet<Session> set;
  set.Add(session);
  set.Add(session);
  EXPECT_EQ(set.size(), 1u);
  EXPECT_TRUE(set.Remove(session.get()));
  EXPECT_TRUE(set.empty());
}

// A long conversation of adds, removals and expiries in random order, checked
// against a plain std::set after every step. (An expired entry keeps its
// make_shared block allocated through the weak reference, so a new session
// cannot take its address while the entry is there.)
TEST(WeakSetTest, AgreesWithASetOverThousandsOfRandomSteps) {
  std::mt19937 rng(20261206);
  std::vector<std::shared_ptr<Session>> owners(200);
  std::set<int> expected;
  WeakSet<Session> set;
  for (int step = 0; step < 20000; ++step) {
    const int id = static_cast<int>(rng() % owners.size());
    switch (rng() % 4) {
      case 0:
      case 1:
        if (!owners[id]) owners[id] = std::make_shared<Session>(Session{id});
        set.Add(owners[id]);
        expected.insert(id);
        break;
      case 2:
        if (owners[id]) {
          EXPECT_EQ(set.Remove(owners[id].get()), expected.erase(id) == 1);
        }
        break;
      case 3:  // the session goes away without telling the set
        owners[id].reset();
        expected.erase(id);
        break;
    }
    if (step % 97 == 0) {
      ASSERT_EQ(LiveIds(set), expected) << "step " << step;
    }
    ASSERT_EQ(set.CountLive(), expected.size()) << "step " << step;
  }
}

}  // namespace
}  // namespace rc::server
