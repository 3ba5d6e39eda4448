// select storms: producers that send each value through whichever of three channels has room,
// consumers that take from whichever has a value, selects meeting selects on rendezvous
// channels, and selects cancelled mid-wait. Every value must arrive exactly once.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <random>
#include <vector>

#include "duet/runtime.hpp"
#include "duet/sync/channel.hpp"
#include "duet/sync/select.hpp"
#include "duet/task/spawn.hpp"
#include "unit/sync/sync_test_support.hpp"

using duet::task;
using duet::sync::channel;
using duet::sync::receiver;
using duet::sync::select;
using duet::sync::sender;

namespace {

struct lanes {
  sender<int> tx[3];
  receiver<int> rx[3];
};

task<> produce(lanes l, int base, int n, std::atomic<int>& per_lane0) {
  for (int i = 0; i < n; ++i) {
    int v = base + i;
    auto r = co_await select(l.tx[0].send_case(v), l.tx[1].send_case(v), l.tx[2].send_case(v));
    if (r.index() == 0) per_lane0.fetch_add(1);
  }
}

// Takes from any lane; once a lane reports closed (all close together at the end) it drains the
// three one by one.
task<> consume(lanes l, std::vector<int>& got) {
  for (;;) {
    auto r = co_await select(l.rx[0].recv_case(), l.rx[1].recv_case(), l.rx[2].recv_case());
    const std::optional<int> v = std::visit([](auto& x) -> std::optional<int> { return x; }, r);
    if (!v) break;
    got.push_back(*v);
  }
  for (auto& rx : l.rx) {
    while (auto v = co_await rx.recv()) got.push_back(*v);
  }
}

void expect_exactly_once(const std::vector<std::vector<int>>& parts, int n) {
  std::vector<int> seen(static_cast<std::size_t>(n), 0);
  std::size_t count = 0;
  for (const auto& p : parts) {
    for (int v : p) {
      ASSERT_GE(v, 0);
      ASSERT_LT(v, n);
      ++seen[static_cast<std::size_t>(v)];
      ++count;
    }
  }
  EXPECT_EQ(count, static_cast<std::size_t>(n));
  EXPECT_EQ(std::count(seen.begin(), seen.end(), 1), n);
}

struct shape {
  std::size_t workers;
  std::size_t capacity;
};

class SyncSelectStress : public ::testing::TestWithParam<shape> {};

}  // namespace

TEST_P(SyncSelectStress, SelectingSendersAndReceiversDeliverEveryValueExactlyOnce) {
  const shape s = GetParam();
  const int producers = 6, consumers = 6;
  const int per = static_cast<int>(sync_test::scaled(20000));
  std::vector<std::vector<int>> got(consumers);
  std::atomic<int> lane0{0};
  duet::runtime rt({.cpu_threads = s.workers});
  rt.block_on([](std::size_t cap, int producers, int consumers, int per, std::vector<std::vector<int>>& got,
                 std::atomic<int>& lane0) -> task<> {
    lanes l;
    for (auto i = 0; i < 3; ++i) std::tie(l.tx[i], l.rx[i]) = channel<int>(cap);
    std::vector<duet::join_handle<void>> cs, ps;
    for (int c = 0; c < consumers; ++c) cs.push_back(duet::spawn(consume(l, got[static_cast<std::size_t>(c)])));
    for (int p = 0; p < producers; ++p) ps.push_back(duet::spawn(produce(l, p * per, per, lane0)));
    for (auto& p : ps) co_await p;
    for (auto& tx : l.tx) tx.close();
    for (auto& c : cs) co_await c;
  }(s.capacity, producers, consumers, per, got, lane0));
  expect_exactly_once(got, producers * per);
  EXPECT_GT(lane0.load(), 0);  // more than one lane was used
}

TEST_P(SyncSelectStress, CancelledSelectsTakeNothing) {
  const shape s = GetParam();
  const int rounds = static_cast<int>(sync_test::scaled(4000));
  std::vector<std::vector<int>> got(2);  // [0]: taken by victims, [1]: left in the lanes
  int victims_served = 0;
  duet::runtime rt({.cpu_threads = s.workers});
  rt.block_on([](std::size_t cap, int rounds, std::vector<std::vector<int>>& got, int& served) -> task<> {
    lanes l;
    for (auto i = 0; i < 3; ++i) std::tie(l.tx[i], l.rx[i]) = channel<int>(cap);
    std::mt19937 rng(777);
    int next = 0;
    for (int r = 0; r < rounds; ++r) {
      // A selecting receiver, cancelled while another task sends into one lane: either the value
      // reaches the victim (which then finishes normally) or it stays in the lane (or, for a
      // rendezvous lane, is refused). Never both, never neither.
      auto victim = duet::spawn([](lanes l, std::vector<int>& got) -> task<> {
        auto r = co_await select(l.rx[0].recv_case(), l.rx[1].recv_case(), l.rx[2].recv_case());
        got.push_back(*std::visit([](auto& x) -> std::optional<int> { return x; }, r));
      }(l, got[0]));
      co_await sync_test::turns(static_cast<int>(rng() % 3));
      auto send = duet::spawn([](sender<int> tx, int v) -> task<bool> {
        co_return tx.try_send(v) == duet::sync::try_status::ok;
      }(l.tx[rng() % 3], next));
      co_await sync_test::turns(static_cast<int>(rng() % 2));
      victim.cancel();
      if (co_await send) ++next;
      try {
        co_await victim;
        ++served;
      } catch (const duet::cancelled_error&) {
      }
      for (auto& rx : l.rx) {
        while (auto v = rx.try_recv().value) got[1].push_back(*v);
      }
    }
    expect_exactly_once(got, next);
  }(s.capacity, rounds, got, victims_served));
  EXPECT_EQ(got[0].size(), static_cast<std::size_t>(victims_served));
}

INSTANTIATE_TEST_SUITE_P(Shapes, SyncSelectStress,
                         ::testing::Values(shape{2, 0}, shape{2, 1}, shape{4, 0}, shape{4, 2}), [](const auto& info) {
                           return "workers" + std::to_string(info.param.workers) + "_cap" +
                                  std::to_string(info.param.capacity);
                         });
