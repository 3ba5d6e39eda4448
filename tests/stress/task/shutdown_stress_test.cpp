#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "duet/duet.hpp"
#include "unit/core/test_support.hpp"

namespace {

std::uint64_t mix(std::uint64_t x) { return duet_test::rng(x).next(); }

struct counts {
  std::atomic<long> spawned{0};    // spawn() calls
  std::atomic<long> started{0};    // bodies that began
  std::atomic<long> completed{0};  // bodies that ran to the end
  std::atomic<long> cancelled{0};  // bodies that unwound with cancelled_error
  std::atomic<long> freed{0};      // frames destroyed
};

struct free_guard {
  counts* c;
  explicit free_guard(counts& k) : c(&k) {}
  free_guard(free_guard&& o) noexcept : c(std::exchange(o.c, nullptr)) {}
  ~free_guard() {
    if (c != nullptr) c->freed.fetch_add(1);
  }
};

/// A detached task that yields a few times and may spawn detached children.
duet::task<> busy(std::uint64_t seed, int depth, counts& c, free_guard) {
  c.started.fetch_add(1);
  try {
    const int turns = static_cast<int>(mix(seed) % 8);
    for (int i = 0; i < turns; ++i) {
      if (depth > 0 && mix(seed + i) % 3 == 0) {
        c.spawned.fetch_add(1);
        duet::spawn(busy(mix(seed + 100 + i), depth - 1, c, free_guard(c))).detach();
      }
      co_await duet::yield();
    }
  } catch (const duet::cancelled_error&) {
    c.cancelled.fetch_add(1);
    throw;
  }
  c.completed.fetch_add(1);
}

// Spawn thousands of detached tasks and destroy the runtime at once: every task either ran to
// the end or observed the cancellation (in its body, or by never starting); no frame leaks.
TEST(ShutdownStress, DestroyingTheRuntimeWithQueuedWorkLosesNothing) {
  duet_test::watchdog dog("shutdown");
  const int rounds = static_cast<int>(duet_test::scaled(40, 16));
  const int per_round = static_cast<int>(duet_test::scaled(5'000, 1'500));
  long total_cancelled = 0, total_completed = 0;
  for (int r = 0; r < rounds; ++r) {
    counts c;
    {
      duet::runtime rt({.cpu_threads = 2});
      for (int i = 0; i < per_round; ++i) {
        c.spawned.fetch_add(1);
        duet::spawn(rt.cpu(), busy(mix(r * per_round + i), 2, c, free_guard(c))).detach();
      }
      if (r % 2 == 1) std::this_thread::sleep_for(std::chrono::milliseconds(1));  // let some run
    }
    const long never_started = c.spawned.load() - c.started.load();
    EXPECT_EQ(c.completed.load() + c.cancelled.load(), c.started.load()) << "round " << r;
    EXPECT_GE(never_started, 0);
    EXPECT_EQ(c.freed.load(), c.spawned.load()) << "round " << r;  // every frame freed
    total_cancelled += c.cancelled.load() + never_started;
    total_completed += c.completed.load();
  }
  EXPECT_GT(total_cancelled, 0);
  EXPECT_GT(total_completed, 0);
}

// The same with handles kept past the runtime's end: each one reports a value or
// cancelled_error.
TEST(ShutdownStress, HandlesReportValueOrCancellationAfterTheRuntimeIsGone) {
  duet_test::watchdog dog("shutdown handles");
  const int n = static_cast<int>(duet_test::scaled(20'000, 5'000));
  counts c;  // c.spawned counts only the detached children that busy() spawns
  std::atomic<long> outer_started{0};
  std::vector<duet::join_handle<int>> hs;
  {
    duet::runtime rt({.cpu_threads = 2});
    // Both workers are held until everything is queued, so the shutdown always finds work that
    // never started (on an idle machine they could otherwise finish it all first).
    std::atomic<bool> go{false};
    std::vector<duet::join_handle<void>> hold;
    for (int w = 0; w < 2; ++w)
      hold.push_back(rt.spawn([](std::atomic<bool>& go) -> duet::task<void> {
        while (!go.load()) std::this_thread::yield();
        co_return;
      }(go)));
    for (int i = 0; i < n; ++i) {
      hs.push_back(rt.spawn([](int i, counts& c, std::atomic<long>& outer_started) -> duet::task<int> {
        outer_started.fetch_add(1);
        co_await busy(mix(i), 1, c, free_guard(c));  // awaited: shares this task's token
        co_return i;
      }(i, c, outer_started)));
    }
    go.store(true);
  }
  int values = 0, cancelled = 0;
  for (int i = 0; i < n; ++i) {
    ASSERT_TRUE(hs[i].is_finished()) << i;
    try {
      EXPECT_EQ(hs[i].get(), i);
      ++values;
    } catch (const duet::cancelled_error&) {
      ++cancelled;
    }
  }
  EXPECT_EQ(values + cancelled, n);
  EXPECT_GT(cancelled, 0);
  hs.clear();
  EXPECT_EQ(c.completed.load() + c.cancelled.load(), c.started.load());
  // One busy() frame per outer task that started, plus the detached children: all freed.
  EXPECT_EQ(c.freed.load(), outer_started.load() + c.spawned.load());
}

}  // namespace
