// Cancellation of io waits through the task's group or handle (one registration per group, a
// "poke" per pending wait; see duet/io/detail/wait_op.hpp): every cancelled wait wakes exactly
// once with cancelled_error, wherever it sleeps, and nothing else wakes.
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "duet/duet.hpp"

using namespace std::chrono_literals;

namespace {
// Gives other tasks turns until pred() holds; bounded by turns, never by time.
template <class F>
duet::task<bool> eventually(F pred) {
  for (int i = 0; i < 1'000'000; ++i) {
    if (pred()) co_return true;
    co_await duet::yield();
  }
  co_return pred();
}

struct counts {
  std::atomic<int> asleep{0};
  std::atomic<int> cancelled{0};
  std::atomic<int> woke{0};
};

duet::task<void> sleep_an_hour(counts& c) {
  c.asleep.fetch_add(1);
  co_await duet::sleep_for(1h);
  c.woke.fetch_add(1);
}

// A sleeper two awaits deep: the wait sits in a nested frame, not the spawned one.
duet::task<void> nested_sleeper(counts& c) {
  co_await [](counts& c) -> duet::task<void> { co_await sleep_an_hour(c); }(c);
}
}  // namespace

TEST(WaitCancel, CancellingAGroupWakesEverySleeperOnceOnTheLoopTheCpuPoolAndNested) {
  duet::runtime rt({.cpu_threads = 2});
  constexpr int n = 3000;
  counts c;
  auto body = [&]() -> duet::task<void> {
    duet::task_group g(co_await duet::this_task::stop_token());
    for (int i = 0; i < n; ++i) {
      g.spawn([](counts& c, duet::io_loop* hop, bool nested) -> duet::task<void> {
        if (hop != nullptr) co_await duet::on(*hop);  // a third sleep on the loop's own thread
        try {
          if (nested)
            co_await nested_sleeper(c);
          else
            co_await sleep_an_hour(c);
        } catch (const duet::cancelled_error&) {
          c.cancelled.fetch_add(1);
        }
      }(c, i % 3 == 0 ? &rt.io() : nullptr, i % 3 == 2));
    }
    EXPECT_TRUE(co_await eventually([&] { return c.asleep.load() == n; }));
    co_await duet::sleep_for(20ms);  // let the last ones reach their timers
    g.cancel();
    co_await g.wait();
  };
  rt.block_on(body());  // an hour if a single wait were missed
  EXPECT_EQ(c.cancelled.load(), n);
  EXPECT_EQ(c.woke.load(), 0);
}

TEST(WaitCancel, CancellingSomeSpawnedSleepersLeavesTheOthersToWakeOnTime) {
  duet::runtime rt({.cpu_threads = 2});
  constexpr int n = 200;
  std::atomic<int> cancelled{0}, woke{0};
  auto body = [&]() -> duet::task<void> {
    std::vector<duet::join_handle<void>> hs;
    for (int i = 0; i < n; ++i) {
      hs.push_back(
          duet::spawn([](bool long_sleep, std::atomic<int>& cancelled, std::atomic<int>& woke) -> duet::task<void> {
            try {
              co_await duet::sleep_for(long_sleep ? 1h : 30ms);
              woke.fetch_add(1);
            } catch (const duet::cancelled_error&) {
              cancelled.fetch_add(1);
            }
          }(i % 2 == 0, cancelled, woke)));
    }
    co_await duet::sleep_for(5ms);
    for (int i = 0; i < n; i += 2) hs[static_cast<std::size_t>(i)].cancel();
    for (auto& h : hs) co_await h;
  };
  rt.block_on(body());
  EXPECT_EQ(cancelled.load(), n / 2);
  EXPECT_EQ(woke.load(), n / 2);
}

TEST(WaitCancel, AWaitStartedAfterStopWasRequestedThrowsWithoutSuspending) {
  duet::runtime rt({.cpu_threads = 2});
  auto body = []() -> duet::task<int> {
    auto h = duet::spawn([]() -> duet::task<int> {
      auto tok = co_await duet::this_task::stop_token();
      // Not yield(): it is a cancellation point itself. Spin this worker (bounded) instead.
      for (long i = 0; i < 100'000'000 && !tok.stop_requested(); ++i) std::this_thread::yield();
      EXPECT_TRUE(tok.stop_requested());
      int thrown = 0;
      for (int i = 0; i < 3; ++i) {  // every later wait is cancelled at once, not just the first
        try {
          co_await duet::sleep_for(1h);
        } catch (const duet::cancelled_error&) {
          ++thrown;
        }
      }
      co_return thrown;
    }());
    co_await duet::sleep_for(1ms);
    h.cancel();
    co_return co_await h;
  };
  EXPECT_EQ(rt.block_on(body()), 3);
}

TEST(WaitCancel, CancellingAGroupWakesPendingPipeReadsAndTheBytesStayInThePipes) {
  duet::runtime rt({.cpu_threads = 2});
  constexpr int n = 16;
  std::atomic<int> cancelled{0};
  auto body = [&]() -> duet::task<std::string> {
    std::vector<duet::pipe_ends> pipes;
    for (int i = 0; i < n; ++i) pipes.push_back(duet::make_pipe());
    std::atomic<int> reading{0};
    {
      duet::task_group g(co_await duet::this_task::stop_token());
      for (auto& p : pipes) {
        g.spawn([](duet::io_handle& r, std::atomic<int>& reading, std::atomic<int>& cancelled) -> duet::task<void> {
          std::array<std::byte, 16> buf{};
          reading.fetch_add(1);
          try {
            co_await r.read_some(buf);  // nobody writes
          } catch (const duet::cancelled_error&) {
            cancelled.fetch_add(1);
          }
        }(p.read, reading, cancelled));
      }
      EXPECT_TRUE(co_await eventually([&] { return reading.load() == n; }));
      co_await duet::sleep_for(10ms);
      g.cancel();
      co_await g.wait();
    }
    // The descriptors still work: a byte written now is read by a fresh wait.
    co_await pipes[3].write.write_all(std::string_view("z"));
    std::array<std::byte, 4> buf{};
    const std::size_t got = co_await pipes[3].read.read_some(buf);
    co_return std::string(reinterpret_cast<const char*>(buf.data()), got);
  };
  EXPECT_EQ(rt.block_on(body()), "z");
  EXPECT_EQ(cancelled.load(), n);
}
