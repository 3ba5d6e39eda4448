#include "duet/core/chase_lev_deque.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "unit/core/test_support.hpp"

namespace {

using duet::detail::chase_lev_deque;

TEST(ChaseLevDeque, NewDequeIsEmpty) {
  chase_lev_deque<int*> d;
  EXPECT_TRUE(d.empty_hint());
  EXPECT_EQ(d.pop(), nullptr);
  EXPECT_EQ(d.steal(), nullptr);
}

TEST(ChaseLevDeque, OwnerPopIsLastInFirstOut) {
  chase_lev_deque<int*> d;
  int items[5] = {};
  for (int& i : items) d.push(&i);
  EXPECT_FALSE(d.empty_hint());
  for (int k = 4; k >= 0; --k) EXPECT_EQ(d.pop(), &items[k]) << "k=" << k;
  EXPECT_EQ(d.pop(), nullptr);
  EXPECT_TRUE(d.empty_hint());
}

TEST(ChaseLevDeque, StealIsFirstInFirstOut) {
  chase_lev_deque<int*> d;
  int items[5] = {};
  for (int& i : items) d.push(&i);
  for (int k = 0; k < 5; ++k) EXPECT_EQ(d.steal(), &items[k]) << "k=" << k;
  EXPECT_EQ(d.steal(), nullptr);
  EXPECT_EQ(d.pop(), nullptr);
}

TEST(ChaseLevDeque, PopAndStealMeetInTheMiddle) {
  chase_lev_deque<int*> d;
  int items[4] = {};
  for (int& i : items) d.push(&i);
  EXPECT_EQ(d.steal(), &items[0]);
  EXPECT_EQ(d.pop(), &items[3]);
  EXPECT_EQ(d.steal(), &items[1]);
  EXPECT_EQ(d.pop(), &items[2]);  // the last item, taken by the owner's CAS
  EXPECT_EQ(d.pop(), nullptr);
  EXPECT_EQ(d.steal(), nullptr);
  // The deque keeps working after being emptied from both ends.
  d.push(&items[0]);
  EXPECT_EQ(d.steal(), &items[0]);
  d.push(&items[1]);
  EXPECT_EQ(d.pop(), &items[1]);
}

TEST(ChaseLevDeque, GrowsPastItsInitialCapacityKeepingOrder) {
  chase_lev_deque<int*> d(4);
  std::vector<int> items(1000);
  for (int& i : items) d.push(&i);
  // Oldest from the top, newest from the bottom, across several doublings.
  for (int k = 0; k < 300; ++k) ASSERT_EQ(d.steal(), &items[k]) << "k=" << k;
  for (int k = 999; k >= 300; --k) ASSERT_EQ(d.pop(), &items[k]) << "k=" << k;
  EXPECT_EQ(d.pop(), nullptr);
}

TEST(ChaseLevDeque, WrapsAroundTheRingWithoutGrowing) {
  chase_lev_deque<int*> d(4);
  int items[3] = {};
  // top and bottom advance far past the capacity; every item comes back in order.
  for (int round = 0; round < 1000; ++round) {
    for (int& i : items) d.push(&i);
    ASSERT_EQ(d.steal(), &items[0]);
    ASSERT_EQ(d.steal(), &items[1]);
    ASSERT_EQ(d.pop(), &items[2]);
    ASSERT_EQ(d.pop(), nullptr);
  }
}

// The owner pushes (growing the buffer from 2 slots) and pops while several thieves steal:
// every item must be taken exactly once, by someone.
TEST(ChaseLevDeque, ConcurrentThievesTakeEachItemExactlyOnce) {
  const int n = static_cast<int>(duet_test::scaled(200000, 20000));
  constexpr int thieves = 3;
  chase_lev_deque<int*> d(2);
  std::vector<int> items(n);
  for (int i = 0; i < n; ++i) items[i] = i;
  std::vector<std::atomic<int>> taken(n);
  std::atomic<bool> owner_done{false};
  std::atomic<long> stolen{0};

  auto take = [&](int* p) { taken[*p].fetch_add(1, std::memory_order_relaxed); };
  std::vector<std::thread> ts;
  for (int t = 0; t < thieves; ++t) {
    ts.emplace_back([&] {
      long mine = 0;
      for (;;) {
        if (int* p = d.steal()) {
          take(p);
          ++mine;
        } else if (owner_done.load(std::memory_order_acquire) && d.empty_hint()) {
          break;
        }
      }
      stolen.fetch_add(mine);
    });
  }
  long popped = 0;
  duet_test::rng r(42);
  for (int i = 0; i < n; ++i) {
    d.push(&items[i]);
    if (r.below(3) == 0) {
      if (int* p = d.pop()) {
        take(p);
        ++popped;
      }
    }
  }
  while (int* p = d.pop()) {
    take(p);
    ++popped;
  }
  owner_done.store(true, std::memory_order_release);
  for (auto& t : ts) t.join();
  EXPECT_EQ(popped + stolen.load(), n);
  for (int i = 0; i < n; ++i) ASSERT_EQ(taken[i].load(), 1) << "item " << i;
}

}  // namespace
