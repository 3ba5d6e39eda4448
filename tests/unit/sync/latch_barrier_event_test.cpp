#include <gtest/gtest.h>

#include <atomic>
#include <vector>

#include "duet/runtime.hpp"
#include "duet/sync/barrier.hpp"
#include "duet/sync/event.hpp"
#include "duet/sync/latch.hpp"
#include "duet/task/spawn.hpp"
#include "duet/task/task_group.hpp"
#include "sync_test_support.hpp"

using duet::task;

TEST(SyncLatch, ReleasesEveryWaiterOnceWhenTheCountReachesZero) {
  duet::runtime rt({.cpu_threads = 2});
  rt.block_on([]() -> task<> {
    duet::sync::latch l(3);
    std::atomic<int> released{0};
    std::vector<duet::join_handle<void>> hs;
    for (int i = 0; i < 5; ++i) {
      hs.push_back(duet::spawn([](duet::sync::latch& l, std::atomic<int>& released) -> task<> {
        co_await l.wait();
        released.fetch_add(1);
      }(l, released)));
    }
    l.count_down();
    l.count_down();
    co_await sync_test::turns(100);
    EXPECT_EQ(released.load(), 0);
    EXPECT_FALSE(l.try_wait());
    l.count_down();
    for (auto& h : hs) co_await h;
    EXPECT_EQ(released.load(), 5);
    EXPECT_TRUE(l.try_wait());
    co_await l.wait();  // open: returns at once
    EXPECT_THROW(l.count_down(), std::logic_error);
  }());
}

TEST(SyncLatch, ArriveAndWaitCountsDownAndWaits) {
  duet::runtime rt({.cpu_threads = 2});
  rt.block_on([]() -> task<> {
    duet::sync::latch l(4);
    co_await duet::scope([&](duet::task_group& g) -> task<> {
      for (int i = 0; i < 4; ++i) g.spawn([](duet::sync::latch& l) -> task<> { co_await l.arrive_and_wait(); }(l));
      co_return;
    });
    EXPECT_TRUE(l.try_wait());
  }());
}

namespace {
task<> lockstep(duet::sync::barrier& b, std::vector<std::atomic<int>>& arrived, std::atomic<int>& leaders,
                std::atomic<bool>& ahead, int rounds) {
  for (int r = 0; r < rounds; ++r) {
    arrived[static_cast<std::size_t>(r)].fetch_add(1);
    if (co_await b.arrive_and_wait()) leaders.fetch_add(1);
    // Everyone arrived for round r before anybody leaves it.
    if (arrived[static_cast<std::size_t>(r)].load() != 4) ahead = true;
  }
}
}  // namespace

TEST(SyncBarrier, ReleasesAPhaseOnlyWhenAllHaveArrivedWithOneLeaderEach) {
  duet::runtime rt({.cpu_threads = 2});
  rt.block_on([]() -> task<> {
    constexpr int rounds = 30;
    duet::sync::barrier b(4);
    std::vector<std::atomic<int>> arrived(rounds);
    std::atomic<int> leaders{0};
    std::atomic<bool> ahead{false};
    co_await duet::scope([&](duet::task_group& g) -> task<> {
      for (int i = 0; i < 4; ++i) g.spawn(lockstep(b, arrived, leaders, ahead, rounds));
      co_return;
    });
    EXPECT_FALSE(ahead.load());
    EXPECT_EQ(leaders.load(), rounds);
    EXPECT_EQ(b.phase(), static_cast<std::uint64_t>(rounds));
  }());
}

TEST(SyncBarrier, ArriveAndDropShrinksLaterPhases) {
  duet::runtime rt({.cpu_threads = 1});
  rt.block_on([]() -> task<> {
    duet::sync::barrier b(2);
    b.arrive_and_drop();
    EXPECT_TRUE(co_await b.arrive_and_wait());  // completes phase 0 alone
    EXPECT_TRUE(co_await b.arrive_and_wait());  // and every later phase
    EXPECT_EQ(b.phase(), 2u);
  }());
  EXPECT_THROW(duet::sync::barrier(0), std::invalid_argument);
}

TEST(SyncEvent, SetReleasesEveryWaiterExactlyOnce) {
  duet::runtime rt({.cpu_threads = 2});
  rt.block_on([]() -> task<> {
    duet::sync::event ev;
    std::atomic<int> released{0};
    std::vector<duet::join_handle<void>> hs;
    for (int i = 0; i < 6; ++i) {
      hs.push_back(duet::spawn([](duet::sync::event& ev, std::atomic<int>& released) -> task<> {
        co_await ev.wait();
        released.fetch_add(1);
      }(ev, released)));
    }
    co_await sync_test::turns(100);
    EXPECT_EQ(released.load(), 0);
    ev.set();
    ev.set();  // idempotent
    for (auto& h : hs) co_await h;
    EXPECT_EQ(released.load(), 6);
  }());
}

TEST(SyncEvent, ResetMakesLaterWaitsWaitAgain) {
  duet::runtime rt({.cpu_threads = 2});
  rt.block_on([]() -> task<> {
    duet::sync::event ev(true);
    EXPECT_TRUE(ev.is_set());
    co_await ev.wait();  // already set
    ev.reset();
    EXPECT_FALSE(ev.is_set());
    auto h = duet::spawn([](duet::sync::event& ev) -> task<> { co_await ev.wait(); }(ev));
    co_await sync_test::turns(100);
    EXPECT_FALSE(h.is_finished());
    ev.set();
    co_await h;
  }());
}
