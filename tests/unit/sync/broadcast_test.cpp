#include "duet/sync/broadcast.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "duet/runtime.hpp"
#include "duet/task/spawn.hpp"
#include "sync_test_support.hpp"

using duet::task;
using duet::sync::broadcast;
using duet::sync::broadcast_receiver;
using duet::sync::lagged_error;
using duet::sync::try_status;

namespace {
task<std::vector<int>> recv_all(broadcast_receiver<int> rx) {
  std::vector<int> got;
  while (auto v = co_await rx.recv()) got.push_back(*v);
  co_return got;
}
}  // namespace

TEST(SyncBroadcast, EveryReceiverSeesEveryValueSentAfterItSubscribed) {
  duet::runtime rt({.cpu_threads = 2});
  rt.block_on([]() -> task<> {
    auto [tx, rx] = broadcast<int>(4);
    auto early = duet::spawn(recv_all(rx));
    auto copy = duet::spawn(recv_all(rx));  // a copy starts where rx is
    co_await sync_test::turns(50);
    EXPECT_EQ(tx.send(1), 3u);  // rx and the two tasks' copies of it
    auto late_rx = tx.subscribe();
    auto late = duet::spawn(recv_all(std::move(late_rx)));
    tx.send(2);
    tx.send(3);
    tx.close();
    const std::vector<int> got_early = co_await early;
    EXPECT_EQ(got_early, (std::vector<int>{1, 2, 3}));
    const std::vector<int> got_copy = co_await copy;
    EXPECT_EQ(got_copy, (std::vector<int>{1, 2, 3}));
    const std::vector<int> got_late = co_await late;
    EXPECT_EQ(got_late, (std::vector<int>{2, 3}));
  }());
}

TEST(SyncBroadcast, ALaggingReceiverGetsLaggedErrorThenContinuesFromTheOldestValueHeld) {
  auto [tx, rx] = broadcast<int>(4);
  for (int i = 0; i < 10; ++i) tx.send(i);
  try {
    (void)rx.try_recv();
    ADD_FAILURE() << "no lagged_error";
  } catch (const lagged_error& e) {
    EXPECT_EQ(e.missed(), 6u);
  }
  for (int i = 6; i < 10; ++i) EXPECT_EQ(rx.try_recv().value, i);
  EXPECT_EQ(rx.try_recv().status, try_status::empty);
}

TEST(SyncBroadcast, RecvThrowsLaggedErrorOnce) {
  duet::runtime rt({.cpu_threads = 1});
  rt.block_on([]() -> task<> {
    auto [tx, rx] = broadcast<int>(2);
    for (int i = 0; i < 5; ++i) tx.send(i);
    std::uint64_t missed = 0;
    try {
      co_await rx.recv();
    } catch (const lagged_error& e) {
      missed = e.missed();
    }
    EXPECT_EQ(missed, 3u);
    EXPECT_EQ(co_await rx.recv(), 3);
    EXPECT_EQ(co_await rx.recv(), 4);
  }());
}

TEST(SyncBroadcast, DroppingEverySenderClosesAfterReceiversDrain) {
  duet::runtime rt({.cpu_threads = 2});
  rt.block_on([]() -> task<> {
    auto [tx, rx] = broadcast<int>(8);
    auto h = duet::spawn(recv_all(rx));
    {
      auto tx2 = tx;
      tx2.send(1);
      auto moved = std::move(tx);
      moved.send(2);
    }
    const std::vector<int> got_h = co_await h;
    EXPECT_EQ(got_h, (std::vector<int>{1, 2}));
    EXPECT_EQ(rx.try_recv().value, 1);
    EXPECT_EQ(rx.try_recv().value, 2);
    EXPECT_EQ(rx.try_recv().status, try_status::closed);
  }());
}

TEST(SyncBroadcast, SendAfterCloseThrowsChannelClosed) {
  auto [tx, rx] = broadcast<int>(1);
  tx.close();
  EXPECT_THROW(tx.send(1), duet::sync::channel_closed);
}
