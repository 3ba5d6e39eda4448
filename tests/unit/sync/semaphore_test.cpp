#include "duet/sync/semaphore.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "duet/runtime.hpp"
#include "duet/task/spawn.hpp"
#include "duet/task/task_group.hpp"
#include "sync_test_support.hpp"

using duet::task;
using duet::sync::semaphore;

namespace {
task<> use_slot(semaphore& s, sync_test::concurrency_meter& meter, int rounds) {
  for (int i = 0; i < rounds; ++i) {
    auto permit = co_await s.acquire();
    sync_test::concurrency_meter::scope inside(meter);
    co_await duet::yield();
  }
}
}  // namespace

TEST(SyncSemaphore, NeverLetsMoreTasksInThanItHasPermits) {
  duet::runtime rt({.cpu_threads = 4});
  sync_test::concurrency_meter meter;
  rt.block_on([](sync_test::concurrency_meter& meter) -> task<> {
    semaphore s(3);
    co_await duet::scope([&](duet::task_group& g) -> task<> {
      for (int t = 0; t < 12; ++t) g.spawn(use_slot(s, meter, 40));
      co_return;
    });
    EXPECT_EQ(s.available(), 3u);
  }(meter));
  EXPECT_LE(meter.max.load(), 3);
  EXPECT_GE(meter.max.load(), 1);
}

TEST(SyncSemaphore, TryAcquireTakesOnlyFreePermits) {
  semaphore s(2);
  auto a = s.try_acquire(2);
  EXPECT_EQ(a.count(), 2u);
  EXPECT_FALSE(s.try_acquire());
  a.release();
  EXPECT_EQ(s.available(), 2u);
  {
    auto b = s.try_acquire();
    EXPECT_TRUE(b);
    EXPECT_EQ(s.available(), 1u);
  }
  EXPECT_EQ(s.available(), 2u);
  s.try_acquire().forget();
  EXPECT_EQ(s.available(), 1u);
  s.release(4);
  EXPECT_EQ(s.available(), 5u);
  EXPECT_THROW((void)s.acquire(0), std::invalid_argument);
}

TEST(SyncSemaphore, ServesALargeRequestBeforeLaterSmallOnes) {
  duet::runtime rt({.cpu_threads = 1});
  rt.block_on([]() -> task<> {
    semaphore s(1);
    std::vector<int> order;
    auto big = duet::spawn([](semaphore& s, std::vector<int>& order) -> task<> {
      auto p = co_await s.acquire(3);
      order.push_back(3);
    }(s, order));
    co_await sync_test::turns(3);
    auto small = duet::spawn([](semaphore& s, std::vector<int>& order) -> task<> {
      auto p = co_await s.acquire(1);
      order.push_back(1);
    }(s, order));
    co_await sync_test::turns(3);
    EXPECT_TRUE(order.empty());  // 1 permit free, but the small request queues behind the big one
    EXPECT_FALSE(s.try_acquire());
    s.release(2);
    co_await big;
    co_await small;
    EXPECT_EQ(order, (std::vector<int>{3, 1}));
    EXPECT_EQ(s.available(), 3u);
  }());
}
