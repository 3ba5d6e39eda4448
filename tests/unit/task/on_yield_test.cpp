#include "duet/task/on.hpp"

#include <gtest/gtest.h>
#include <pthread.h>

#include <atomic>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "duet/runtime.hpp"
#include "unit/core/test_support.hpp"
#include "unit/task/task_support.hpp"

namespace {

std::string thread_name() {
  char buf[32] = {};
  pthread_getname_np(pthread_self(), buf, sizeof buf);
  return buf;
}

TEST(On, HopsBetweenTwoPools) {
  duet::runtime rt({.cpu_threads = 2});
  duet::thread_pool io({.threads = 1, .name = "test-io"});
  struct where {
    duet::executor* ex;
    std::string name;
  };
  auto trail = rt.block_on([](duet::runtime& rt, duet::thread_pool& io) -> duet::task<std::vector<where>> {
    std::vector<where> t;
    t.push_back({duet::detail::current_executor(), thread_name()});
    co_await duet::on(io);
    t.push_back({duet::detail::current_executor(), thread_name()});
    co_await duet::on(rt.cpu());
    t.push_back({duet::detail::current_executor(), thread_name()});
    co_await duet::on(io);
    co_await duet::on(io);  // hopping onto the current executor works too
    t.push_back({duet::detail::current_executor(), thread_name()});
    co_return t;
  }(rt, io));
  ASSERT_EQ(trail.size(), 4u);
  EXPECT_EQ(trail[0].ex, &rt.cpu());
  EXPECT_EQ(trail[0].name.rfind("duet-cpu-", 0), 0u) << trail[0].name;
  EXPECT_EQ(trail[1].ex, &io);
  EXPECT_EQ(trail[1].name, "test-io-0");
  EXPECT_EQ(trail[2].ex, &rt.cpu());
  EXPECT_EQ(trail[2].name.rfind("duet-cpu-", 0), 0u) << trail[2].name;
  EXPECT_EQ(trail[3].ex, &io);
}

TEST(On, IsACancellationPoint) {
  duet::runtime rt({.cpu_threads = 2});
  duet::thread_pool other({.threads = 1});
  std::atomic<bool> ready{false}, go{false};
  std::atomic<bool> hopped_after_cancel{false};
  auto h = rt.spawn([](duet::thread_pool& other, std::atomic<bool>& ready, std::atomic<bool>& go,
                       std::atomic<bool>& hopped) -> duet::task<> {
    ready.store(true);
    while (!go.load()) std::this_thread::yield();
    co_await duet::on(other);
    hopped.store(true);
  }(other, ready, go, hopped_after_cancel));
  ASSERT_TRUE(duet_test::spin_until([&] { return ready.load(); }));
  h.cancel();
  go.store(true);
  EXPECT_THROW(h.get(), duet::cancelled_error);
  EXPECT_FALSE(hopped_after_cancel.load());
}

// On one worker, two tasks that yield alternate strictly: yield queues behind waiting work.
TEST(Yield, LetsOtherTasksRun) {
  duet::runtime rt({.cpu_threads = 1});
  std::vector<int> order;  // only touched on the single worker
  auto player = [](int id, std::vector<int>& order) -> duet::task<> {
    for (int i = 0; i < 5; ++i) {
      order.push_back(id);
      co_await duet::yield();
    }
  };
  rt.block_on([](std::vector<int>& order, auto player) -> duet::task<> {
    auto a = duet::spawn(player(1, order));
    auto b = duet::spawn(player(2, order));
    co_await a;
    co_await b;
  }(order, player));
  ASSERT_EQ(order.size(), 10u);
  for (std::size_t i = 1; i < order.size(); ++i) EXPECT_NE(order[i], order[i - 1]) << "at " << i;
}

TEST(Yield, IsACancellationPoint) {
  duet::runtime rt({.cpu_threads = 2});
  std::atomic<int> turns{0};
  auto h = rt.spawn([](std::atomic<int>& turns) -> duet::task<int> {
    for (;;) {
      turns.fetch_add(1);
      co_await duet::yield();
    }
  }(turns));
  ASSERT_TRUE(duet_test::spin_until([&] { return turns.load() > 5; }));
  h.cancel();
  EXPECT_THROW((void)h.get(), duet::cancelled_error);
}

TEST(Yield, ResumesOnTheSameExecutor) {
  duet::runtime rt({.cpu_threads = 2});
  duet::thread_pool other({.threads = 2});
  auto ok = rt.block_on([](duet::thread_pool& other) -> duet::task<bool> {
    co_await duet::on(other);
    for (int i = 0; i < 20; ++i) {
      co_await duet::yield();
      if (duet::detail::current_executor() != &other) co_return false;
    }
    co_return true;
  }(other));
  EXPECT_TRUE(ok);
}

TEST(ThisTask, StopTokenOfASpawnedTaskIsItsHandlesToken) {
  duet::runtime rt({.cpu_threads = 2});
  std::atomic<bool> have{false};
  std::stop_token seen;
  auto h = rt.spawn([](std::stop_token& seen, std::atomic<bool>& have) -> duet::task<> {
    seen = co_await duet::this_task::stop_token();
    have.store(true);
    // Only the cancellation point may end the loop: a loop that polled the token
    // could see the stop first and finish normally, which is a value, not a cancel.
    for (;;) co_await duet::yield();
  }(seen, have));
  ASSERT_TRUE(duet_test::spin_until([&] { return have.load(); }));
  EXPECT_TRUE(seen.stop_possible());
  EXPECT_FALSE(seen.stop_requested());
  h.cancel();
  EXPECT_TRUE(seen.stop_requested());
  EXPECT_THROW(h.get(), duet::cancelled_error);
}

}  // namespace
