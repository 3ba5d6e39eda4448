// Channels under load: many producers and consumers on tiny buffers, with consumers cancelled
// at random while they wait. Every value must arrive exactly once. Runs on 2 and 4 workers.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <random>
#include <vector>

#include "duet/runtime.hpp"
#include "duet/sync/channel.hpp"
#include "duet/task/spawn.hpp"
#include "unit/sync/sync_test_support.hpp"

using duet::task;
using duet::sync::channel;
using duet::sync::receiver;
using duet::sync::sender;

namespace {

task<> produce(sender<int> tx, int base, int n) {
  for (int i = 0; i < n; ++i) co_await tx.send(base + i);
  // Release our sender now: a spawned frame (and its parameters) lives until its join_handle is
  // gone, and the channel closes only when the last sender is dropped.
  auto done = std::move(tx);
}

// Records each value as soon as it arrives, so a consumer cancelled later has lost nothing.
task<> consume(receiver<int> rx, std::vector<int>& got) {
  while (auto v = co_await rx.recv()) got.push_back(*v);
}

// Each of 0..n-1 exactly once across all the vectors.
void expect_exactly_once(const std::vector<std::vector<int>>& parts, int n) {
  std::vector<int> seen(static_cast<std::size_t>(n), 0);
  long long sum = 0;
  std::size_t count = 0;
  for (const auto& p : parts) {
    for (int v : p) {
      ASSERT_GE(v, 0);
      ASSERT_LT(v, n);
      ++seen[static_cast<std::size_t>(v)];
      sum += v;
      ++count;
    }
  }
  EXPECT_EQ(count, static_cast<std::size_t>(n));
  EXPECT_EQ(sum, static_cast<long long>(n) * (n - 1) / 2);
  EXPECT_EQ(std::count(seen.begin(), seen.end(), 1), n);
}

struct shape {
  std::size_t workers;
  std::size_t capacity;
};

class SyncChannelStress : public ::testing::TestWithParam<shape> {};

}  // namespace

TEST_P(SyncChannelStress, ManyProducersAndConsumersDeliverEveryValueExactlyOnce) {
  const shape s = GetParam();
  const int producers = 8, consumers = 6;
  const int per = static_cast<int>(sync_test::scaled(40000));
  std::vector<std::vector<int>> got(consumers);
  duet::runtime rt({.cpu_threads = s.workers});
  rt.block_on([](std::size_t cap, int producers, int consumers, int per, std::vector<std::vector<int>>& got) -> task<> {
    auto [tx, rx] = channel<int>(cap);
    std::vector<duet::join_handle<void>> cs, ps;
    for (int c = 0; c < consumers; ++c) cs.push_back(duet::spawn(consume(rx, got[static_cast<std::size_t>(c)])));
    for (int p = 0; p < producers; ++p) ps.push_back(duet::spawn(produce(tx, p * per, per)));
    {
      auto drop = std::move(tx);
    }  // producers hold the remaining senders: closes when they finish
    for (auto& p : ps) co_await p;
    for (auto& c : cs) co_await c;
  }(s.capacity, producers, consumers, per, got));
  expect_exactly_once(got, producers * per);
}

TEST_P(SyncChannelStress, CancellingWaitingReceiversLosesNoValue) {
  const shape s = GetParam();
  const int producers = 4, consumers = 8;
  const int per = static_cast<int>(sync_test::scaled(30000));
  std::vector<std::vector<int>> got(consumers + 1);  // the last one: drained at the end
  duet::runtime rt({.cpu_threads = s.workers});
  rt.block_on([](std::size_t cap, int producers, int consumers, int per, std::vector<std::vector<int>>& got) -> task<> {
    auto [tx, rx] = channel<int>(cap);
    std::vector<duet::join_handle<void>> cs, ps;
    for (int c = 0; c < consumers; ++c) cs.push_back(duet::spawn(consume(rx, got[static_cast<std::size_t>(c)])));
    for (int p = 0; p < producers; ++p) ps.push_back(duet::spawn(produce(tx, p * per, per)));
    // Cancel consumers 2.. at random moments; 0 and 1 keep the channel flowing.
    std::mt19937 rng(12345);
    for (int c = 2; c < consumers; ++c) {
      co_await sync_test::turns(static_cast<int>(rng() % 50));
      cs[static_cast<std::size_t>(c)].cancel();
    }
    for (auto& p : ps) co_await p;
    tx.close();
    int cancelled = 0;
    for (auto& c : cs) {
      try {
        co_await c;
      } catch (const duet::cancelled_error&) {
        ++cancelled;
      }
    }
    EXPECT_LE(cancelled, consumers - 2);
    while (auto v = rx.try_recv().value) got.back().push_back(*v);
  }(s.capacity, producers, consumers, per, got));
  expect_exactly_once(got, producers * per);
}

INSTANTIATE_TEST_SUITE_P(Shapes, SyncChannelStress,
                         ::testing::Values(shape{2, 0}, shape{2, 1}, shape{2, 3}, shape{4, 0}, shape{4, 1},
                                           shape{4, 3}),
                         [](const auto& info) {
                           return "workers" + std::to_string(info.param.workers) + "_cap" +
                                  std::to_string(info.param.capacity);
                         });
