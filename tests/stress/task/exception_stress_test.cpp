#include <gtest/gtest.h>

#include <atomic>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "duet/duet.hpp"
#include "unit/core/test_support.hpp"

namespace {

std::uint64_t mix(std::uint64_t x) { return duet_test::rng(x).next(); }

struct tree_error : std::runtime_error {
  std::uint64_t leaf;
  explicit tree_error(std::uint64_t l) : std::runtime_error("leaf " + std::to_string(l)), leaf(l) {}
};

// A random tree: node `seed` with `budget` nodes has 1..3 children; leaves throw when
// mix(seed) % one_in == 0 (one_in == 0: never). Depths vary, so throws come from random depths.
struct shape {
  std::uint64_t one_in;
  bool throws(std::uint64_t seed) const { return one_in != 0 && mix(seed ^ 0xabc) % one_in == 0; }
  int kids(long rest, std::uint64_t seed) const {
    int k = static_cast<int>(1 + mix(seed) % 3);
    return k > rest ? static_cast<int>(rest) : k;
  }
  long part(long remaining, int i, int k, std::uint64_t seed) const {
    if (i == k - 1) return remaining;
    return 1 + static_cast<long>(mix(seed + 13 * i + 1) % static_cast<std::uint64_t>(remaining - (k - 1 - i)));
  }
  static std::uint64_t child_seed(std::uint64_t seed, int i) { return mix(seed + 7 * i + 3); }

  /// Sequential reference, left to right: the first throwing leaf in DFS order.
  long reference(long budget, std::uint64_t seed) const {
    if (budget <= 1) {
      if (throws(seed)) throw tree_error(seed);
      return 1;
    }
    long rest = budget - 1, total = 1;
    const int k = kids(rest, seed);
    for (int i = 0; i < k; ++i) {
      const long p = part(rest, i, k, seed);
      total += reference(p, child_seed(seed, i));
      rest -= p;
    }
    return total;
  }
  /// Every throwing leaf.
  void throwing_leaves(long budget, std::uint64_t seed, std::set<std::uint64_t>& out) const {
    if (budget <= 1) {
      if (throws(seed)) out.insert(seed);
      return;
    }
    long rest = budget - 1;
    const int k = kids(rest, seed);
    for (int i = 0; i < k; ++i) {
      const long p = part(rest, i, k, seed);
      throwing_leaves(p, child_seed(seed, i), out);
      rest -= p;
    }
  }
};

/// Spawns the children, then awaits their handles in order: the error of the first child (in
/// order) that fails is the one that propagates, as in the sequential reference.
duet::task<long> spawn_tree(shape s, long budget, std::uint64_t seed) {
  if (budget <= 1) {
    if (s.throws(seed)) throw tree_error(seed);
    co_return 1;
  }
  long rest = budget - 1, total = 1;
  const int k = s.kids(rest, seed);
  std::vector<duet::join_handle<long>> hs;
  for (int i = 0; i < k; ++i) {
    const long p = s.part(rest, i, k, seed);
    hs.push_back(duet::spawn(spawn_tree(s, p, shape::child_seed(seed, i))));
    rest -= p;
  }
  for (auto& h : hs) total += co_await h;
  co_return total;
}

/// Nested awaits only (no concurrency): exactly the sequential reference.
duet::task<long> await_tree(shape s, long budget, std::uint64_t seed) {
  if (budget <= 1) {
    if (s.throws(seed)) throw tree_error(seed);
    co_return 1;
  }
  long rest = budget - 1, total = 1;
  const int k = s.kids(rest, seed);
  for (int i = 0; i < k; ++i) {
    const long p = s.part(rest, i, k, seed);
    total += co_await await_tree(s, p, shape::child_seed(seed, i));
    rest -= p;
  }
  co_return total;
}

/// when_all at every level: the first failure in time wins, so any throwing leaf may be the
/// one reported, but it is always a real error, never the cancellation it caused.
duet::task<long> when_all_tree(shape s, long budget, std::uint64_t seed) {
  if (budget <= 1) {
    if (s.throws(seed)) throw tree_error(seed);
    co_return 1;
  }
  long rest = budget - 1, total = 1;
  const int k = s.kids(rest, seed);
  std::vector<duet::task<long>> ts;
  for (int i = 0; i < k; ++i) {
    const long p = s.part(rest, i, k, seed);
    ts.push_back(when_all_tree(s, p, shape::child_seed(seed, i)));
    rest -= p;
  }
  for (long v : co_await duet::when_all(std::move(ts))) total += v;
  co_return total;
}

/// scope at every level, with a yield in each leaf so that siblings really are cancelled.
duet::task<long> scope_tree(shape s, long budget, std::uint64_t seed) {
  if (budget <= 1) {
    co_await duet::yield();
    if (s.throws(seed)) throw tree_error(seed);
    co_return 1;
  }
  long rest = budget - 1;
  const int k = s.kids(rest, seed);
  std::atomic<long> total{1};
  co_await duet::scope([&](duet::task_group& g) -> duet::task<> {
    for (int i = 0; i < k; ++i) {
      const long p = s.part(rest, i, k, seed);
      g.spawn([](shape s, long p, std::uint64_t seed, std::atomic<long>& total) -> duet::task<> {
        total.fetch_add(co_await scope_tree(s, p, seed));
      }(s, p, shape::child_seed(seed, i), total));
      rest -= p;
    }
    co_return;
  });
  co_return total.load();
}

template <class Tree>
void check_trees(Tree tree, bool deterministic, int count) {
  duet::runtime rt({.cpu_threads = 2});
  int threw = 0;
  for (int t = 0; t < count; ++t) {
    const std::uint64_t seed = mix(t + 77);
    const long budget = 1 + static_cast<long>(mix(seed + 1) % 400);
    const shape s{t % 3 == 0 ? 0 : 1 + mix(seed + 2) % 300};
    std::optional<std::uint64_t> want;
    long want_value = 0;
    try {
      want_value = s.reference(budget, seed);
    } catch (const tree_error& e) {
      want = e.leaf;
    }
    std::set<std::uint64_t> leaves;
    s.throwing_leaves(budget, seed, leaves);
    try {
      const long got = rt.block_on(tree(s, budget, seed));
      ASSERT_FALSE(want) << "tree " << t << " should have thrown leaf " << *want;
      EXPECT_EQ(got, want_value);
    } catch (const tree_error& e) {
      ASSERT_TRUE(want) << "tree " << t << " threw but has no throwing leaf";
      ++threw;
      if (deterministic)
        EXPECT_EQ(e.leaf, *want) << "tree " << t;
      else
        EXPECT_EQ(leaves.count(e.leaf), 1u) << "tree " << t << ": leaf " << e.leaf << " does not throw";
    }
  }
  EXPECT_GT(threw, 0);
  EXPECT_LT(threw, count);
}

const int tree_count = static_cast<int>(duet_test::scaled(400, 150));

TEST(ExceptionStress, NestedAwaitTreesRethrowTheFirstFailureInOrder) {
  duet_test::watchdog dog("await trees");
  check_trees(await_tree, true, tree_count);
}

TEST(ExceptionStress, SpawnTreesRethrowTheFirstFailureInAwaitOrder) {
  duet_test::watchdog dog("spawn trees");
  check_trees(spawn_tree, true, tree_count);
}

TEST(ExceptionStress, WhenAllTreesRethrowARealFailure) {
  duet_test::watchdog dog("when_all trees");
  check_trees(when_all_tree, false, tree_count);
}

TEST(ExceptionStress, ScopeTreesRethrowARealFailure) {
  duet_test::watchdog dog("scope trees");
  check_trees(scope_tree, false, tree_count);
}

}  // namespace
