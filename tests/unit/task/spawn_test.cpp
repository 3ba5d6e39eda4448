#include "duet/task/spawn.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <stop_token>
#include <thread>

#include "duet/runtime.hpp"
#include "duet/task/on.hpp"
#include "unit/core/test_support.hpp"
#include "unit/task/task_support.hpp"

namespace {

duet::task<int> value(int v) { co_return v; }
duet::task<int> fail() {
  throw std::runtime_error("spawned failure");
  co_return 0;
}
duet::task<> count_up(std::atomic<int>& n) {
  n.fetch_add(1);
  co_return;
}
/// Yields until cancelled; counts its turns.
duet::task<int> spin_until_cancelled(std::atomic<int>& turns) {
  for (;;) {
    turns.fetch_add(1);
    co_await duet::yield();
  }
}

TEST(JoinHandle, CoAwaitReturnsTheValue) {
  duet::runtime rt({.cpu_threads = 2});
  auto r = rt.block_on([]() -> duet::task<int> {
    auto a = duet::spawn(value(20));
    auto b = duet::spawn(value(22));
    co_return co_await a + co_await b;
  }());
  EXPECT_EQ(r, 42);
}

TEST(JoinHandle, CoAwaitRethrowsTheTasksException) {
  duet::runtime rt({.cpu_threads = 2});
  auto msg = rt.block_on([]() -> duet::task<std::string> {
    auto h = duet::spawn(fail());
    try {
      co_await h;
    } catch (const std::runtime_error& e) {
      co_return e.what();
    }
    co_return "no exception";
  }());
  EXPECT_EQ(msg, "spawned failure");
}

TEST(JoinHandle, CoAwaitOfAFinishedTaskDoesNotSuspend) {
  duet::runtime rt({.cpu_threads = 2});
  auto r = rt.block_on([]() -> duet::task<int> {
    auto h = duet::spawn(value(5));
    while (!h.is_finished()) co_await duet::yield();
    co_return co_await h;
  }());
  EXPECT_EQ(r, 5);
}

TEST(JoinHandle, GetBlocksAPlainThreadUntilTheResult) {
  duet::runtime rt({.cpu_threads = 2});
  auto h = duet::spawn(rt.cpu(), value(7));
  EXPECT_TRUE(h.valid());
  EXPECT_EQ(h.get(), 7);
  EXPECT_THROW(duet::spawn(rt.cpu(), fail()).get(), std::runtime_error);
  EXPECT_EQ(rt.spawn(value(8)).get(), 8);
}

TEST(JoinHandle, GetFromAWorkerThreadThrowsLogicError) {
  duet::runtime rt({.cpu_threads = 2});
  auto outcome = rt.block_on([]() -> duet::task<std::string> {
    auto h = duet::spawn(value(1));
    std::string what;
    try {
      (void)h.get();
      what = "no exception";
    } catch (const std::logic_error& e) {
      what = "logic_error";
    }
    EXPECT_EQ(co_await h, 1);  // the handle still works after the refused get()
    co_return what;
  }());
  EXPECT_EQ(outcome, "logic_error");
}

TEST(JoinHandle, GetOnAnEmptyHandleThrowsLogicError) {
  duet::join_handle<int> h;
  EXPECT_FALSE(h.valid());
  EXPECT_THROW((void)h.get(), std::logic_error);
}

TEST(JoinHandle, SpawningAnEmptyTaskThrowsInvalidArgument) {
  duet::runtime rt({.cpu_threads = 1});
  EXPECT_THROW((void)duet::spawn(rt.cpu(), duet::task<int>{}), std::invalid_argument);
}

TEST(JoinHandle, CancelBeforeStartReportsCancelledErrorAndNeverRunsTheBody) {
  duet::runtime rt({.cpu_threads = 1});
  std::atomic<int> ran{0};
  duet_test::blocker busy(rt.cpu());
  auto h = duet::spawn(rt.cpu(), count_up(ran));
  h.cancel();
  EXPECT_FALSE(h.is_finished());
  busy.open();
  EXPECT_THROW(h.get(), duet::cancelled_error);
  EXPECT_TRUE(h.is_finished());
  EXPECT_EQ(ran.load(), 0);
}

TEST(JoinHandle, CancelDuringRunStopsAtTheNextYield) {
  duet::runtime rt({.cpu_threads = 2});
  std::atomic<int> turns{0};
  auto h = duet::spawn(rt.cpu(), spin_until_cancelled(turns));
  ASSERT_TRUE(duet_test::spin_until([&] { return turns.load() >= 10; }));
  h.cancel();
  EXPECT_THROW((void)h.get(), duet::cancelled_error);
  const int at_cancel = turns.load();
  std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(turns.load(), at_cancel);  // it really stopped
}

TEST(JoinHandle, CancelledTaskSeesItsStopToken) {
  duet::runtime rt({.cpu_threads = 2});
  std::atomic<bool> saw_stop{false};
  std::atomic<bool> started{false};
  auto h = duet::spawn(rt.cpu(), [](std::atomic<bool>& started, std::atomic<bool>& saw) -> duet::task<int> {
    std::stop_token tok = co_await duet::this_task::stop_token();
    EXPECT_TRUE(tok.stop_possible());
    started.store(true);
    // A loop that never suspends polls its token.
    while (!tok.stop_requested()) std::this_thread::yield();
    saw.store(true);
    co_return 3;
  }(started, saw_stop));
  ASSERT_TRUE(duet_test::spin_until([&] { return started.load(); }));
  h.cancel();
  EXPECT_EQ(h.get(), 3);  // it chose to finish normally
  EXPECT_TRUE(saw_stop.load());
}

TEST(JoinHandle, CancelReachesAnAwaitedChildOfTheTask) {
  duet::runtime rt({.cpu_threads = 2});
  std::atomic<int> turns{0};
  std::atomic<bool> child_cancelled{false};
  auto h = duet::spawn(rt.cpu(), [](std::atomic<int>& turns, std::atomic<bool>& cc) -> duet::task<int> {
    try {
      co_return co_await spin_until_cancelled(turns);  // the child shares the parent's token
    } catch (const duet::cancelled_error&) {
      cc.store(true);
      throw;
    }
  }(turns, child_cancelled));
  ASSERT_TRUE(duet_test::spin_until([&] { return turns.load() >= 3; }));
  h.cancel();
  EXPECT_THROW((void)h.get(), duet::cancelled_error);
  EXPECT_TRUE(child_cancelled.load());
}

TEST(JoinHandle, DroppingTheHandleDetachesAndTheTaskStillRuns) {
  std::atomic<int> ran{0};
  std::atomic<int> freed{0};
  {
    duet::runtime rt({.cpu_threads = 2});
    {
      duet_test::blocker busy(rt.cpu());  // keep one worker busy so some tasks are still queued
      for (int i = 0; i < 100; ++i) {
        auto h = duet::spawn(rt.cpu(), [](std::atomic<int>& n, duet_test::destroy_counter) -> duet::task<> {
          n.fetch_add(1);
          co_return;
        }(ran, duet_test::destroy_counter(freed)));
        h.detach();
        EXPECT_FALSE(h.valid());
      }
      for (int i = 0; i < 100; ++i) {
        (void)duet::spawn(rt.cpu(), count_up(ran));  // the handle dies at once
      }
    }
    ASSERT_TRUE(duet_test::spin_until([&] { return ran.load() == 200; }));
  }
  EXPECT_EQ(ran.load(), 200);
  EXPECT_EQ(freed.load(), 100);  // every detached frame freed itself
}

TEST(JoinHandle, IsFinishedTurnsTrueOnlyWhenTheTaskIsDone) {
  duet::runtime rt({.cpu_threads = 1});
  duet_test::blocker busy(rt.cpu());
  auto h = duet::spawn(rt.cpu(), value(9));
  EXPECT_FALSE(h.is_finished());
  busy.open();
  ASSERT_TRUE(duet_test::spin_until([&] { return h.is_finished(); }));
  EXPECT_EQ(h.get(), 9);
}

TEST(JoinHandle, MoveAssignmentDetachesTheOldTask) {
  duet::runtime rt({.cpu_threads = 2});
  std::atomic<int> ran{0};
  auto a = duet::spawn(rt.cpu(), count_up(ran));
  auto b = duet::spawn(rt.cpu(), value(4));
  a = duet::spawn(rt.cpu(), count_up(ran));  // the first task is detached, not lost
  auto c = std::move(b);
  EXPECT_FALSE(b.valid());  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(c.get(), 4);
  a.get();
  ASSERT_TRUE(duet_test::spin_until([&] { return ran.load() == 2; }));
}

TEST(Spawn, WithoutAnExecutorUsesTheCurrentOne) {
  duet::runtime rt({.cpu_threads = 2});
  duet::thread_pool other({.threads = 1});
  auto ex = rt.block_on([](duet::thread_pool& other) -> duet::task<duet::executor*> {
    co_await duet::on(other);
    auto h = duet::spawn([]() -> duet::task<duet::executor*> { co_return duet::detail::current_executor(); }());
    co_return co_await h;
  }(other));
  EXPECT_EQ(ex, &other);
}

TEST(Spawn, FromOutsideEveryPoolUsesTheAmbientPool) {
  duet::runtime rt({.cpu_threads = 2});
  auto h = duet::spawn([]() -> duet::task<duet::executor*> { co_return duet::detail::current_executor(); }());
  EXPECT_EQ(h.get(), &rt.cpu());
}

TEST(Spawn, ASpawnedTaskIsNotCancelledWithItsSpawner) {
  duet::runtime rt({.cpu_threads = 2});
  std::atomic<int> turns{0};
  duet::join_handle<int> inner;
  std::atomic<bool> spawned{false};
  auto outer = duet::spawn(
      rt.cpu(), [](duet::join_handle<int>& inner, std::atomic<bool>& spawned, std::atomic<int>& turns) -> duet::task<> {
        inner = duet::spawn(value(11));
        spawned.store(true);
        co_await spin_until_cancelled(turns);
      }(inner, spawned, turns));
  ASSERT_TRUE(duet_test::spin_until([&] { return spawned.load(); }));
  outer.cancel();
  EXPECT_THROW(outer.get(), duet::cancelled_error);
  EXPECT_EQ(inner.get(), 11);  // tokio semantics: spawn is independent of its spawner
}

TEST(Cancel, IsCancelledRecognisesCancelledError) {
  EXPECT_TRUE(duet::is_cancelled(std::make_exception_ptr(duet::cancelled_error())));
  EXPECT_FALSE(duet::is_cancelled(std::make_exception_ptr(std::runtime_error("x"))));
  EXPECT_FALSE(duet::is_cancelled(std::exception_ptr()));
  EXPECT_STREQ(duet::cancelled_error().what(), "duet: task cancelled");
}

}  // namespace
