// Every sync wait is a cancellation point: a task whose stop token fires while it waits wakes
// with cancelled_error, and nothing it was waiting for is lost or taken.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "duet/runtime.hpp"
#include "duet/sync/sync.hpp"
#include "duet/task/spawn.hpp"
#include "duet/task/task_group.hpp"
#include "sync_test_support.hpp"

using duet::task;
using duet::sync::channel;
using duet::sync::try_status;

namespace {
// Awaits h and reports whether it ended with cancelled_error.
template <class T>
task<bool> was_cancelled(duet::join_handle<T>& h) {
  try {
    co_await h;
  } catch (const duet::cancelled_error&) {
    co_return true;
  }
  co_return false;
}

// On a one-worker runtime: once `waiting` is seen, the task has suspended in its wait.
template <class F>
task<> until_waiting(std::atomic<bool>& waiting, F&&) {
  EXPECT_TRUE(co_await sync_test::eventually([&] { return waiting.load(); }));
}
}  // namespace

TEST(SyncCancel, AWaitingReceiverWakesWithCancelledErrorAndTheNextValueIsNotLost) {
  duet::runtime rt({.cpu_threads = 1});
  rt.block_on([]() -> task<> {
    auto [tx, rx] = channel<int>(1);
    std::atomic<bool> waiting{false};
    auto h = duet::spawn([](duet::sync::receiver<int> rx, std::atomic<bool>& waiting) -> task<int> {
      waiting = true;
      co_return *co_await rx.recv();
    }(rx, waiting));
    co_await until_waiting(waiting, 0);
    h.cancel();                                 // one worker: the woken task cannot run before we next suspend
    EXPECT_EQ(tx.try_send(7), try_status::ok);  // its node is dead but still queued: skipped
    EXPECT_TRUE(co_await was_cancelled(h));
    EXPECT_EQ(rx.try_recv().value, 7);
  }());
}

TEST(SyncCancel, AWaitingSenderWakesWithCancelledErrorWithoutSending) {
  duet::runtime rt({.cpu_threads = 1});
  rt.block_on([]() -> task<> {
    auto [tx, rx] = channel<int>(1);
    co_await tx.send(1);
    std::atomic<bool> waiting{false};
    auto h = duet::spawn([](duet::sync::sender<int> tx, std::atomic<bool>& waiting) -> task<> {
      waiting = true;
      co_await tx.send(2);
    }(tx, waiting));
    co_await until_waiting(waiting, 0);
    h.cancel();
    EXPECT_EQ(rx.try_recv().value, 1);  // refilling the buffer skips the cancelled sender
    EXPECT_TRUE(co_await was_cancelled(h));
    EXPECT_EQ(rx.try_recv().status, try_status::empty);  // 2 was never sent
  }());
}

TEST(SyncCancel, ACancelledTaskTakesNothingFromAReadyChannel) {
  duet::runtime rt({.cpu_threads = 2});
  rt.block_on([]() -> task<> {
    auto [tx, rx] = channel<int>(1);
    co_await tx.send(5);
    std::atomic<bool> go{false};
    auto h = duet::spawn([](duet::sync::receiver<int> rx, std::atomic<bool>& go) -> task<> {
      while (!go.load()) std::this_thread::yield();  // no suspension point until go
      co_await rx.recv();
    }(rx, go));
    h.cancel();
    go = true;
    EXPECT_TRUE(co_await was_cancelled(h));
    EXPECT_EQ(rx.try_recv().value, 5);
  }());
}

TEST(SyncCancel, ACancelledLockWaiterPassesTheLockOn) {
  duet::runtime rt({.cpu_threads = 1});
  rt.block_on([]() -> task<> {
    duet::sync::mutex m;
    auto held = co_await m.lock();
    std::atomic<bool> waiting{false};
    std::atomic<int> got{0};
    auto lock_once = [](duet::sync::mutex& m, std::atomic<bool>& waiting, std::atomic<int>& got) -> task<> {
      waiting = true;
      auto g = co_await m.lock();
      got.fetch_add(1);
    };
    auto a = duet::spawn(lock_once(m, waiting, got));
    co_await until_waiting(waiting, 0);
    waiting = false;
    auto b = duet::spawn(lock_once(m, waiting, got));
    co_await until_waiting(waiting, 0);
    a.cancel();
    held.unlock();  // a is cancelled but still queued: the lock goes to b
    EXPECT_TRUE(co_await was_cancelled(a));
    co_await b;
    EXPECT_EQ(got.load(), 1);
    EXPECT_FALSE(m.is_locked());
  }());
}

TEST(SyncCancel, ACancelledHeadOfTheSemaphoreQueueLetsTheNextWaiterIn) {
  duet::runtime rt({.cpu_threads = 1});
  rt.block_on([]() -> task<> {
    duet::sync::semaphore s(1);
    std::atomic<bool> waiting{false};
    auto want = [](duet::sync::semaphore& s, std::size_t n, std::atomic<bool>& waiting) -> task<> {
      waiting = true;
      auto p = co_await s.acquire(n);
    };
    auto big = duet::spawn(want(s, 2, waiting));  // cannot be served: 1 permit
    co_await until_waiting(waiting, 0);
    waiting = false;
    auto small = duet::spawn(want(s, 1, waiting));  // queued behind big
    co_await until_waiting(waiting, 0);
    big.cancel();
    EXPECT_TRUE(co_await was_cancelled(big));
    // Served once big withdrew (bounded wait: a failure here must not hang the suite).
    EXPECT_TRUE(co_await sync_test::eventually([&] { return small.is_finished(); }));
    if (small.is_finished()) co_await small;
    EXPECT_EQ(s.available(), 1u);
  }());
}

TEST(SyncCancel, ACancelledSelectWithdrawsEveryCase) {
  duet::runtime rt({.cpu_threads = 1});
  rt.block_on([]() -> task<> {
    auto [tx1, rx1] = channel<int>(1);
    auto [tx2, rx2] = channel<int>(1);
    std::atomic<bool> waiting{false};
    auto h =
        duet::spawn([](duet::sync::receiver<int> a, duet::sync::receiver<int> b, std::atomic<bool>& waiting) -> task<> {
          waiting = true;
          co_await duet::sync::select(a.recv_case(), b.recv_case());
        }(rx1, rx2, waiting));
    co_await until_waiting(waiting, 0);
    h.cancel();
    EXPECT_EQ(tx1.try_send(1), try_status::ok);
    EXPECT_TRUE(co_await was_cancelled(h));
    EXPECT_EQ(tx2.try_send(2), try_status::ok);
    EXPECT_EQ(rx1.try_recv().value, 1);
    EXPECT_EQ(rx2.try_recv().value, 2);
  }());
}

TEST(SyncCancel, CancellingAScopeWakesEveryWaitingMember) {
  duet::runtime rt({.cpu_threads = 2});
  rt.block_on([]() -> task<> {
    duet::sync::event never;
    duet::sync::latch closed_latch(1);
    duet::sync::barrier b(10);
    auto [tx, rx] = channel<int>(0);
    bool cancelled = false;
    try {
      co_await duet::scope([&](duet::task_group& g) -> task<> {
        g.spawn([](duet::sync::event& e) -> task<> { co_await e.wait(); }(never));
        g.spawn([](duet::sync::latch& l) -> task<> { co_await l.wait(); }(closed_latch));
        g.spawn([](duet::sync::barrier& b) -> task<> { co_await b.arrive_and_wait(); }(b));
        g.spawn([](duet::sync::receiver<int> rx) -> task<> { co_await rx.recv(); }(rx));
        g.spawn([](duet::sync::sender<int> tx) -> task<> { co_await tx.send(1); }(tx));
        co_await sync_test::turns(100);
        g.cancel();
      });
    } catch (const duet::cancelled_error&) {
      cancelled = true;
    }
    EXPECT_TRUE(cancelled);
    EXPECT_EQ(rx.try_recv().status, try_status::empty);
  }());
}
