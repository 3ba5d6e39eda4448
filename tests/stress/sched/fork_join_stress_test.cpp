#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "duet/runtime.hpp"
#include "duet/sched/join.hpp"
#include "duet/sched/thread_pool.hpp"
#include "duet/task/task.hpp"
#include "unit/core/test_support.hpp"

namespace {

long fib_seq(int n) { return n < 2 ? n : fib_seq(n - 1) + fib_seq(n - 2); }

long fib_join(int n) {
  if (n < 2) return n;
  auto [a, b] = duet::join([&] { return fib_join(n - 1); }, [&] { return fib_join(n - 2); });
  return a + b;
}

template <class F>
auto on_pool(duet::thread_pool& pool, F f) {
  auto t = [](F fn) -> duet::task<std::invoke_result_t<F&>> { co_return fn(); }(std::move(f));
  return duet::spawn(pool, std::move(t)).get();
}

std::uint64_t mix(std::uint64_t x) { return duet_test::rng(x).next(); }

// ---- random join trees ----------------------------------------------------------------------
// A tree of exactly `budget` nodes whose shape comes from `seed`: a node splits the rest of its
// budget between its two halves at a random point. Leaves (and only leaves) may throw.

struct tree_error : std::runtime_error {
  std::uint64_t leaf;
  explicit tree_error(std::uint64_t l) : std::runtime_error("leaf " + std::to_string(l)), leaf(l) {}
};

struct join_tree {
  std::uint64_t throw_one_in;  // 0: never throw
  std::atomic<long>* visited;

  bool throws(std::uint64_t seed) const { return throw_one_in != 0 && mix(seed ^ 0x5eed) % throw_one_in == 0; }

  long run(long budget, std::uint64_t seed) const {
    visited->fetch_add(1, std::memory_order_relaxed);
    if (budget <= 1) {
      if (throws(seed)) throw tree_error(seed);
      return 1;
    }
    const long rest = budget - 1;
    const long left = rest == 1 ? 1 : 1 + static_cast<long>(mix(seed) % static_cast<std::uint64_t>(rest - 1));
    if (left == rest) return 1 + run(rest, mix(seed + 1));
    auto [a, b] = duet::join([&] { return run(left, mix(seed + 1)); }, [&] { return run(rest - left, mix(seed + 2)); });
    return 1 + a + b;
  }

  // The sequential reference: join rethrows f's exception before g's, which is exactly
  // left-to-right evaluation order.
  long reference(long budget, std::uint64_t seed) const {
    if (budget <= 1) {
      if (throws(seed)) throw tree_error(seed);
      return 1;
    }
    const long rest = budget - 1;
    const long left = rest == 1 ? 1 : 1 + static_cast<long>(mix(seed) % static_cast<std::uint64_t>(rest - 1));
    if (left == rest) return 1 + reference(rest, mix(seed + 1));
    const long a = reference(left, mix(seed + 1));
    return 1 + a + reference(rest - left, mix(seed + 2));
  }
};

TEST(ForkJoinStress, FibWithJoinMatchesSequentialFib) {
  duet_test::watchdog dog("fib");
  const int n = static_cast<int>(duet_test::scaled(30, 20));
  const long expected = fib_seq(n);
  for (std::size_t threads : {1u, 2u, 4u}) {
    duet::thread_pool pool({.threads = threads});
    EXPECT_EQ(on_pool(pool, [&] { return fib_join(n); }), expected) << threads << " workers";
  }
}

TEST(ForkJoinStress, RandomJoinTreesVisitEveryNodeExactlyOnce) {
  duet_test::watchdog dog("join trees");
  duet::thread_pool pool({.threads = 2});
  const long budget = duet_test::scaled(2'000'000, 250'000);
  for (std::uint64_t seed : {1u, 2u, 3u}) {
    std::atomic<long> visited{0};
    join_tree tree{0, &visited};
    EXPECT_EQ(on_pool(pool, [&] { return tree.run(budget, seed); }), budget);
    EXPECT_EQ(visited.load(), budget);
  }
}

TEST(ForkJoinStress, ExceptionsAtRandomDepthsMatchTheSequentialReference) {
  duet_test::watchdog dog("join tree exceptions");
  duet::thread_pool pool({.threads = 2});
  const int trees = static_cast<int>(duet_test::scaled(300, 200));
  int threw = 0;
  for (int t = 0; t < trees; ++t) {
    const std::uint64_t seed = mix(t + 1000);
    const long budget = 1 + static_cast<long>(mix(seed) % 3000);
    std::atomic<long> visited{0};
    // A third of the trees never throw; the others throw from a random subset of their leaves.
    join_tree tree{t % 3 == 0 ? 0 : 1 + mix(seed + 9) % 2000, &visited};
    std::optional<std::uint64_t> want, got;
    long want_value = 0, got_value = 0;
    try {
      want_value = tree.reference(budget, seed);
    } catch (const tree_error& e) {
      want = e.leaf;
    }
    try {
      got_value = on_pool(pool, [&] { return tree.run(budget, seed); });
    } catch (const tree_error& e) {
      got = e.leaf;
    }
    ASSERT_EQ(got, want) << "tree " << t;
    if (want) {
      ++threw;
      EXPECT_LE(visited.load(), budget);
    } else {
      EXPECT_EQ(got_value, want_value);
      EXPECT_EQ(visited.load(), budget);
    }
  }
  EXPECT_GT(threw, 0);
  EXPECT_LT(threw, trees);
}

// Joins entered from several plain threads at once take the cold path onto the ambient pool.
TEST(ForkJoinStress, ManyOutsideThreadsJoinAtOnce) {
  duet_test::watchdog dog("outside joins");
  duet::runtime rt({.cpu_threads = 2});
  const int per = static_cast<int>(duet_test::scaled(200, 100));
  std::atomic<int> ok{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t)
    ts.emplace_back([&] {
      for (int i = 0; i < per; ++i)
        if (fib_join(14) == fib_seq(14)) ok.fetch_add(1);
    });
  for (auto& t : ts) t.join();
  EXPECT_EQ(ok.load(), 4 * per);
}

// ---- raw jobs posted from outside and inside ---------------------------------------------------

struct counted_job : duet::detail::job {
  std::atomic<int> runs{0};
  duet::thread_pool* pool = nullptr;
  counted_job* child = nullptr;  // posted from inside the pool when this job runs
  counted_job() {
    run_ = [](duet::detail::job* self) noexcept {
      auto* j = static_cast<counted_job*>(self);
      j->runs.fetch_add(1, std::memory_order_relaxed);
      if (j->child != nullptr) j->pool->post(*j->child);
    };
  }
};

TEST(PoolStress, ManyThreadsPostingFromOutsideRunEveryJobExactlyOnce) {
  duet_test::watchdog dog("outside posters");
  constexpr int posters = 6;
  const int per = static_cast<int>(duet_test::scaled(100'000, 25'000));
  duet::thread_pool pool({.threads = 2});
  // Each outside job posts one child from inside: both queues are exercised at once.
  std::vector<counted_job> jobs(2 * posters * per);
  for (int i = 0; i < posters * per; ++i) {
    jobs[2 * i].pool = &pool;
    jobs[2 * i].child = &jobs[2 * i + 1];
  }
  std::vector<std::thread> ts;
  for (int t = 0; t < posters; ++t)
    ts.emplace_back([&, t] {
      for (int i = 0; i < per; ++i) {
        if (i % 2 == 0)
          pool.post(jobs[2 * (t * per + i)]);
        else
          pool.post_fifo(jobs[2 * (t * per + i)]);
      }
    });
  for (auto& t : ts) t.join();
  pool.shutdown();  // drains everything queued
  for (std::size_t i = 0; i < jobs.size(); ++i) ASSERT_EQ(jobs[i].runs.load(), 1) << "job " << i;
}

// Pools created and destroyed with work still queued: shutdown runs every queued job.
TEST(PoolStress, PoolsDestroyedWithQueuedWorkRunItAll) {
  duet_test::watchdog dog("pool churn");
  const int rounds = static_cast<int>(duet_test::scaled(200, 150));
  for (int r = 0; r < rounds; ++r) {
    std::vector<counted_job> jobs(500);
    {
      duet::thread_pool pool({.threads = 1 + static_cast<std::size_t>(r % 3)});
      for (std::size_t i = 0; i + 1 < jobs.size(); i += 2) {
        jobs[i].pool = &pool;
        jobs[i].child = &jobs[i + 1];
        pool.post(jobs[i]);
      }
    }
    for (std::size_t i = 0; i < jobs.size(); ++i) ASSERT_EQ(jobs[i].runs.load(), 1) << "round " << r << " job " << i;
  }
}

}  // namespace
