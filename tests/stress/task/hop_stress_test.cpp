#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "duet/duet.hpp"
#include "unit/core/test_support.hpp"

namespace {

// Regression: a task whose last step is a hop into another pool may finish there before the
// thread that posted the hop has returned from post(); destroying that pool as soon as the
// task is done must not leave the poster touching freed memory (found by TSan: inject()
// notified the pool's eventcount after releasing the queue lock).
TEST(HopStress, APoolCanBeDestroyedAsSoonAsTheLastHopIntoItFinished) {
  duet_test::watchdog dog("hop then destroy");
  duet::runtime rt({.cpu_threads = 2});
  const int rounds = static_cast<int>(duet_test::scaled(1'000, 750));
  int sum = 0;
  for (int i = 0; i < rounds; ++i) {
    auto other = std::make_unique<duet::thread_pool>(duet::pool_options{.threads = 1});
    sum += rt.block_on([](duet::thread_pool& o) -> duet::task<int> {
      co_await duet::on(o);
      co_return 1;
    }(*other));
    other.reset();
  }
  EXPECT_EQ(sum, rounds);
}

// Tasks bouncing between two pools many times, concurrently: each hop lands on the pool it
// named, and every task finishes.
TEST(HopStress, ManyTasksBounceBetweenTwoPools) {
  duet_test::watchdog dog("bounce");
  duet::runtime rt({.cpu_threads = 2});
  duet::thread_pool other({.threads = 2, .name = "bounce"});
  const int tasks = static_cast<int>(duet_test::scaled(2'000, 1'000));
  std::atomic<long> wrong{0};
  std::vector<duet::task<int>> ts;
  for (int i = 0; i < tasks; ++i)
    ts.push_back([](duet::runtime& rt, duet::thread_pool& other, std::atomic<long>& wrong) -> duet::task<int> {
      for (int hop = 0; hop < 10; ++hop) {
        duet::executor& target = hop % 2 == 0 ? static_cast<duet::executor&>(other) : rt.cpu();
        co_await duet::on(target);
        if (duet::detail::current_executor() != &target) wrong.fetch_add(1);
        if (hop % 3 == 0) co_await duet::yield();
      }
      co_return 1;
    }(rt, other, wrong));
  auto rs = rt.block_on(duet::when_all(std::move(ts)));
  long total = 0;
  for (int v : rs) total += v;
  EXPECT_EQ(total, tasks);
  EXPECT_EQ(wrong.load(), 0);
}

}  // namespace
