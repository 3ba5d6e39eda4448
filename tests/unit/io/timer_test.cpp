// sleep_for / sleep_until / timeout / interval on a real io loop.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "duet/duet.hpp"

using namespace std::chrono_literals;
using clk = std::chrono::steady_clock;

TEST(Sleep, SleepsAtLeastTheDurationAndResumesOnItsExecutor) {
  duet::runtime rt({.cpu_threads = 2});
  auto body = [&]() -> duet::task<std::chrono::nanoseconds> {
    const auto t0 = clk::now();
    co_await duet::sleep_for(30ms);
    EXPECT_EQ(duet::detail::current_executor(), &rt.cpu()) << "a CPU task comes back to the CPU pool";
    co_return clk::now() - t0;
  };
  EXPECT_GE(rt.block_on(body()), 30ms);
}

TEST(Sleep, ManySleepersAllWakeAndTheTotalTimeIsOneSleep) {
  duet::runtime rt({.cpu_threads = 2});
  std::atomic<int> woke{0};
  auto sleeper = [&](int ms) -> duet::task<void> {
    co_await duet::sleep_for(std::chrono::milliseconds(ms));
    woke.fetch_add(1, std::memory_order_relaxed);
  };
  auto body = [&]() -> duet::task<void> {
    std::vector<duet::task<void>> ts;
    for (int i = 0; i < 20000; ++i) ts.push_back(sleeper(50 + i % 50));
    co_await duet::when_all(std::move(ts));
  };
  const auto t0 = clk::now();
  rt.block_on(body());
  EXPECT_EQ(woke.load(), 20000);
  EXPECT_LT(clk::now() - t0, 20s) << "sleeps overlap; a generous bound against serialisation";
}

TEST(Sleep, CancellationWakesASleeperAtOnce) {
  duet::runtime rt({.cpu_threads = 2});
  auto sleeper = []() -> duet::task<int> {
    co_await duet::sleep_for(1h);
    co_return 1;
  };
  auto body = [&]() -> duet::task<void> {
    auto h = duet::spawn(sleeper());
    co_await duet::sleep_for(10ms);
    h.cancel();
    EXPECT_THROW(co_await h, duet::cancelled_error);
  };
  const auto t0 = clk::now();
  rt.block_on(body());
  EXPECT_LT(clk::now() - t0, 30s);
}

TEST(Sleep, SleepUntilAPastTimeCompletesPromptly) {
  duet::runtime rt({.cpu_threads = 1});
  auto body = []() -> duet::task<int> {
    co_await duet::sleep_until(clk::now() - 1s);
    co_return 7;
  };
  EXPECT_EQ(rt.block_on(body()), 7);
}

TEST(Timeout, ReturnsTheValueWhenInTime) {
  duet::runtime rt({.cpu_threads = 2});
  auto quick = []() -> duet::task<int> {
    co_await duet::sleep_for(1ms);
    co_return 5;
  };
  auto body = [&]() -> duet::task<int> { co_return co_await duet::timeout(quick(), 10s); };
  EXPECT_EQ(rt.block_on(body()), 5);
}

TEST(Timeout, ThrowsTimeoutErrorAndCancelsTheTask) {
  duet::runtime rt({.cpu_threads = 2});
  std::atomic<bool> finished{false};
  auto slow = [&]() -> duet::task<int> {
    co_await duet::sleep_for(1h);
    finished = true;
    co_return 1;
  };
  auto body = [&]() -> duet::task<void> {
    try {
      co_await duet::timeout(slow(), 20ms);
      ADD_FAILURE() << "no timeout";
    } catch (const duet::timeout_error& e) {
      EXPECT_NE(std::string(e.what()).find("20 ms"), std::string::npos) << e.what();
    }
  };
  rt.block_on(body());
  EXPECT_FALSE(finished.load());
}

TEST(Timeout, PassesTheTasksOwnExceptionThrough) {
  duet::runtime rt({.cpu_threads = 2});
  auto bad = []() -> duet::task<void> {
    co_await duet::sleep_for(1ms);
    throw std::runtime_error("boom");
  };
  auto body = [&]() -> duet::task<void> { co_await duet::timeout(bad(), 10s); };
  EXPECT_THROW(rt.block_on(body()), std::runtime_error);
}

TEST(Interval, TicksAtItsPeriodWithoutDrift) {
  duet::runtime rt({.cpu_threads = 1});
  auto body = []() -> duet::task<std::chrono::nanoseconds> {
    duet::interval iv(10ms);
    const auto t0 = clk::now();
    for (int i = 0; i < 10; ++i) co_await iv.tick();
    co_return clk::now() - t0;
  };
  EXPECT_GE(rt.block_on(body()), 100ms);
}

TEST(Interval, RejectsANonPositivePeriod) { EXPECT_THROW(duet::interval(0ms), std::invalid_argument); }

TEST(IoLoop, TimerLatenessStaysSmallWhileCpuWorkersAreSaturated) {
  duet::runtime rt({.cpu_threads = 2});
  std::atomic<bool> stop{false};
  auto burn = [&]() -> duet::task<void> {
    while (!stop.load(std::memory_order_relaxed)) {
      volatile double x = 0;
      for (int i = 0; i < 100000; ++i) x = x + i;
    }
    co_return;
  };
  std::vector<duet::join_handle<void>> burners;
  auto probe = [&]() -> duet::task<std::chrono::nanoseconds> {
    co_await duet::on(rt.io());  // measure from the loop; then saturate every CPU worker
    for (int i = 0; i < 2; ++i) burners.push_back(rt.spawn(burn()));
    std::chrono::nanoseconds worst{0};
    for (int i = 0; i < 20; ++i) {
      const auto want = clk::now() + 5ms;
      co_await duet::sleep_until(want);
      worst = std::max(worst, std::chrono::nanoseconds(clk::now() - want));
    }
    co_return worst;
  };
  const auto worst = rt.block_on(probe());
  stop = true;
  for (auto& b : burners) b.get();
  // The loop has its own thread: CPU work cannot delay it. 50 ms is generous on a shared box.
  EXPECT_LT(worst, 50ms);
}

TEST(SpawnBlocking, RunsOffTheWorkersAndReturnsTheValue) {
  duet::runtime rt({.cpu_threads = 1});
  // Eight blocking calls that each wait until all eight are inside at once: they only get
  // there if the pool runs them on separate threads (each gives up after 10 s, so a pool that
  // ran them one after another fails the test instead of hanging it).
  std::atomic<int> inside{0}, met{0};
  auto body = [&]() -> duet::task<int> {
    std::vector<duet::task<int>> calls;
    for (int i = 0; i < 8; ++i)
      calls.push_back(duet::spawn_blocking([i, &inside, &met] {
        EXPECT_EQ(duet::detail::current_executor(), nullptr) << "not on a CPU worker or the loop";
        inside.fetch_add(1);
        const auto give_up = clk::now() + 10s;
        while (inside.load() < 8 && clk::now() < give_up) std::this_thread::sleep_for(1ms);
        if (inside.load() == 8) met.fetch_add(1);
        return i;
      }));
    auto r = co_await duet::when_all(std::move(calls));
    int sum = 0;
    for (int v : r) sum += v;
    co_return sum;
  };
  EXPECT_EQ(rt.block_on(body()), 28);
  EXPECT_EQ(met.load(), 8) << "blocking calls ran one after another";
}

TEST(SpawnBlocking, PropagatesExceptions) {
  duet::runtime rt({.cpu_threads = 1});
  auto body = []() -> duet::task<void> {
    co_await duet::spawn_blocking([]() -> int { throw std::runtime_error("blocked and failed"); });
  };
  EXPECT_THROW(rt.block_on(body()), std::runtime_error);
}

TEST(Runtime, ShutdownCancelsSleepingTasks) {
  std::atomic<int> cancelled{0}, finished{0};
  // Declared before the runtime: the tasks' frames refer to this closure, and they resume (with
  // cancelled_error) while the runtime is being destroyed.
  auto sleeper = [&]() -> duet::task<void> {
    try {
      co_await duet::sleep_for(1h);
      finished++;
    } catch (const duet::cancelled_error&) {
      cancelled++;
    }
  };
  {
    duet::runtime rt({.cpu_threads = 2});
    for (int i = 0; i < 1000; ++i) rt.spawn(sleeper()).detach();
    std::this_thread::sleep_for(50ms);
  }  // must not hang for an hour
  EXPECT_EQ(cancelled.load() + finished.load(), 1000);
  EXPECT_EQ(cancelled.load(), 1000);
}

TEST(IoLoop, BackendCanBeChosenAndBadNamesAreRejected) {
  duet::io_loop e({.name = "duet-io-test", .backend = "epoll"});
  EXPECT_STREQ(e.backend_name(), "epoll");
  EXPECT_THROW(duet::io_loop({.name = "x", .backend = "kqueue"}), std::invalid_argument);
  try {
    duet::io_loop u({.name = "duet-io-test", .backend = "io_uring"});
    EXPECT_STREQ(u.backend_name(), "io_uring");
  } catch (const std::runtime_error& ex) {
    // io_uring unavailable on this kernel: the message must say why.
    EXPECT_NE(std::string(ex.what()).find("io_uring"), std::string::npos);
  }
}
