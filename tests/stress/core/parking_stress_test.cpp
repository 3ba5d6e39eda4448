#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "duet/core/eventcount.hpp"
#include "duet/core/latch.hpp"
#include "unit/core/test_support.hpp"

namespace {

using duet::detail::eventcount;
using duet::detail::latch_flag;

// Producers publish items to a locked queue and notify_one; consumers park through the
// eventcount protocol. Every item must be consumed: a lost wake-up strands an item with every
// consumer asleep, and the watchdog fires.
TEST(ParkingStress, ProducersAndParkingConsumersLoseNoItem) {
  duet_test::watchdog dog("eventcount mpmc");
  constexpr int producers = 2, consumers = 3;
  const int per = static_cast<int>(duet_test::scaled(100'000, 25'000));
  eventcount ec;
  std::mutex mu;
  std::vector<int> queue;
  std::atomic<int> queued{0};
  std::atomic<long> sum{0};
  std::atomic<int> consumed{0};
  std::atomic<bool> closed{false};
  auto try_pop = [&](int& out) {
    if (queued.load() == 0) return false;
    std::lock_guard lock(mu);
    if (queue.empty()) return false;
    out = queue.back();
    queue.pop_back();
    queued.fetch_sub(1);
    return true;
  };
  std::vector<std::thread> ts;
  for (int c = 0; c < consumers; ++c)
    ts.emplace_back([&] {
      int v = 0;
      for (;;) {
        if (try_pop(v)) {
          sum.fetch_add(v);
          consumed.fetch_add(1);
          continue;
        }
        auto k = ec.prepare_wait();
        if (try_pop(v)) {
          ec.cancel_wait();
          sum.fetch_add(v);
          consumed.fetch_add(1);
          continue;
        }
        if (closed.load()) {
          ec.cancel_wait();
          return;
        }
        ec.wait(k);
      }
    });
  std::vector<std::thread> ps;
  for (int p = 0; p < producers; ++p)
    ps.emplace_back([&, p] {
      for (int i = 1; i <= per; ++i) {
        {
          std::lock_guard lock(mu);
          queue.push_back(i + p * per);
          queued.fetch_add(1);
        }
        ec.notify_one();
        if (i % 64 == 0) std::this_thread::yield();  // let consumers fall asleep now and then
      }
    });
  for (auto& t : ps) t.join();
  // Every consumer may be asleep with items left only if a wake-up was lost.
  EXPECT_TRUE(duet_test::spin_until([&] { return consumed.load() == producers * per; }, std::chrono::seconds(60)))
      << "consumed " << consumed.load() << " of " << producers * per;
  closed.store(true);
  ec.notify_all();
  for (auto& t : ts) t.join();
  const long n = static_cast<long>(producers) * per;
  EXPECT_EQ(sum.load(), n * (n + 1) / 2);
}

// Many short-lived latches, set from a pool of threads at random moments.
TEST(ParkingStress, LatchesSetFromOtherThreadsAlwaysRelease) {
  duet_test::watchdog dog("latch storm");
  const int rounds = static_cast<int>(duet_test::scaled(100'000, 25'000));
  std::vector<latch_flag> flags(rounds);
  std::vector<int> values(rounds, 0);
  std::atomic<int> next{0};
  std::vector<std::thread> setters;
  for (int s = 0; s < 2; ++s)
    setters.emplace_back([&, s] {
      duet_test::rng r(s + 1);
      for (;;) {
        int i = next.fetch_add(1);
        if (i >= rounds) return;
        if (r.below(16) == 0) std::this_thread::yield();
        values[i] = i + 1;
        flags[i].set();
      }
    });
  for (int i = 0; i < rounds; ++i) {
    if (i % 3 == 0)
      flags[i].sleep_until_set();
    else
      flags[i].wait();
    EXPECT_EQ(values[i], i + 1);
  }
  for (auto& t : setters) t.join();
}

}  // namespace
