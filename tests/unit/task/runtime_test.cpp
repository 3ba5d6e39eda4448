#include "duet/runtime.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <stdexcept>
#include <thread>
#include <vector>

#include "duet/duet.hpp"
#include "unit/core/test_support.hpp"
#include "unit/task/task_support.hpp"

namespace {

duet::task<int> value(int v) { co_return v; }

TEST(Runtime, BlockOnReturnsTheValue) {
  duet::runtime rt({.cpu_threads = 2});
  EXPECT_EQ(rt.block_on(value(42)), 42);
}

TEST(Runtime, BlockOnRethrows) {
  duet::runtime rt({.cpu_threads = 2});
  EXPECT_THROW(rt.block_on([]() -> duet::task<> {
    throw std::domain_error("x");
    co_return;
  }()),
               std::domain_error);
}

TEST(Runtime, CpuThreadsOptionSetsThePoolSize) {
  duet::runtime a({.cpu_threads = 3});
  EXPECT_EQ(a.cpu().size(), 3u);
  duet::runtime b;
  EXPECT_EQ(b.cpu().size(), std::max(1u, std::thread::hardware_concurrency()));
}

TEST(Runtime, BlockOnRunsTheTaskOnTheCpuPool) {
  duet::runtime rt({.cpu_threads = 2});
  EXPECT_EQ(rt.block_on([]() -> duet::task<duet::executor*> { co_return duet::detail::current_executor(); }()),
            &rt.cpu());
}

TEST(Runtime, BlockOnFromInsideTheRuntimeThrowsLogicError) {
  duet::runtime rt({.cpu_threads = 2});
  bool refused = rt.block_on([](duet::runtime& rt) -> duet::task<bool> {
    try {
      (void)rt.block_on(value(1));
    } catch (const std::logic_error&) {
      co_return true;
    }
    co_return false;
  }(rt));
  EXPECT_TRUE(refused);
}

TEST(Runtime, SequentialRuntimesInOneProcess) {
  for (int i = 0; i < 5; ++i) {
    duet::runtime rt({.cpu_threads = 2});
    EXPECT_EQ(rt.block_on(value(i)), i);
  }
}

// Destroying the runtime with work still queued: every task either ran or was cancelled before
// it started (reported as cancelled_error through its handle); nothing is lost or leaked.
TEST(Runtime, DestructionCancelsQueuedTasksAndLosesNone) {
  constexpr int n = 1000;
  std::atomic<int> ran{0};
  std::vector<duet::join_handle<int>> handles;
  {
    auto rt = std::make_unique<duet::runtime>(duet::runtime_options{.cpu_threads = 1});
    // Occupy the only worker until shutdown begins, so the queued tasks start after it.
    duet::detail::latch_flag running;
    duet_test::fn_job hold([&] {
      running.set();
      while (!duet::detail::current_executor()->stopping()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    });
    rt->cpu().post(hold);
    running.wait();
    for (int i = 0; i < n; ++i)
      handles.push_back(rt->spawn([](std::atomic<int>& ran, int i) -> duet::task<int> {
        ran.fetch_add(1);
        co_return i;
      }(ran, i)));
    rt.reset();
  }
  int values = 0, cancelled = 0;
  for (int i = 0; i < n; ++i) {
    ASSERT_TRUE(handles[i].is_finished());
    try {
      EXPECT_EQ(handles[i].get(), i);
      ++values;
    } catch (const duet::cancelled_error&) {
      ++cancelled;
    }
  }
  EXPECT_EQ(values + cancelled, n);
  EXPECT_EQ(values, ran.load());
  EXPECT_EQ(cancelled, n);  // shutdown had begun before any of them could start
}

}  // namespace
