#include "duet/task/when_all.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <tuple>
#include <variant>
#include <vector>

#include "duet/runtime.hpp"
#include "unit/core/test_support.hpp"
#include "unit/task/task_support.hpp"

namespace {

duet::task<int> value(int v) { co_return v; }
duet::task<std::string> text(std::string s) { co_return s; }
duet::task<> count_up(std::atomic<int>& n) {
  n.fetch_add(1);
  co_return;
}
struct test_error : std::runtime_error {
  int id;
  explicit test_error(int i) : std::runtime_error("test_error " + std::to_string(i)), id(i) {}
};
duet::task<int> fail_with(int id) {
  throw test_error(id);
  co_return 0;
}
/// Yields until its token fires (then yield throws cancelled_error); counts the cancellation.
duet::task<int> wait_for_cancel(std::atomic<int>& started, std::atomic<int>& cancelled) {
  started.fetch_add(1);
  try {
    for (;;) co_await duet::yield();
  } catch (const duet::cancelled_error&) {
    cancelled.fetch_add(1);
    throw;
  }
}

TEST(WhenAll, VariadicReturnsResultsInOrderWithVoidAsMonostate) {
  duet::runtime rt({.cpu_threads = 2});
  std::atomic<int> n{0};
  auto [a, b, c] = rt.block_on(duet::when_all(value(1), text("two"), count_up(n)));
  EXPECT_EQ(a, 1);
  EXPECT_EQ(b, "two");
  static_assert(std::is_same_v<decltype(c), std::monostate>);
  EXPECT_EQ(n.load(), 1);
}

TEST(WhenAll, VectorReturnsEveryResultInOrder) {
  duet::runtime rt({.cpu_threads = 2});
  std::vector<duet::task<int>> ts;
  for (int i = 0; i < 100; ++i) ts.push_back(value(i * i));
  auto rs = rt.block_on(duet::when_all(std::move(ts)));
  ASSERT_EQ(rs.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(rs[i], i * i);
}

TEST(WhenAll, EmptyVectorGivesAnEmptyResult) {
  duet::runtime rt({.cpu_threads = 1});
  EXPECT_TRUE(rt.block_on(duet::when_all(std::vector<duet::task<int>>{})).empty());
}

TEST(WhenAll, VectorOfVoidTasksRunsEachOnce) {
  duet::runtime rt({.cpu_threads = 2});
  std::atomic<int> n{0};
  std::vector<duet::task<>> ts;
  for (int i = 0; i < 50; ++i) ts.push_back(count_up(n));
  auto rs = rt.block_on(duet::when_all(std::move(ts)));
  EXPECT_EQ(rs.size(), 50u);
  EXPECT_EQ(n.load(), 50);
}

// Two children that each wait for the other to have started can only finish if they are in
// progress at the same time: when_all runs them concurrently (even on one worker).
TEST(WhenAll, ChildrenRunConcurrently) {
  duet::runtime rt({.cpu_threads = 1});
  std::atomic<int> arrived{0};
  auto meet = [](std::atomic<int>& arrived) -> duet::task<int> {
    arrived.fetch_add(1);
    while (arrived.load() < 2) co_await duet::yield();
    co_return 1;
  };
  auto [a, b] = rt.block_on(duet::when_all(meet(arrived), meet(arrived)));
  EXPECT_EQ(a + b, 2);
}

TEST(WhenAll, AnExceptionCancelsTheSiblingsAndIsRethrownAfterAllFinished) {
  duet::runtime rt({.cpu_threads = 2});
  std::atomic<int> started{0}, cancelled{0};
  int cancelled_when_rethrown = -1;
  try {
    rt.block_on([](std::atomic<int>& started, std::atomic<int>& cancelled, int& seen) -> duet::task<> {
      auto failing = [](std::atomic<int>& started) -> duet::task<int> {
        while (started.load() < 2) co_await duet::yield();  // fail once both siblings run
        throw test_error(7);
      };
      try {
        (void)co_await duet::when_all(wait_for_cancel(started, cancelled), failing(started),
                                      wait_for_cancel(started, cancelled));
      } catch (...) {
        seen = cancelled.load();
        throw;
      }
    }(started, cancelled, cancelled_when_rethrown));
    FAIL() << "when_all did not throw";
  } catch (const test_error& e) {
    EXPECT_EQ(e.id, 7);  // the real error, not the siblings' cancelled_error
  }
  EXPECT_EQ(cancelled.load(), 2);
  EXPECT_EQ(cancelled_when_rethrown, 2);  // both siblings had finished before the rethrow
}

TEST(WhenAll, VectorFormPropagatesAFailure) {
  duet::runtime rt({.cpu_threads = 2});
  std::vector<duet::task<int>> ts;
  for (int i = 0; i < 10; ++i) ts.push_back(i == 6 ? fail_with(6) : value(i));
  try {
    (void)rt.block_on(duet::when_all(std::move(ts)));
    FAIL() << "when_all did not throw";
  } catch (const test_error& e) {
    EXPECT_EQ(e.id, 6);
  }
}

TEST(WhenAll, CancellingTheParentCancelsTheChildren) {
  duet::runtime rt({.cpu_threads = 2});
  std::atomic<int> started{0}, cancelled{0};
  auto h = rt.spawn([](std::atomic<int>& started, std::atomic<int>& cancelled) -> duet::task<> {
    (void)co_await duet::when_all(wait_for_cancel(started, cancelled), wait_for_cancel(started, cancelled));
  }(started, cancelled));
  ASSERT_TRUE(duet_test::spin_until([&] { return started.load() == 2; }));
  h.cancel();
  EXPECT_THROW(h.get(), duet::cancelled_error);
  EXPECT_EQ(cancelled.load(), 2);
}

TEST(WhenAny, FirstResultWinsAndTheLosersAreCancelled) {
  duet::runtime rt({.cpu_threads = 2});
  std::atomic<int> started{0}, cancelled{0}, stop_seen{0};
  auto loser = [](std::atomic<int>& started, std::atomic<int>& cancelled,
                  std::atomic<int>& stop_seen) -> duet::task<int> {
    std::stop_token tok = co_await duet::this_task::stop_token();
    try {
      co_return co_await wait_for_cancel(started, cancelled);
    } catch (const duet::cancelled_error&) {
      if (tok.stop_requested()) stop_seen.fetch_add(1);  // the loser's own token fired
      throw;
    }
  };
  auto winner = [](std::atomic<int>& started) -> duet::task<int> {
    while (started.load() < 3) co_await duet::yield();  // win only once every loser runs
    co_return 99;
  };
  std::vector<duet::task<int>> ts;
  ts.push_back(loser(started, cancelled, stop_seen));
  ts.push_back(loser(started, cancelled, stop_seen));
  ts.push_back(winner(started));
  ts.push_back(loser(started, cancelled, stop_seen));
  auto [index, v] = rt.block_on(duet::when_any(std::move(ts)));
  EXPECT_EQ(index, 2u);
  EXPECT_EQ(v, 99);
  // when_any returns only after the losers stopped: their tokens fired and they unwound.
  EXPECT_EQ(stop_seen.load(), 3);
  EXPECT_EQ(cancelled.load(), 3);
}

// Regression: a winner that finishes before its siblings even started must still be returned;
// the siblings are cancelled before their first run, which is not a failure of when_any.
TEST(WhenAny, WinnerIsReturnedWhenTheLosersNeverStarted) {
  duet::runtime rt({.cpu_threads = 1});
  for (int round = 0; round < 20; ++round) {
    std::vector<duet::task<int>> ts;
    for (int i = 0; i < 5; ++i) ts.push_back(value(i));
    auto [index, v] = rt.block_on(duet::when_any(std::move(ts)));
    EXPECT_LT(index, 5u);
    EXPECT_EQ(v, static_cast<int>(index));
  }
  auto [index, v] = rt.block_on(duet::when_any(value(10), value(11), value(12)));
  EXPECT_EQ(v, 10 + static_cast<int>(index));
}

TEST(WhenAny, FailuresDoNotWinWhileAnotherChildSucceeds) {
  duet::runtime rt({.cpu_threads = 2});
  auto late = []() -> duet::task<int> {
    for (int i = 0; i < 10; ++i) co_await duet::yield();
    co_return 5;
  };
  auto [index, v] = rt.block_on(duet::when_any(fail_with(1), late(), fail_with(2)));
  EXPECT_EQ(index, 1u);
  EXPECT_EQ(v, 5);
}

TEST(WhenAny, EmptyVectorThrowsInvalidArgument) {
  duet::runtime rt({.cpu_threads = 1});
  EXPECT_THROW(rt.block_on(duet::when_any(std::vector<duet::task<int>>{})), std::invalid_argument);
}

// On one worker the children take turns in a known order, so "first failure" is well defined:
// child k fails on its k-th turn, child 0 first.
TEST(WhenAny, WhenEveryChildFailsTheFirstFailureIsRethrown) {
  duet::runtime rt({.cpu_threads = 1});
  std::atomic<int> turn{0};
  auto fail_in_turn = [](int k, std::atomic<int>& turn) -> duet::task<int> {
    while (turn.load() != k) co_await duet::yield();
    turn.fetch_add(1);
    throw test_error(k);
  };
  std::vector<duet::task<int>> ts;
  for (int k = 3; k >= 0; --k) ts.push_back(fail_in_turn(k, turn));
  try {
    (void)rt.block_on(duet::when_any(std::move(ts)));
    FAIL() << "when_any did not throw";
  } catch (const test_error& e) {
    EXPECT_EQ(e.id, 0);
  }
  EXPECT_EQ(turn.load(), 4);  // every child ran and failed
}

TEST(WhenAny, VoidTasksReportTheWinnersIndex) {
  duet::runtime rt({.cpu_threads = 2});
  std::atomic<int> n{0};
  std::vector<duet::task<>> ts;
  ts.push_back(count_up(n));
  auto [index, v] = rt.block_on(duet::when_any(std::move(ts)));
  EXPECT_EQ(index, 0u);
  static_assert(std::is_same_v<decltype(v), std::monostate>);
  EXPECT_EQ(n.load(), 1);
}

}  // namespace
