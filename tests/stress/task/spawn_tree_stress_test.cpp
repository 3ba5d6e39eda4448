#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "duet/duet.hpp"
#include "unit/core/test_support.hpp"

namespace {

std::uint64_t mix(std::uint64_t x) { return duet_test::rng(x).next(); }

// A random tree of exactly `budget` tasks: a node takes one unit and splits the rest between
// 1..4 children at random points (all from `seed`, so the shape is reproducible). Each variant
// returns the number of nodes it ran; `ran` counts the bodies that executed.
struct split {
  long parts[4];
  int k;
};
split split_budget(long rest, std::uint64_t seed) {
  split s{};
  s.k = static_cast<int>(1 + mix(seed) % 4);
  if (s.k > rest) s.k = static_cast<int>(rest);
  long remaining = rest;
  for (int i = 0; i < s.k; ++i) {
    const long keep_for_others = s.k - 1 - i;
    s.parts[i] =
        i == s.k - 1
            ? remaining
            : 1 + static_cast<long>(mix(seed + 31 * i + 1) % static_cast<std::uint64_t>(remaining - keep_for_others));
    remaining -= s.parts[i];
  }
  return s;
}

duet::task<long> spawn_node(long budget, std::uint64_t seed, std::atomic<long>& ran) {
  ran.fetch_add(1, std::memory_order_relaxed);
  if (budget <= 1) co_return 1;
  const split s = split_budget(budget - 1, seed);
  duet::join_handle<long> hs[4];
  for (int i = 0; i < s.k; ++i) hs[i] = duet::spawn(spawn_node(s.parts[i], mix(seed + 7 * i + 3), ran));
  long total = 1;
  for (int i = 0; i < s.k; ++i) total += co_await hs[i];
  co_return total;
}

duet::task<long> when_all_node(long budget, std::uint64_t seed, std::atomic<long>& ran) {
  ran.fetch_add(1, std::memory_order_relaxed);
  if (budget <= 1) co_return 1;
  const split s = split_budget(budget - 1, seed);
  std::vector<duet::task<long>> kids;
  for (int i = 0; i < s.k; ++i) kids.push_back(when_all_node(s.parts[i], mix(seed + 7 * i + 3), ran));
  long total = 1;
  for (long v : co_await duet::when_all(std::move(kids))) total += v;
  co_return total;
}

duet::task<> scope_node(long budget, std::uint64_t seed, std::atomic<long>& ran) {
  ran.fetch_add(1, std::memory_order_relaxed);
  if (budget <= 1) co_return;
  const split s = split_budget(budget - 1, seed);
  co_await duet::scope([&](duet::task_group& g) -> duet::task<> {
    for (int i = 0; i < s.k; ++i) g.spawn(scope_node(s.parts[i], mix(seed + 7 * i + 3), ran));
    co_return;
  });
}

// Children are spawned and their handles dropped: nobody waits, the count alone says they ran.
duet::task<> detached_node(long budget, std::uint64_t seed, std::atomic<long>& ran) {
  ran.fetch_add(1, std::memory_order_relaxed);
  if (budget <= 1) co_return;
  const split s = split_budget(budget - 1, seed);
  for (int i = 0; i < s.k; ++i) duet::spawn(detached_node(s.parts[i], mix(seed + 7 * i + 3), ran)).detach();
}

// A join tree inside tasks: plain fork-join under a coroutine spawn tree.
long join_node(long budget, std::uint64_t seed, std::atomic<long>& ran) {
  ran.fetch_add(1, std::memory_order_relaxed);
  if (budget <= 1) return 1;
  const long rest = budget - 1;
  if (rest == 1) return 1 + join_node(1, mix(seed + 1), ran);
  const long left = 1 + static_cast<long>(mix(seed) % static_cast<std::uint64_t>(rest - 1));
  auto [a, b] = duet::join([&] { return join_node(left, mix(seed + 1), ran); },
                           [&] { return join_node(rest - left, mix(seed + 2), ran); });
  return 1 + a + b;
}

TEST(SpawnTreeStress, SpawnedTreesRunEveryTaskExactlyOnce) {
  duet_test::watchdog dog("spawn trees");
  duet::runtime rt({.cpu_threads = 2});
  const long budget = duet_test::scaled(1'000'000, 100'000);
  for (std::uint64_t seed : {11u, 12u}) {
    std::atomic<long> ran{0};
    EXPECT_EQ(rt.block_on(spawn_node(budget, seed, ran)), budget);
    EXPECT_EQ(ran.load(), budget);
  }
}

TEST(SpawnTreeStress, WhenAllTreesRunEveryTaskExactlyOnce) {
  duet_test::watchdog dog("when_all trees");
  duet::runtime rt({.cpu_threads = 2});
  const long budget = duet_test::scaled(500'000, 50'000);
  std::atomic<long> ran{0};
  EXPECT_EQ(rt.block_on(when_all_node(budget, 21, ran)), budget);
  EXPECT_EQ(ran.load(), budget);
}

TEST(SpawnTreeStress, ScopeTreesRunEveryTaskExactlyOnce) {
  duet_test::watchdog dog("scope trees");
  duet::runtime rt({.cpu_threads = 2});
  const long budget = duet_test::scaled(500'000, 50'000);
  std::atomic<long> ran{0};
  rt.block_on(scope_node(budget, 31, ran));
  EXPECT_EQ(ran.load(), budget);  // scope returned only after every descendant finished
}

TEST(SpawnTreeStress, DetachedTreesRunEveryTaskExactlyOnce) {
  duet_test::watchdog dog("detached trees");
  const long budget = duet_test::scaled(1'000'000, 100'000);
  std::atomic<long> ran{0};
  {
    duet::runtime rt({.cpu_threads = 2});
    duet::spawn(rt.cpu(), detached_node(budget, 41, ran)).detach();
    ASSERT_TRUE(duet_test::spin_until([&] { return ran.load() == budget; }, std::chrono::seconds(100)))
        << ran.load() << " of " << budget;
  }
  EXPECT_EQ(ran.load(), budget);
}

TEST(SpawnTreeStress, JoinTreesInsideTasksRunEveryNodeExactlyOnce) {
  duet_test::watchdog dog("join in tasks");
  duet::runtime rt({.cpu_threads = 2});
  const long budget = duet_test::scaled(2'000'000, 250'000);
  std::atomic<long> ran{0};
  // Four join trees side by side, each in its own spawned task.
  auto both = rt.block_on([](long budget, std::atomic<long>& ran) -> duet::task<long> {
    std::vector<duet::task<long>> ts;
    for (std::uint64_t s = 0; s < 4; ++s)
      ts.push_back([](long b, std::uint64_t seed, std::atomic<long>& ran) -> duet::task<long> {
        co_return join_node(b, seed, ran);
      }(budget / 4, 51 + s, ran));
    long total = 0;
    for (long v : co_await duet::when_all(std::move(ts))) total += v;
    co_return total;
  }(budget, ran));
  EXPECT_EQ(both, 4 * (budget / 4));
  EXPECT_EQ(ran.load(), 4 * (budget / 4));
}

TEST(SpawnTreeStress, ManyOutsideThreadsSpawnAndGetConcurrently) {
  duet_test::watchdog dog("outside spawners");
  duet::runtime rt({.cpu_threads = 2});
  constexpr int threads = 4;
  const int per = static_cast<int>(duet_test::scaled(20'000, 5'000));
  std::atomic<long> ran{0};
  std::atomic<long> sum{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t)
    ts.emplace_back([&, t] {
      std::vector<duet::join_handle<long>> hs;
      for (int i = 0; i < per; ++i) hs.push_back(rt.spawn(spawn_node(1 + (i % 5), mix(t * per + i), ran)));
      long mine = 0;
      for (auto& h : hs) mine += h.get();
      sum.fetch_add(mine);
    });
  for (auto& t : ts) t.join();
  long expected = 0;
  for (int i = 0; i < per; ++i) expected += 1 + (i % 5);
  EXPECT_EQ(sum.load(), threads * expected);
  EXPECT_EQ(ran.load(), threads * expected);
}

}  // namespace
