#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "duet/duet.hpp"
#include "unit/core/test_support.hpp"

namespace {

std::uint64_t mix(std::uint64_t x) { return duet_test::rng(x).next(); }

struct storm_counts {
  std::atomic<long> started{0};
  std::atomic<long> completed{0};
  std::atomic<long> cancelled_in_body{0};
  std::atomic<long> frames{0};     // coroutine frames created (counted by the guard)
  std::atomic<long> destroyed{0};  // coroutine frames freed
};

/// Lives in a coroutine frame: counts the frame's creation and destruction.
struct frame_guard {
  storm_counts* c;
  explicit frame_guard(storm_counts& counts) : c(&counts) { c->frames.fetch_add(1); }
  frame_guard(frame_guard&& o) noexcept : c(std::exchange(o.c, nullptr)) {}
  ~frame_guard() {
    if (c != nullptr) c->destroyed.fetch_add(1);
  }
};

/// Yields a random number of times, sometimes awaiting a child that yields too; returns `id`.
duet::task<long> worker_task(long id, std::uint64_t seed, storm_counts& c, frame_guard,
                             const std::atomic<bool>* gate = nullptr) {
  c.started.fetch_add(1);
  try {
    if (gate != nullptr)
      while (!gate->load()) co_await duet::yield();  // hold until the storm has begun
    const int turns = static_cast<int>(mix(seed) % 24);
    for (int i = 0; i < turns; ++i) {
      if (mix(seed + i) % 5 == 0) {
        // A child awaited inline shares the token: cancellation reaches it.
        co_await [](int n) -> duet::task<> {
          for (int j = 0; j < n; ++j) co_await duet::yield();
        }(static_cast<int>(mix(seed * 3 + i) % 4));
      } else {
        co_await duet::yield();
      }
    }
  } catch (const duet::cancelled_error&) {
    c.cancelled_in_body.fetch_add(1);
    throw;
  }
  c.completed.fetch_add(1);
  co_return id;
}

// Thousands of tasks, a thread cancelling random ones at random moments: every task either
// completes with its value or reports cancelled_error, and only cancelled tasks report it.
TEST(CancellationStress, EveryTaskCompletesOrReportsCancelled) {
  duet_test::watchdog dog("cancellation storm");
  const long n = duet_test::scaled(40'000, 15'000);
  storm_counts c;
  std::vector<std::atomic<bool>> requested(n);
  long values = 0, cancelled = 0;
  {
    duet::runtime rt({.cpu_threads = 2});
    std::vector<duet::join_handle<long>> hs;
    hs.reserve(n);
    // Tasks hold at a yield loop until the canceller has made n/8 requests, so those
    // cancellations certainly land on unfinished tasks; the rest land at random moments.
    std::atomic<bool> gate{false};
    for (long i = 0; i < n; ++i) hs.push_back(rt.spawn(worker_task(i, mix(i), c, frame_guard(c), &gate)));
    std::atomic<bool> stop{false};
    std::thread canceller([&] {
      duet_test::rng r(99);
      for (long made = 0; made < n / 2 && !stop.load(); ++made) {  // leaves most tasks alone
        if (made == n / 8) gate.store(true);
        const long i = static_cast<long>(r.below(static_cast<std::uint64_t>(n)));
        requested[i].store(true);
        hs[i].cancel();
        if (r.below(8) == 0) std::this_thread::yield();
      }
    });
    for (long i = 0; i < n; ++i) {
      try {
        EXPECT_EQ(hs[i].get(), i);
        ++values;
      } catch (const duet::cancelled_error&) {
        EXPECT_TRUE(requested[i].load()) << "task " << i << " reported a cancellation nobody requested";
        ++cancelled;
      }
    }
    stop.store(true);
    canceller.join();
  }
  EXPECT_EQ(values + cancelled, n);
  EXPECT_EQ(values, c.completed.load());
  EXPECT_EQ(c.completed.load() + c.cancelled_in_body.load(), c.started.load());
  // Cancelled tasks either unwound from a yield or never started.
  EXPECT_EQ(cancelled, c.cancelled_in_body.load() + (n - c.started.load()));
  EXPECT_GT(values, 0);
  EXPECT_GT(cancelled, 0);
  EXPECT_EQ(c.frames.load(), n);
  EXPECT_EQ(c.destroyed.load(), n);  // no frame leaked
}

// Parents running scopes of children are cancelled at random: every child either completes,
// unwinds with cancelled_error, or is cancelled before it starts; every frame is freed.
TEST(CancellationStress, CancellingParentsReachesEveryScopeChild) {
  duet_test::watchdog dog("scope cancellation storm");
  const long parents = duet_test::scaled(4'000, 1'500);
  storm_counts kids;
  std::atomic<long> spawned{0};
  long parent_values = 0, parent_cancelled = 0;
  {
    duet::runtime rt({.cpu_threads = 2});
    std::vector<duet::join_handle<long>> hs;
    for (long p = 0; p < parents; ++p)
      hs.push_back(rt.spawn([](long p, storm_counts& kids, std::atomic<long>& spawned) -> duet::task<long> {
        co_await duet::scope([&](duet::task_group& g) -> duet::task<> {
          const int k = 1 + static_cast<int>(mix(p) % 6);
          for (int i = 0; i < k; ++i) {
            spawned.fetch_add(1);
            g.spawn(worker_task(i, mix(p * 8 + i), kids, frame_guard(kids)));
          }
          co_return;
        });
        co_return p;
      }(p, kids, spawned)));
    std::thread canceller([&] {
      duet_test::rng r(5);
      for (long i = 0; i < parents; ++i) {
        if (r.below(2) == 0) hs[static_cast<std::size_t>(r.below(static_cast<std::uint64_t>(parents)))].cancel();
        if (r.below(4) == 0) std::this_thread::yield();
      }
    });
    canceller.join();
    for (long p = 0; p < parents; ++p) {
      try {
        EXPECT_EQ(hs[p].get(), p);
        ++parent_values;
      } catch (const duet::cancelled_error&) {
        ++parent_cancelled;
      }
    }
  }
  EXPECT_EQ(parent_values + parent_cancelled, parents);
  EXPECT_EQ(kids.completed.load() + kids.cancelled_in_body.load(), kids.started.load());
  EXPECT_EQ(kids.frames.load(), spawned.load());
  EXPECT_EQ(kids.destroyed.load(), spawned.load());
}

// when_any races repeated many times under cancellation of the racer itself.
TEST(CancellationStress, WhenAnyRacesUnderRandomCancellation) {
  duet_test::watchdog dog("when_any storm");
  const long races = duet_test::scaled(5'000, 1'500);
  storm_counts c;
  long won = 0, cancelled = 0;
  {
    duet::runtime rt({.cpu_threads = 2});
    std::vector<duet::join_handle<std::pair<std::size_t, long>>> hs;
    for (long r = 0; r < races; ++r) {
      std::vector<duet::task<long>> ts;
      for (int i = 0; i < 4; ++i) ts.push_back(worker_task(i, mix(r * 4 + i), c, frame_guard(c)));
      hs.push_back(rt.spawn(duet::when_any(std::move(ts))));
      if (r % 3 == 0) hs.back().cancel();
    }
    for (long r = 0; r < races; ++r) {
      try {
        auto [index, v] = hs[r].get();
        EXPECT_EQ(static_cast<long>(index), v);
        ++won;
      } catch (const duet::cancelled_error&) {
        EXPECT_EQ(r % 3, 0) << "race " << r << " was not cancelled";
        ++cancelled;
      }
    }
  }
  EXPECT_EQ(won + cancelled, races);
  EXPECT_GE(won, races - (races + 2) / 3);  // every race nobody cancelled has a winner
  EXPECT_EQ(c.frames.load(), c.destroyed.load());
}

}  // namespace
