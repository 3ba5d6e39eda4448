// Races of the wait protocol (duet/io/detail/wait_op.hpp): a stop request
// arriving while waits are being started from other threads (queued for the
// loop, registered there by the start job) and while their timers fire
// (complete() and a poke race for the same op). Each task must resume exactly
// once per wait: never twice (a crash, or a count over n), never lost (the
// group's wait would hang; every sleep here is at most 2 ms, so nothing can end
// it but the wake-up itself).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>

#include "duet/duet.hpp"

using namespace std::chrono_literals;

namespace {
struct tally {
  std::atomic<int> entered{0};    // reached sleeper() (the others were cancelled before)
  std::atomic<int> finished{0};   // slept every round
  std::atomic<int> cancelled{0};  // a sleep threw cancelled_error
  std::atomic<long> sleeps{0};    // sleeps that returned normally
};

// A task_group's wait() rethrows cancelled_error when a child was cancelled
// before it reached sleeper() (at its on() hop, or before it started): expected
// here, where the group is cancelled on purpose.
duet::task<void> wait_cancelled(duet::task_group& g) {
  try {
    co_await g.wait();
  } catch (const duet::cancelled_error&) {
  }
}

// Sleeps `rounds` times for 0, 1 or 2 ms (varied per task and round), from
// wherever it runs.
duet::task<void> sleeper(int id, int rounds, tally& t) {
  t.entered.fetch_add(1, std::memory_order_relaxed);
  try {
    for (int r = 0; r < rounds; ++r) {
      co_await duet::sleep_for(std::chrono::milliseconds((id + r) % 3));
      t.sleeps.fetch_add(1, std::memory_order_relaxed);
    }
    t.finished.fetch_add(1, std::memory_order_relaxed);
  } catch (const duet::cancelled_error&) {
    t.cancelled.fetch_add(1, std::memory_order_relaxed);
  }
}
}  // namespace

TEST(WaitRace, StopRequestedWhileSleepsStartFromOtherThreadsAndFireResumesEachTaskOnce) {
  duet::runtime rt({.cpu_threads = 2});
  constexpr int n = 2000;
  constexpr int rounds = 40;
  for (int trial = 0; trial < 3; ++trial) {
    tally t;
    auto body = [&]() -> duet::task<void> {
      duet::task_group g(co_await duet::this_task::stop_token());
      // Two thirds start on the CPU pool (each sleep is queued for the loop and
      // registered by its start job), a third hop to the loop first (registered
      // and armed at once).
      for (int i = 0; i < n; ++i) {
        g.spawn([](int id, duet::io_loop* hop, tally& t) -> duet::task<void> {
          if (hop != nullptr) co_await duet::on(*hop);
          co_await sleeper(id, rounds, t);
        }(i, i % 3 == 0 ? &rt.io() : nullptr, t));
      }
      // Cancel while the sleeps are in full swing: after some (not all) have
      // returned.
      const long some = static_cast<long>(n) * (trial + 1) * 3;
      for (int spins = 0; spins < 1'000'000 && t.sleeps.load() < some; ++spins) co_await duet::sleep_for(1ms);
      g.cancel();
      co_await wait_cancelled(g);
    };
    rt.block_on(body());
    EXPECT_EQ(t.finished.load() + t.cancelled.load(), t.entered.load()) << "trial " << trial;
    EXPECT_GT(t.cancelled.load(), 0) << "trial " << trial << ": the stop came after every task finished";
  }
}

TEST(WaitRace, GroupsCancelledOneAfterAnotherWhileTheirSleepsFireLeaveNoWaitBehind) {
  // Many small groups, each cancelled right as its 0-1 ms sleeps come due: the
  // poke and the timer's completion race for the same op over and over, on the
  // loop and off it.
  duet::runtime rt({.cpu_threads = 2});
  constexpr int groups = 300;
  constexpr int per_group = 8;
  tally t;
  auto body = [&]() -> duet::task<void> {
    for (int k = 0; k < groups; ++k) {
      duet::task_group g(co_await duet::this_task::stop_token());
      for (int i = 0; i < per_group; ++i) {
        g.spawn([](int id, duet::io_loop* hop, tally& t) -> duet::task<void> {
          if (hop != nullptr) co_await duet::on(*hop);
          co_await sleeper(id, 2, t);
        }(k + i, i % 2 == 0 ? &rt.io() : nullptr, t));
      }
      co_await duet::sleep_for(std::chrono::milliseconds(k % 2));
      g.cancel();
      co_await wait_cancelled(g);
    }
  };
  rt.block_on(body());
  EXPECT_EQ(t.finished.load() + t.cancelled.load(), t.entered.load());
  EXPECT_GT(t.entered.load(), 0);
}
