#include "duet/sched/join.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <variant>

#include "duet/runtime.hpp"
#include "duet/task/task.hpp"
#include "unit/core/test_support.hpp"

namespace {

long fib_seq(int n) { return n < 2 ? n : fib_seq(n - 1) + fib_seq(n - 2); }

long fib_join(int n) {
  if (n < 2) return n;
  auto [a, b] = duet::join([&] { return fib_join(n - 1); }, [&] { return fib_join(n - 2); });
  return a + b;
}

/// Runs `f` on a worker of `pool` and returns its result (through a spawned task).
template <class F>
auto on_pool(duet::thread_pool& pool, F f) {
  auto t = [](F fn) -> duet::task<std::invoke_result_t<F&>> { co_return fn(); }(std::move(f));
  return duet::spawn(pool, std::move(t)).get();
}

TEST(Join, ReturnsBothResultsFromOutsideAnyPool) {
  auto [a, b] = duet::join([] { return 1; }, [] { return std::string("two"); });
  EXPECT_EQ(a, 1);
  EXPECT_EQ(b, "two");
}

TEST(Join, FromOutsideRunsOnTheAmbientPoolsWorkers) {
  duet::runtime rt({.cpu_threads = 2});
  auto [ex_f, ex_g] =
      duet::join([] { return duet::detail::current_executor(); }, [] { return duet::detail::current_executor(); });
  EXPECT_EQ(ex_f, &rt.cpu());
  EXPECT_EQ(ex_g, &rt.cpu());
}

TEST(Join, VoidResultsBecomeMonostate) {
  std::atomic<int> side{0};  // f and g may run in parallel
  auto r = duet::join([&] { side.fetch_add(1); }, [&] { side.fetch_add(10); });
  static_assert(std::is_same_v<decltype(r), std::pair<std::monostate, std::monostate>>);
  EXPECT_EQ(side.load(), 11);
  auto [x, y] = duet::join([] { return 5; }, [] {});
  static_assert(std::is_same_v<decltype(y), std::monostate>);
  EXPECT_EQ(x, 5);
}

TEST(Join, MoveOnlyResults) {
  auto [a, b] = duet::join([] { return std::make_unique<int>(3); }, [] { return std::make_unique<int>(4); });
  ASSERT_TRUE(a && b);
  EXPECT_EQ(*a + *b, 7);
}

TEST(Join, NestedJoinsMatchTheSequentialResult) {
  duet::runtime rt({.cpu_threads = 2});
  for (int n : {0, 1, 2, 10, 20}) EXPECT_EQ(on_pool(rt.cpu(), [n] { return fib_join(n); }), fib_seq(n)) << n;
  // Also from outside: the cold path moves the whole computation onto the pool.
  EXPECT_EQ(fib_join(22), fib_seq(22));
}

TEST(Join, CallerRunsFOnItsOwnThread) {
  duet::runtime rt({.cpu_threads = 2});
  auto same = on_pool(rt.cpu(), [] {
    auto me = std::this_thread::get_id();
    auto [f_thread, unused] = duet::join([] { return std::this_thread::get_id(); }, [] { return 0; });
    (void)unused;
    return f_thread == me;
  });
  EXPECT_TRUE(same);
}

TEST(Join, ExceptionFromFIsRethrown) {
  duet::runtime rt({.cpu_threads = 2});
  EXPECT_THROW((void)duet::join([]() -> int { throw std::runtime_error("f"); }, [] { return 1; }), std::runtime_error);
  EXPECT_THROW(on_pool(rt.cpu(),
                       [] {
                         duet::join([] { throw std::out_of_range("f"); }, [] {});
                         return 0;
                       }),
               std::out_of_range);
}

TEST(Join, ExceptionFromGIsRethrown) {
  duet::runtime rt({.cpu_threads = 2});
  EXPECT_THROW((void)duet::join([] { return 1; }, []() -> int { throw std::runtime_error("g"); }), std::runtime_error);
  EXPECT_THROW(on_pool(rt.cpu(),
                       [] {
                         duet::join([] {}, [] { throw std::out_of_range("g"); });
                         return 0;
                       }),
               std::out_of_range);
}

TEST(Join, WhenBothThrowTheExceptionOfFWins) {
  duet::runtime rt({.cpu_threads = 2});
  for (int i = 0; i < 100; ++i) {
    try {
      on_pool(rt.cpu(), [] {
        duet::join([] { throw std::runtime_error("f"); }, [] { throw std::logic_error("g"); });
        return 0;
      });
      FAIL() << "join did not throw";
    } catch (const std::runtime_error& e) {
      EXPECT_STREQ(e.what(), "f");
    }
  }
}

TEST(Join, GIsSkippedWhenFThrowsAndNobodyStoleG) {
  duet::thread_pool pool({.threads = 1});  // no thieves: g stays on the deque
  std::atomic<int> g_runs{0};
  EXPECT_THROW(on_pool(pool,
                       [&] {
                         duet::join([] { throw std::runtime_error("f"); }, [&] { g_runs.fetch_add(1); });
                         return 0;
                       }),
               std::runtime_error);
  EXPECT_EQ(g_runs.load(), 0);
}

TEST(Join, AStolenGIsWaitedForEvenWhenFThrows) {
  duet::thread_pool pool({.threads = 2});
  std::atomic<bool> g_started{false};
  std::atomic<bool> g_finished{false};
  bool finished_before_rethrow = false;
  EXPECT_THROW(on_pool(pool,
                       [&] {
                         try {
                           duet::join(
                               [&] {
                                 // Wait until the other worker stole g, then fail.
                                 while (!g_started.load()) std::this_thread::yield();
                                 throw std::runtime_error("f");
                               },
                               [&] {
                                 g_started.store(true);
                                 std::this_thread::sleep_for(std::chrono::milliseconds(20));
                                 g_finished.store(true);
                               });
                         } catch (...) {
                           finished_before_rethrow = g_finished.load();
                           throw;
                         }
                         return 0;
                       }),
               std::runtime_error);
  EXPECT_TRUE(finished_before_rethrow);
}

// f waits for g to start: only possible if another worker steals g, and the caller must then
// help or park (not spin forever) until g is done.
TEST(Join, GIsStolenByAnIdleWorkerWhileFWaits) {
  duet_test::watchdog dog("join steal");
  duet::thread_pool pool({.threads = 2});
  std::atomic<bool> g_started{false};
  auto threads = on_pool(pool, [&] {
    auto [tf, tg] = duet::join(
        [&] {
          while (!g_started.load()) std::this_thread::yield();
          return std::this_thread::get_id();
        },
        [&] {
          g_started.store(true);
          std::this_thread::sleep_for(std::chrono::milliseconds(10));  // the joiner parks meanwhile
          return std::this_thread::get_id();
        });
    return tf != tg;
  });
  EXPECT_TRUE(threads);
}

TEST(Join, ManyJoinsFromSeveralOutsideThreadsAtOnce) {
  duet::runtime rt({.cpu_threads = 2});
  std::atomic<int> ok{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t)
    ts.emplace_back([&] {
      for (int i = 0; i < 20; ++i)
        if (fib_join(12) == fib_seq(12)) ok.fetch_add(1);
    });
  for (auto& t : ts) t.join();
  EXPECT_EQ(ok.load(), 80);
}

}  // namespace
