#include "features/internal/ring_buffer.h"

#include <gtest/gtest.h>

namespace rc::features::internal {
namespace {

TEST(RingBufferTest, EvictsOldestWhenFullAndIndexesBothWays) {
  RingBuffer ring(3);
  double evicted = -1;
  EXPECT_FALSE(ring.Push(1, &evicted));
  EXPECT_FALSE(ring.Push(2, &evicted));
  EXPECT_FALSE(ring.Push(3, &evicted));
  EXPECT_TRUE(ring.full());
  EXPECT_EQ(evicted, -1);
  EXPECT_TRUE(ring.Push(4, &evicted));
  EXPECT_EQ(evicted, 1);
  EXPECT_EQ(ring.FromOldest(0), 2);
  EXPECT_EQ(ring.FromNewest(0), 4);
  EXPECT_EQ(ring.FromNewest(2), 2);
  ring.Clear();
  EXPECT_EQ(ring.size(), 0u);
  ring.Push(9);
  EXPECT_EQ(ring.FromOldest(0), 9);
}

}  // namespace
}  // namespace rc::features::internal
