#include "duet/core/eventcount.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "unit/core/test_support.hpp"

namespace {

using duet::detail::eventcount;

TEST(Eventcount, PrepareWaitAnnouncesAWaiterAndCancelWithdrawsIt) {
  eventcount ec;
  EXPECT_FALSE(ec.has_waiters());
  auto k = ec.prepare_wait();
  (void)k;
  EXPECT_TRUE(ec.has_waiters());
  ec.cancel_wait();
  EXPECT_FALSE(ec.has_waiters());
  ec.notify_one();  // nobody waits: a no-op
  ec.notify_all();
  EXPECT_FALSE(ec.has_waiters());
}

TEST(Eventcount, WaitReturnsAtOnceWhenNotifiedAfterPrepare) {
  eventcount ec;
  auto k = ec.prepare_wait();
  ec.notify_one();  // the epoch moves: wait() must not sleep
  ec.wait(k);
  EXPECT_FALSE(ec.has_waiters());
}

TEST(Eventcount, NotifyBeforePrepareDoesNotWakeALaterWait) {
  eventcount ec;
  std::atomic<bool> woke{false};
  ec.notify_one();  // nobody waiting: the notification is not stored
  std::thread t([&] {
    auto k = ec.prepare_wait();
    ec.wait(k);
    woke.store(true);
  });
  ASSERT_TRUE(duet_test::spin_until([&] { return ec.has_waiters(); }));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_FALSE(woke.load());
  ec.notify_one();
  t.join();
  EXPECT_TRUE(woke.load());
}

// A token ping-pong between two threads that both park through the eventcount protocol. A
// lost wake-up leaves both asleep forever; the watchdog turns that into a failure.
TEST(Eventcount, PingPongNeverLosesAWakeUp) {
  duet_test::watchdog dog("eventcount ping-pong");
  const int rounds = static_cast<int>(duet_test::scaled(20000, 2000));
  eventcount ec;
  std::atomic<int> turn{0};  // even: thread A's turn, odd: thread B's
  auto player = [&](int parity) {
    for (int i = 0; i < rounds; ++i) {
      for (;;) {
        if (turn.load(std::memory_order_acquire) % 2 == parity) break;
        auto k = ec.prepare_wait();
        if (turn.load(std::memory_order_acquire) % 2 == parity) {
          ec.cancel_wait();
          break;
        }
        ec.wait(k);
      }
      turn.fetch_add(1, std::memory_order_release);
      ec.notify_all();
    }
  };
  std::thread a(player, 0), b(player, 1);
  a.join();
  b.join();
  EXPECT_EQ(turn.load(), 2 * rounds);
  EXPECT_FALSE(ec.has_waiters());
}

TEST(Eventcount, NotifyAllWakesEveryWaiter) {
  duet_test::watchdog dog("eventcount notify_all");
  constexpr int n = 4;
  eventcount ec;
  std::atomic<bool> go{false};
  std::atomic<int> woken{0};
  std::vector<std::thread> ts;
  for (int i = 0; i < n; ++i) {
    ts.emplace_back([&] {
      for (;;) {
        auto k = ec.prepare_wait();
        if (go.load()) {
          ec.cancel_wait();
          break;
        }
        ec.wait(k);
      }
      woken.fetch_add(1);
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(woken.load(), 0);
  go.store(true);
  ec.notify_all();
  for (auto& t : ts) t.join();
  EXPECT_EQ(woken.load(), n);
}

// notify_one with several sleepers wakes at least one; each notification paired with one item
// lets consumers drain every item (no item stranded while a consumer sleeps).
TEST(Eventcount, NotifyOnePerItemDrainsEveryItem) {
  duet_test::watchdog dog("eventcount notify_one");
  const int items = static_cast<int>(duet_test::scaled(20000, 2000));
  constexpr int consumers = 3;
  eventcount ec;
  std::atomic<int> available{0};
  std::atomic<int> consumed{0};
  std::atomic<bool> closed{false};
  auto try_take = [&] {
    int a = available.load();
    while (a > 0)
      if (available.compare_exchange_weak(a, a - 1)) return true;
    return false;
  };
  std::vector<std::thread> ts;
  for (int i = 0; i < consumers; ++i) {
    ts.emplace_back([&] {
      for (;;) {
        if (try_take()) {
          consumed.fetch_add(1);
          continue;
        }
        auto k = ec.prepare_wait();
        if (try_take()) {
          ec.cancel_wait();
          consumed.fetch_add(1);
          ec.notify_one();  // pass the baton: a notification may have been meant for this item
          continue;
        }
        if (closed.load()) {
          ec.cancel_wait();
          return;
        }
        ec.wait(k);
      }
    });
  }
  for (int i = 0; i < items; ++i) {
    available.fetch_add(1);
    ec.notify_one();
  }
  ASSERT_TRUE(duet_test::spin_until([&] { return consumed.load() == items; }, std::chrono::seconds(60)));
  closed.store(true);
  ec.notify_all();
  for (auto& t : ts) t.join();
  EXPECT_EQ(consumed.load(), items);
  EXPECT_EQ(available.load(), 0);
}

}  // namespace
