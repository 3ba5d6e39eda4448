#include "duet/task/task_group.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <stop_token>
#include <string>

#include "duet/runtime.hpp"
#include "unit/core/test_support.hpp"
#include "unit/task/task_support.hpp"

namespace {

struct test_error : std::runtime_error {
  int id;
  explicit test_error(int i) : std::runtime_error("test_error " + std::to_string(i)), id(i) {}
};

duet::task<> count_after_yields(std::atomic<int>& n, int yields) {
  for (int i = 0; i < yields; ++i) co_await duet::yield();
  n.fetch_add(1);
}
duet::task<> fail_after_yields(int id, int yields) {
  for (int i = 0; i < yields; ++i) co_await duet::yield();
  throw test_error(id);
}
/// Runs until cancelled; counts its start, the stop its token showed and its unwinding. (The
/// token is read while unwinding rather than through a std::stop_callback: a callback whose
/// task unwinds first is deregistered before the requesting thread gets to run it.)
duet::task<> until_cancelled(std::atomic<int>& started, std::atomic<int>& stop_seen, std::atomic<int>& unwound) {
  std::stop_token tok = co_await duet::this_task::stop_token();
  started.fetch_add(1);
  try {
    for (;;) co_await duet::yield();
  } catch (const duet::cancelled_error&) {
    if (tok.stop_requested()) stop_seen.fetch_add(1);
    unwound.fetch_add(1);
    throw;
  }
}

TEST(Scope, WaitsForEveryChild) {
  duet::runtime rt({.cpu_threads = 2});
  std::atomic<int> done{0};
  int seen_at_exit = -1;
  rt.block_on([](std::atomic<int>& done, int& seen) -> duet::task<> {
    co_await duet::scope([&](duet::task_group& g) -> duet::task<> {
      for (int i = 0; i < 50; ++i) g.spawn(count_after_yields(done, i % 7));
      co_return;
    });
    seen = done.load();
  }(done, seen_at_exit));
  EXPECT_EQ(seen_at_exit, 50);
}

TEST(Scope, ReturnsTheBodysValue) {
  duet::runtime rt({.cpu_threads = 2});
  std::atomic<int> done{0};
  auto v = rt.block_on(duet::scope([&](duet::task_group& g) -> duet::task<std::string> {
    g.spawn(count_after_yields(done, 3));
    co_return "body";
  }));
  EXPECT_EQ(v, "body");
  EXPECT_EQ(done.load(), 1);
}

TEST(Scope, FirstChildExceptionCancelsTheSiblingsAndIsRethrown) {
  duet::runtime rt({.cpu_threads = 2});
  std::atomic<int> started{0}, stop_seen{0}, unwound{0};
  try {
    rt.block_on(duet::scope([&](duet::task_group& g) -> duet::task<> {
      for (int i = 0; i < 4; ++i) g.spawn(until_cancelled(started, stop_seen, unwound));
      g.spawn([](std::atomic<int>& started) -> duet::task<> {
        while (started.load() < 4) co_await duet::yield();
        throw test_error(1);
      }(started));
      co_return;
    }));
    FAIL() << "scope did not throw";
  } catch (const test_error& e) {
    EXPECT_EQ(e.id, 1);
  }
  EXPECT_EQ(stop_seen.load(), 4);
  EXPECT_EQ(unwound.load(), 4);  // all finished before scope returned
}

TEST(Scope, ARealErrorBeatsTheCancellationsItCaused) {
  duet::runtime rt({.cpu_threads = 2});
  for (int round = 0; round < 20; ++round) {
    try {
      rt.block_on(duet::scope([&](duet::task_group& g) -> duet::task<> {
        std::atomic<int> dummy{0};
        for (int i = 0; i < 5; ++i) g.spawn(count_after_yields(dummy, 1000000));  // cancelled
        g.spawn(fail_after_yields(3, 2));
        co_await g.wait();  // an explicit wait inside the body is fine too
      }));
      FAIL() << "scope did not throw";
    } catch (const test_error& e) {
      EXPECT_EQ(e.id, 3);
    }
  }
}

TEST(Scope, BodyExceptionCancelsTheChildrenAndIsRethrownAfterThem) {
  duet::runtime rt({.cpu_threads = 2});
  std::atomic<int> started{0}, stop_seen{0}, unwound{0};
  int unwound_at_catch = -1;
  try {
    rt.block_on([](std::atomic<int>& started, std::atomic<int>& stop_seen, std::atomic<int>& unwound,
                   int& seen) -> duet::task<> {
      try {
        co_await duet::scope([&](duet::task_group& g) -> duet::task<> {
          for (int i = 0; i < 3; ++i) g.spawn(until_cancelled(started, stop_seen, unwound));
          while (started.load() < 3) co_await duet::yield();
          throw test_error(9);
        });
      } catch (...) {
        seen = unwound.load();
        throw;
      }
    }(started, stop_seen, unwound, unwound_at_catch));
    FAIL() << "scope did not throw";
  } catch (const test_error& e) {
    EXPECT_EQ(e.id, 9);
  }
  EXPECT_EQ(stop_seen.load(), 3);
  EXPECT_EQ(unwound_at_catch, 3);
}

TEST(Scope, CancellingTheParentReachesTheChildren) {
  duet::runtime rt({.cpu_threads = 2});
  std::atomic<int> started{0}, stop_seen{0}, unwound{0};
  auto h =
      rt.spawn([](std::atomic<int>& started, std::atomic<int>& stop_seen, std::atomic<int>& unwound) -> duet::task<> {
        co_await duet::scope([&](duet::task_group& g) -> duet::task<> {
          for (int i = 0; i < 3; ++i) g.spawn(until_cancelled(started, stop_seen, unwound));
          co_return;
        });
      }(started, stop_seen, unwound));
  ASSERT_TRUE(duet_test::spin_until([&] { return started.load() == 3; }));
  h.cancel();
  EXPECT_THROW(h.get(), duet::cancelled_error);
  EXPECT_EQ(stop_seen.load(), 3);
  EXPECT_EQ(unwound.load(), 3);
}

TEST(Scope, NestedScopesPropagateCancellationDownTheTree) {
  duet::runtime rt({.cpu_threads = 2});
  std::atomic<int> started{0}, stop_seen{0}, unwound{0};
  auto h = rt.spawn(duet::scope([&](duet::task_group& outer) -> duet::task<> {
    for (int i = 0; i < 2; ++i)
      outer.spawn(duet::scope([&](duet::task_group& inner) -> duet::task<> {
        for (int j = 0; j < 2; ++j) inner.spawn(until_cancelled(started, stop_seen, unwound));
        co_return;
      }));
    co_return;
  }));
  ASSERT_TRUE(duet_test::spin_until([&] { return started.load() == 4; }));
  h.cancel();
  EXPECT_THROW(h.get(), duet::cancelled_error);
  EXPECT_EQ(stop_seen.load(), 4);
  EXPECT_EQ(unwound.load(), 4);
}

TEST(TaskGroup, WaitWaitsForEveryChildAndTheGroupCanBeReused) {
  duet::runtime rt({.cpu_threads = 2});
  std::atomic<int> done{0};
  std::vector<int> seen;
  rt.block_on([](std::atomic<int>& done, std::vector<int>& seen) -> duet::task<> {
    duet::task_group g;
    for (int i = 0; i < 10; ++i) g.spawn(count_after_yields(done, i));
    co_await g.wait();
    seen.push_back(done.load());
    for (int i = 0; i < 5; ++i) g.spawn(count_after_yields(done, i));
    co_await g.wait();
    seen.push_back(done.load());
    co_await g.wait();  // nothing pending: returns at once
    seen.push_back(done.load());
  }(done, seen));
  EXPECT_EQ(seen, (std::vector<int>{10, 15, 15}));
}

TEST(TaskGroup, CancelFiresTheChildrensStopTokens) {
  duet::runtime rt({.cpu_threads = 2});
  std::atomic<int> started{0}, stop_seen{0}, unwound{0};
  bool token_stopped = false;
  rt.block_on([](std::atomic<int>& started, std::atomic<int>& stop_seen, std::atomic<int>& unwound,
                 bool& token_stopped) -> duet::task<> {
    duet::task_group g;
    for (int i = 0; i < 3; ++i) g.spawn(until_cancelled(started, stop_seen, unwound));
    while (started.load() < 3) co_await duet::yield();
    g.cancel();
    token_stopped = g.stop_token().stop_requested();
    try {
      co_await g.wait();
    } catch (const duet::cancelled_error&) {
    }
  }(started, stop_seen, unwound, token_stopped));
  EXPECT_TRUE(token_stopped);
  EXPECT_EQ(stop_seen.load(), 3);
  EXPECT_EQ(unwound.load(), 3);
}

TEST(TaskGroup, LinkedToAParentTokenFromPlainCode) {
  duet::runtime rt({.cpu_threads = 2});
  std::stop_source parent;
  std::atomic<int> started{0}, stop_seen{0}, unwound{0};
  auto h = rt.spawn([](std::stop_token tok, std::atomic<int>& started, std::atomic<int>& stop_seen,
                       std::atomic<int>& unwound) -> duet::task<> {
    duet::task_group g(std::move(tok));
    for (int i = 0; i < 2; ++i) g.spawn(until_cancelled(started, stop_seen, unwound));
    co_await g.wait();
  }(parent.get_token(), started, stop_seen, unwound));
  ASSERT_TRUE(duet_test::spin_until([&] { return started.load() == 2; }));
  parent.request_stop();
  EXPECT_THROW(h.get(), duet::cancelled_error);
  EXPECT_EQ(unwound.load(), 2);
}

TEST(TaskGroup, ChildrenRunOnTheGivenExecutor) {
  duet::runtime rt({.cpu_threads = 1});
  duet::thread_pool other({.threads = 2});
  std::atomic<int> on_other{0};
  rt.block_on([](duet::thread_pool& other, std::atomic<int>& on_other) -> duet::task<> {
    duet::task_group g(other, {});
    for (int i = 0; i < 8; ++i)
      g.spawn([](duet::thread_pool& other, std::atomic<int>& n) -> duet::task<> {
        if (duet::detail::current_executor() == &other) n.fetch_add(1);
        co_return;
      }(other, on_other));
    co_await g.wait();
  }(other, on_other));
  EXPECT_EQ(on_other.load(), 8);
}

TEST(TaskGroup, DestroyedWithoutWaitCancelsChildrenWhichFinishOnTheirOwn) {
  std::atomic<int> started{0}, stop_seen{0}, unwound{0}, freed{0};
  {
    duet::runtime rt({.cpu_threads = 2});
    {
      duet::task_group g(rt.cpu(), {});
      for (int i = 0; i < 3; ++i)
        g.spawn([](std::atomic<int>& s, std::atomic<int>& ss, std::atomic<int>& u,
                   duet_test::destroy_counter) -> duet::task<> {
          co_await until_cancelled(s, ss, u);
        }(started, stop_seen, unwound, duet_test::destroy_counter(freed)));
      ASSERT_TRUE(duet_test::spin_until([&] { return started.load() == 3; }));
    }
    ASSERT_TRUE(duet_test::spin_until([&] { return freed.load() == 3; }));
  }
  EXPECT_EQ(stop_seen.load(), 3);
  EXPECT_EQ(unwound.load(), 3);
  EXPECT_EQ(freed.load(), 3);
}

}  // namespace
