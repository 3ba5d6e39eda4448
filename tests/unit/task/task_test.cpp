#include "duet/task/task.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <stdexcept>
#include <string>

#include "duet/runtime.hpp"
#include "unit/core/test_support.hpp"
#include "unit/task/task_support.hpp"

namespace {

duet::task<int> answer() { co_return 42; }
duet::task<int> twice() { co_return 2 * co_await answer(); }
duet::task<> set_flag(bool& flag) {
  flag = true;
  co_return;
}
duet::task<std::unique_ptr<int>> boxed(int v) { co_return std::make_unique<int>(v); }
duet::task<int> thrower() {
  throw std::runtime_error("inner");
  co_return 0;
}
duet::task<int> twice_then_throw() { co_return co_await twice() + co_await thrower(); }

TEST(Task, ReturnsItsValueWhenAwaited) {
  duet::runtime rt({.cpu_threads = 2});
  EXPECT_EQ(rt.block_on(answer()), 42);
  EXPECT_EQ(rt.block_on(twice()), 84);
}

TEST(Task, VoidTaskRunsItsBody) {
  duet::runtime rt({.cpu_threads = 1});
  bool flag = false;
  rt.block_on(set_flag(flag));
  EXPECT_TRUE(flag);
}

TEST(Task, IsLazyUntilAwaited) {
  duet::runtime rt({.cpu_threads = 1});
  bool flag = false;
  auto t = set_flag(flag);
  EXPECT_TRUE(t.valid());
  EXPECT_FALSE(flag);
  rt.block_on([](duet::task<> inner) -> duet::task<> { co_await std::move(inner); }(std::move(t)));
  EXPECT_TRUE(flag);
}

TEST(Task, MoveOnlyValuesAreMovedOut) {
  duet::runtime rt({.cpu_threads = 1});
  auto p = rt.block_on([]() -> duet::task<std::unique_ptr<int>> {
    auto a = co_await boxed(3);
    auto b = co_await boxed(4);
    co_return std::make_unique<int>(*a + *b);
  }());
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(*p, 7);
}

TEST(Task, IsMoveOnlyAndMovingTransfersTheCoroutine) {
  static_assert(!std::is_copy_constructible_v<duet::task<int>>);
  static_assert(!std::is_copy_assignable_v<duet::task<int>>);
  static_assert(std::is_nothrow_move_constructible_v<duet::task<int>>);
  duet::task<int> empty;
  EXPECT_FALSE(empty.valid());
  duet::task<int> a = answer();
  duet::task<int> b = std::move(a);
  EXPECT_FALSE(a.valid());  // NOLINT(bugprone-use-after-move): checking the moved-from state
  EXPECT_TRUE(b.valid());
  a = std::move(b);
  EXPECT_TRUE(a.valid());
  duet::runtime rt({.cpu_threads = 1});
  EXPECT_EQ(rt.block_on(std::move(a)), 42);
}

TEST(Task, DestroyingATaskThatNeverRanFreesItsFrame) {
  std::atomic<int> destroyed{0};
  bool ran = false;
  {
    auto t = [](duet_test::destroy_counter, bool& r) -> duet::task<> {
      r = true;
      co_return;
    }(duet_test::destroy_counter(destroyed), ran);
    // The argument temporary was moved into the frame; only the frame's copy counts.
    EXPECT_EQ(destroyed.load(), 0);
  }
  EXPECT_EQ(destroyed.load(), 1);
  EXPECT_FALSE(ran);
  // Move-assigning over a task frees the old one too.
  std::atomic<int> destroyed2{0};
  auto t = [](duet_test::destroy_counter) -> duet::task<int> { co_return 1; }(duet_test::destroy_counter(destroyed2));
  t = answer();
  EXPECT_EQ(destroyed2.load(), 1);
}

TEST(Task, ExceptionsPropagateToTheAwaiter) {
  duet::runtime rt({.cpu_threads = 1});
  auto caught = rt.block_on([]() -> duet::task<std::string> {
    try {
      co_await thrower();
    } catch (const std::runtime_error& e) {
      co_return e.what();
    }
    co_return "nothing";
  }());
  EXPECT_EQ(caught, "inner");
  // Uncaught, it reaches block_on's caller.
  EXPECT_THROW(rt.block_on(twice_then_throw()), std::runtime_error);
}

TEST(Task, AwaitingAnLvalueTaskRunsIt) {
  duet::runtime rt({.cpu_threads = 1});
  EXPECT_EQ(rt.block_on([]() -> duet::task<int> {
    auto t = answer();
    co_return co_await t;
  }()),
            42);
}

// Symmetric transfer: each level suspends into its child and the child's final_suspend
// transfers back, so the depth of the chain never reaches the machine stack. GCC 12 only turns
// the transfer into a tail call at -O2 and above, and never under sanitizers (their
// instrumentation defeats the tail call); clang always does. Where the tail call is not
// guaranteed a shallower chain still checks the result (a million frames would overflow there,
// which is the compiler's limit, not duet's).
#if defined(__clang__) || (defined(__OPTIMIZE__) && !defined(DUET_TSAN) && !defined(DUET_TEST_ASAN))
constexpr int chain_depth = 1'000'000;
#else
constexpr int chain_depth = 10'000;
#endif

duet::task<long> chain(int depth) {
  if (depth == 0) co_return 0;
  co_return 1 + co_await chain(depth - 1);
}
duet::task<> void_chain(int depth, long& count) {
  ++count;
  if (depth > 0) co_await void_chain(depth - 1, count);
}

TEST(Task, AMillionNestedAwaitsDoNotOverflowTheStack) {
  duet::runtime rt({.cpu_threads = 1});
  EXPECT_EQ(rt.block_on(chain(chain_depth)), chain_depth);
  long count = 0;
  rt.block_on(void_chain(chain_depth, count));
  EXPECT_EQ(count, chain_depth + 1);
}

// A long sequence of awaits of tasks that complete synchronously (each resumes its parent by
// symmetric transfer from final_suspend): the stack must not grow with the number of awaits.
TEST(Task, AMillionSequentialAwaitsDoNotOverflowTheStack) {
  duet::runtime rt({.cpu_threads = 1});
  auto sum = rt.block_on([]() -> duet::task<long> {
    long s = 0;
    for (int i = 0; i < chain_depth; ++i) s += co_await answer();
    co_return s;
  }());
  EXPECT_EQ(sum, 42L * chain_depth);
}

}  // namespace
