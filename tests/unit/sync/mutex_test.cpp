#include "duet/sync/mutex.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "duet/runtime.hpp"
#include "duet/task/spawn.hpp"
#include "duet/task/task_group.hpp"
#include "sync_test_support.hpp"

using duet::task;
using duet::sync::mutex;

namespace {
// Increments a plain (non-atomic) counter in steps, giving way inside the critical section.
task<> add_under_lock(mutex& m, long& counter, int times) {
  for (int i = 0; i < times; ++i) {
    auto guard = co_await m.lock();
    const long seen = counter;
    co_await duet::yield();  // any other task inside now would break the count
    counter = seen + 1;
  }
}
}  // namespace

TEST(SyncMutex, ExcludesEveryOtherTaskFromTheCriticalSection) {
  duet::runtime rt({.cpu_threads = 4});
  long counter = 0;
  rt.block_on([](long& counter) -> task<> {
    mutex m;
    co_await duet::scope([&](duet::task_group& g) -> task<> {
      for (int t = 0; t < 16; ++t) g.spawn(add_under_lock(m, counter, 50));
      co_return;
    });
    EXPECT_FALSE(m.is_locked());
  }(counter));
  EXPECT_EQ(counter, 16 * 50);
}

TEST(SyncMutex, TryLockSucceedsOnlyWhileFree) {
  mutex m;
  {
    auto g = m.try_lock();
    EXPECT_TRUE(g.owns_lock());
    EXPECT_TRUE(m.is_locked());
    EXPECT_FALSE(m.try_lock());
  }
  EXPECT_FALSE(m.is_locked());
  auto g = m.try_lock();
  g.unlock();
  EXPECT_FALSE(g.owns_lock());
  EXPECT_FALSE(m.is_locked());
  auto h = m.try_lock();
  mutex* raw = h.release();
  EXPECT_TRUE(m.is_locked());
  raw->unlock();
  EXPECT_FALSE(m.is_locked());
}

TEST(SyncMutex, HandsTheLockToWaitersInArrivalOrder) {
  duet::runtime rt({.cpu_threads = 1});  // one worker: arrival order is spawn order
  rt.block_on([]() -> task<> {
    mutex m;
    std::vector<int> order;
    std::vector<duet::join_handle<void>> hs;
    auto held = co_await m.lock();
    for (int i = 0; i < 8; ++i) {
      hs.push_back(duet::spawn([](mutex& m, std::vector<int>& order, int i) -> task<> {
        auto g = co_await m.lock();
        order.push_back(i);
      }(m, order, i)));
      co_await sync_test::turns(3);  // let it run up to its wait
    }
    held.unlock();
    for (auto& h : hs) co_await h;
    EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7}));
  }());
}

TEST(SyncMutex, AGuardMovesItsOwnership) {
  duet::runtime rt({.cpu_threads = 1});
  rt.block_on([]() -> task<> {
    mutex m;
    auto a = co_await m.lock();
    auto b = std::move(a);
    EXPECT_FALSE(a.owns_lock());
    EXPECT_TRUE(b.owns_lock());
    b = duet::sync::mutex_guard();
    EXPECT_FALSE(m.is_locked());
  }());
}
