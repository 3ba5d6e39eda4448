#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "duet/core/chase_lev_deque.hpp"
#include "unit/core/test_support.hpp"

namespace {

using duet::detail::chase_lev_deque;

// The owner pushes and pops in random bursts (growing from a 2-slot ring) while three thieves
// steal: each item is taken exactly once, by exactly one thread.
TEST(DequeStress, RandomBurstsWithThievesTakeEveryItemOnce) {
  duet_test::watchdog dog("deque bursts");
  const int n = static_cast<int>(duet_test::scaled(1'000'000, 250'000));
  constexpr int thieves = 3;
  chase_lev_deque<int*> d(2);
  std::vector<int> items(n);
  std::vector<std::atomic<unsigned char>> taken(n);
  for (int i = 0; i < n; ++i) items[i] = i;
  std::atomic<bool> done{false};
  std::atomic<long> by_thieves{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < thieves; ++t)
    ts.emplace_back([&] {
      long mine = 0;
      while (!done.load(std::memory_order_acquire) || !d.empty_hint()) {
        if (int* p = d.steal()) {
          taken[*p].fetch_add(1, std::memory_order_relaxed);
          ++mine;
        }
      }
      by_thieves.fetch_add(mine);
    });
  duet_test::rng r(7);
  long by_owner = 0;
  int next = 0;
  while (next < n) {
    const int burst = 1 + static_cast<int>(r.below(64));
    for (int k = 0; k < burst && next < n; ++k) d.push(&items[next++]);
    const int pops = static_cast<int>(r.below(static_cast<std::uint64_t>(burst) + 8));
    for (int k = 0; k < pops; ++k) {
      int* p = d.pop();
      if (p == nullptr) break;
      taken[*p].fetch_add(1, std::memory_order_relaxed);
      ++by_owner;
    }
  }
  while (int* p = d.pop()) {
    taken[*p].fetch_add(1, std::memory_order_relaxed);
    ++by_owner;
  }
  done.store(true, std::memory_order_release);
  for (auto& t : ts) t.join();
  EXPECT_EQ(by_owner + by_thieves.load(), n);
  for (int i = 0; i < n; ++i) ASSERT_EQ(taken[i].load(), 1) << "item " << i;
}

// The race on the last item: the owner pushes one item and pops it while a thief steals. Exactly
// one of them gets it, every round.
TEST(DequeStress, OwnerAndThiefRaceForTheLastItem) {
  duet_test::watchdog dog("deque last item");
  const int rounds = static_cast<int>(duet_test::scaled(300'000, 150'000));
  chase_lev_deque<int*> d(4);
  std::vector<int> items(rounds);
  std::vector<std::atomic<unsigned char>> taken(rounds);
  for (int i = 0; i < rounds; ++i) items[i] = i;
  std::atomic<bool> done{false};
  std::atomic<int> stolen{0};
  std::thread thief([&] {
    while (!done.load(std::memory_order_acquire)) {
      if (int* p = d.steal()) {
        taken[*p].fetch_add(1, std::memory_order_relaxed);
        stolen.fetch_add(1, std::memory_order_release);
      }
    }
  });
  int popped = 0;
  for (int i = 0; i < rounds; ++i) {
    d.push(&items[i]);
    if (int* p = d.pop()) {
      EXPECT_EQ(p, &items[i]);
      taken[i].fetch_add(1, std::memory_order_relaxed);
      ++popped;
    } else {
      // The thief won: wait until it has recorded the item before the next round.
      while (popped + stolen.load(std::memory_order_acquire) < i + 1) std::this_thread::yield();
    }
  }
  done.store(true, std::memory_order_release);
  thief.join();
  EXPECT_EQ(popped + stolen.load(), rounds);
  for (int i = 0; i < rounds; ++i) ASSERT_EQ(taken[i].load(), 1) << "round " << i;
}

// Several deques, each owner also stealing from the others (the pool's access pattern).
TEST(DequeStress, OwnersThatAlsoStealFromEachOther) {
  duet_test::watchdog dog("deque mesh");
  constexpr int owners = 3;
  const int per = static_cast<int>(duet_test::scaled(200'000, 100'000));
  std::vector<std::unique_ptr<chase_lev_deque<int*>>> ds;
  for (int i = 0; i < owners; ++i) ds.push_back(std::make_unique<chase_lev_deque<int*>>(8));
  std::vector<int> items(owners * per);
  std::vector<std::atomic<unsigned char>> taken(owners * per);
  for (int i = 0; i < owners * per; ++i) items[i] = i;
  std::atomic<long> total{0};
  std::vector<std::thread> ts;
  for (int o = 0; o < owners; ++o)
    ts.emplace_back([&, o] {
      duet_test::rng r(100 + o);
      auto take = [&](int* p) {
        taken[*p].fetch_add(1, std::memory_order_relaxed);
        total.fetch_add(1, std::memory_order_relaxed);
      };
      for (int i = 0; i < per; ++i) {
        ds[o]->push(&items[o * per + i]);
        switch (r.below(4)) {
          case 0:
            if (int* p = ds[o]->pop()) take(p);
            break;
          case 1:
            if (int* p = ds[(o + 1 + r.below(owners - 1)) % owners]->steal()) take(p);
            break;
          default:
            break;
        }
      }
      while (int* p = ds[o]->pop()) take(p);
      // Help the others finish.
      while (total.load(std::memory_order_relaxed) < static_cast<long>(owners) * per)
        for (int v = 0; v < owners; ++v)
          if (v != o)
            if (int* p = ds[v]->steal()) take(p);
    });
  for (auto& t : ts) t.join();
  EXPECT_EQ(total.load(), static_cast<long>(owners) * per);
  for (int i = 0; i < owners * per; ++i) ASSERT_EQ(taken[i].load(), 1) << "item " << i;
}

}  // namespace
