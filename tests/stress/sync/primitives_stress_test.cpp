// Mutex, semaphore, barrier, broadcast and oneshot under load, with random cancellation of
// waiters. Runs on 2 and 4 workers.
#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <vector>

#include "duet/runtime.hpp"
#include "duet/sync/sync.hpp"
#include "duet/task/spawn.hpp"
#include "duet/task/task_group.hpp"
#include "unit/sync/sync_test_support.hpp"

using duet::task;

namespace {

class SyncPrimitivesStress : public ::testing::TestWithParam<std::size_t> {};

task<> locker(duet::sync::mutex& m, long& counter, std::atomic<long>& done, int times) {
  for (int i = 0; i < times; ++i) {
    auto g = co_await m.lock();
    const long seen = counter;
    if (i % 3 == 0) co_await duet::yield();
    counter = seen + 1;
    done.fetch_add(1, std::memory_order_relaxed);
  }
}

task<> permit_user(duet::sync::semaphore& s, sync_test::concurrency_meter& meter, int times) {
  for (int i = 0; i < times; ++i) {
    auto p = co_await s.acquire(1 + static_cast<std::size_t>(i % 2));
    sync_test::concurrency_meter::scope inside(meter);
    co_await duet::yield();
  }
}

template <class T>
task<> cancel_some(std::vector<duet::join_handle<T>>& hs, std::size_t first, unsigned seed) {
  std::mt19937 rng(seed);
  for (std::size_t i = first; i < hs.size(); ++i) {
    co_await sync_test::turns(static_cast<int>(rng() % 40));
    hs[i].cancel();
  }
}

template <class T>
task<int> join_all(std::vector<duet::join_handle<T>>& hs) {
  int cancelled = 0;
  for (auto& h : hs) {
    try {
      co_await h;
    } catch (const duet::cancelled_error&) {
      ++cancelled;
    }
  }
  co_return cancelled;
}

}  // namespace

TEST_P(SyncPrimitivesStress, MutexCountsEveryCompletedSectionDespiteCancellations) {
  const int tasks = 16, times = static_cast<int>(sync_test::scaled(8000));
  long counter = 0;
  std::atomic<long> done{0};
  duet::runtime rt({.cpu_threads = GetParam()});
  rt.block_on([](int tasks, int times, long& counter, std::atomic<long>& done) -> task<> {
    duet::sync::mutex m;
    std::vector<duet::join_handle<void>> hs;
    for (int t = 0; t < tasks; ++t) hs.push_back(duet::spawn(locker(m, counter, done, times)));
    co_await cancel_some(hs, 4, 99);
    co_await join_all(hs);
    EXPECT_FALSE(m.is_locked());
  }(tasks, times, counter, done));
  EXPECT_EQ(counter, done.load());
  EXPECT_GE(counter, 4L * times);  // the first four are never cancelled
}

TEST_P(SyncPrimitivesStress, SemaphoreNeverExceedsItsPermitsDespiteCancellations) {
  const int tasks = 16, times = static_cast<int>(sync_test::scaled(6000));
  sync_test::concurrency_meter meter;
  duet::runtime rt({.cpu_threads = GetParam()});
  rt.block_on([](int tasks, int times, sync_test::concurrency_meter& meter) -> task<> {
    duet::sync::semaphore s(4);
    std::vector<duet::join_handle<void>> hs;
    for (int t = 0; t < tasks; ++t) hs.push_back(duet::spawn(permit_user(s, meter, times)));
    co_await cancel_some(hs, 4, 7);
    co_await join_all(hs);
    EXPECT_EQ(s.available(), 4u);  // every permit came back
  }(tasks, times, meter));
  EXPECT_LE(meter.max.load(), 4);
  EXPECT_EQ(meter.now.load(), 0);
}

TEST_P(SyncPrimitivesStress, BarrierKeepsEveryTaskInLockstep) {
  const int tasks = 6, rounds = static_cast<int>(sync_test::scaled(8000));
  std::atomic<int> leaders{0};
  std::atomic<bool> broken{false};
  duet::runtime rt({.cpu_threads = GetParam()});
  rt.block_on([](int tasks, int rounds, std::atomic<int>& leaders, std::atomic<bool>& broken) -> task<> {
    duet::sync::barrier b(static_cast<std::size_t>(tasks));
    std::vector<std::atomic<int>> arrived(static_cast<std::size_t>(rounds));
    co_await duet::scope([&](duet::task_group& g) -> task<> {
      for (int t = 0; t < tasks; ++t) {
        g.spawn([](duet::sync::barrier& b, std::vector<std::atomic<int>>& arrived, int tasks, int rounds,
                   std::atomic<int>& leaders, std::atomic<bool>& broken) -> task<> {
          for (int r = 0; r < rounds; ++r) {
            arrived[static_cast<std::size_t>(r)].fetch_add(1);
            if (co_await b.arrive_and_wait()) leaders.fetch_add(1);
            if (arrived[static_cast<std::size_t>(r)].load() != tasks) broken = true;
          }
        }(b, arrived, tasks, rounds, leaders, broken));
      }
      co_return;
    });
  }(tasks, rounds, leaders, broken));
  EXPECT_FALSE(broken.load());
  EXPECT_EQ(leaders.load(), rounds);
}

TEST_P(SyncPrimitivesStress, BroadcastReceiversSeeAnIncreasingSequenceAndAccountForEveryValue) {
  const int receivers = 5, values = static_cast<int>(sync_test::scaled(200000));
  std::vector<long long> accounted(receivers, 0);
  std::atomic<bool> out_of_order{false};
  duet::runtime rt({.cpu_threads = GetParam()});
  rt.block_on(
      [](int receivers, int values, std::vector<long long>& accounted, std::atomic<bool>& out_of_order) -> task<> {
        auto [tx, rx] = duet::sync::broadcast<int>(16);
        std::vector<duet::join_handle<void>> hs;
        for (int r = 0; r < receivers; ++r) {
          hs.push_back(duet::spawn([](duet::sync::broadcast_receiver<int> rx, long long& accounted,
                                      std::atomic<bool>& out_of_order) -> task<> {
            int last = -1;
            for (;;) {
              try {
                auto v = co_await rx.recv();
                if (!v) break;
                if (*v <= last) out_of_order = true;
                last = *v;
                ++accounted;
              } catch (const duet::sync::lagged_error& e) {
                accounted += static_cast<long long>(e.missed());
              }
            }
          }(rx, accounted[static_cast<std::size_t>(r)], out_of_order)));
        }
        for (int i = 0; i < values; ++i) {
          tx.send(i);
          if (i % 8 == 0) co_await duet::yield();
        }
        {
          auto drop = std::move(tx);
        }
        for (auto& h : hs) co_await h;
      }(receivers, values, accounted, out_of_order));
  EXPECT_FALSE(out_of_order.load());
  for (long long a : accounted) EXPECT_EQ(a, values);  // received + missed
}

TEST_P(SyncPrimitivesStress, OneshotsDeliverValueErrorOrClosedExactlyOnce) {
  const int pairs = static_cast<int>(sync_test::scaled(40000));
  std::atomic<int> values{0}, errors{0}, closed{0};
  duet::runtime rt({.cpu_threads = GetParam()});
  rt.block_on([](int pairs, std::atomic<int>& values, std::atomic<int>& errors, std::atomic<int>& closed) -> task<> {
    co_await duet::scope([&](duet::task_group& g) -> task<> {
      for (int i = 0; i < pairs; ++i) {
        auto [tx, rx] = duet::sync::oneshot<int>();
        g.spawn([](duet::sync::oneshot_receiver<int> rx, int i, std::atomic<int>& values, std::atomic<int>& errors,
                   std::atomic<int>& closed) -> task<> {
          try {
            if (co_await rx == i) values.fetch_add(1);
          } catch (const duet::sync::channel_closed&) {
            closed.fetch_add(1);
          } catch (const std::runtime_error&) {
            errors.fetch_add(1);
          }
        }(std::move(rx), i, values, errors, closed));
        g.spawn([](duet::sync::oneshot_sender<int> tx, int i) -> task<> {
          co_await duet::yield();
          if (i % 3 == 0) tx.send(i);
          if (i % 3 == 1) tx.set_exception(std::make_exception_ptr(std::runtime_error("no")));
          co_return;  // i % 3 == 2: dropped unsent
        }(std::move(tx), i));
      }
      co_return;
    });
  }(pairs, values, errors, closed));
  EXPECT_EQ(values.load(), (pairs + 2) / 3);
  EXPECT_EQ(errors.load(), (pairs + 1) / 3);
  EXPECT_EQ(closed.load(), pairs / 3);
}

INSTANTIATE_TEST_SUITE_P(Workers, SyncPrimitivesStress, ::testing::Values(std::size_t{2}, std::size_t{4}),
                         [](const auto& info) { return "workers" + std::to_string(info.param); });
