#include "duet/sync/channel.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <numeric>
#include <string>
#include <type_traits>
#include <vector>

#include "duet/runtime.hpp"
#include "duet/task/spawn.hpp"
#include "sync_test_support.hpp"

using duet::task;
using duet::sync::channel;
using duet::sync::channel_closed;
using duet::sync::receiver;
using duet::sync::sender;
using duet::sync::try_status;
using sync_test::eventually;
using sync_test::turns;

namespace {

task<> send_n(sender<int> tx, int n, std::atomic<int>& sent) {
  for (int i = 0; i < n; ++i) {
    co_await tx.send(i);
    sent.fetch_add(1);
  }
}

task<std::vector<int>> recv_all(receiver<int> rx) {
  std::vector<int> got;
  while (auto v = co_await rx.recv()) got.push_back(*v);
  co_return got;
}

}  // namespace

TEST(SyncChannel, ReceivesValuesInTheOrderTheyWereSent) {
  duet::runtime rt({.cpu_threads = 2});
  rt.block_on([]() -> task<> {
    auto [tx, rx] = channel<int>(8);
    for (int i = 0; i < 8; ++i) co_await tx.send(i);
    EXPECT_EQ(tx.size(), 8u);
    for (int i = 0; i < 8; ++i) EXPECT_EQ(co_await rx.recv(), i);
  }());
}

TEST(SyncChannel, TrySendReportsFullAndLeavesTheValueWithTheCaller) {
  auto [tx, rx] = channel<std::string>(1);
  std::string a = "first", b = "second";
  EXPECT_EQ(tx.try_send(std::move(a)), try_status::ok);
  EXPECT_EQ(tx.try_send(std::move(b)), try_status::full);
  EXPECT_EQ(b, "second");  // not moved from
  EXPECT_EQ(tx.try_send(std::string("x")), try_status::full);
  const std::string c = "copied";
  EXPECT_EQ(rx.try_recv().value, "first");
  EXPECT_EQ(tx.try_send(c), try_status::ok);
  EXPECT_EQ(c, "copied");
  tx.close();
  std::string d = "kept";
  EXPECT_EQ(tx.try_send(std::move(d)), try_status::closed);
  EXPECT_EQ(d, "kept");
}

TEST(SyncChannel, TryRecvReportsEmptyThenTheValueThenClosedOnceDrained) {
  auto [tx, rx] = channel<int>(4);
  auto r = rx.try_recv();
  EXPECT_EQ(r.status, try_status::empty);
  EXPECT_FALSE(r.value);
  EXPECT_EQ(tx.try_send(7), try_status::ok);
  tx.close();
  r = rx.try_recv();
  EXPECT_EQ(r.status, try_status::ok);
  EXPECT_EQ(r.value, 7);
  r = rx.try_recv();
  EXPECT_EQ(r.status, try_status::closed);
  EXPECT_FALSE(r.value);
}

TEST(SyncChannel, SenderWaitsWhileFullAndResumesWhenASlotFrees) {
  duet::runtime rt({.cpu_threads = 2});
  rt.block_on([]() -> task<> {
    auto [tx, rx] = channel<int>(2);
    std::atomic<int> sent{0};
    auto h = duet::spawn(send_n(tx, 5, sent));
    EXPECT_TRUE(co_await eventually([&] { return sent.load() == 2; }));
    co_await turns(200);
    EXPECT_EQ(sent.load(), 2);  // the third send is waiting: no room
    EXPECT_EQ(tx.size(), 2u);
    EXPECT_EQ(co_await rx.recv(), 0);
    EXPECT_TRUE(co_await eventually([&] { return sent.load() == 3; }));
    co_await turns(200);
    EXPECT_EQ(sent.load(), 3);
    for (int i = 1; i < 5; ++i) EXPECT_EQ(co_await rx.recv(), i);
    co_await h;
    EXPECT_EQ(sent.load(), 5);
  }());
}

TEST(SyncChannel, ReceiverWaitsUntilAValueArrives) {
  duet::runtime rt({.cpu_threads = 2});
  rt.block_on([]() -> task<> {
    auto [tx, rx] = channel<int>(4);
    auto h = duet::spawn(recv_all(rx));
    co_await turns(100);
    EXPECT_FALSE(h.is_finished());
    co_await tx.send(1);
    co_await tx.send(2);
    tx.close();
    const std::vector<int> got_h = co_await h;
    EXPECT_EQ(got_h, (std::vector<int>{1, 2}));
  }());
}

TEST(SyncChannel, CloseLetsReceiversDrainAndThenYieldsNullopt) {
  duet::runtime rt({.cpu_threads = 2});
  rt.block_on([]() -> task<> {
    auto [tx, rx] = channel<int>(4);
    co_await tx.send(1);
    co_await tx.send(2);
    rx.close();  // any handle may close
    EXPECT_TRUE(tx.is_closed());
    EXPECT_EQ(co_await rx.recv(), 1);
    EXPECT_EQ(co_await rx.recv(), 2);
    EXPECT_EQ(co_await rx.recv(), std::nullopt);
    EXPECT_EQ(co_await rx.recv(), std::nullopt);  // and stays closed
  }());
}

TEST(SyncChannel, DroppingEverySenderClosesTheChannelAndWakesReceivers) {
  duet::runtime rt({.cpu_threads = 2});
  rt.block_on([]() -> task<> {
    auto [tx, rx] = channel<int>(4);
    auto h = duet::spawn(recv_all(rx));
    {
      sender<int> tx2 = tx;  // a copy is a second sender
      co_await tx2.send(5);
      auto moved = std::move(tx);
      co_await moved.send(6);
    }  // both senders gone: closed
    const std::vector<int> got_h = co_await h;
    EXPECT_EQ(got_h, (std::vector<int>{5, 6}));
  }());
}

TEST(SyncChannel, SendOnAClosedChannelThrowsChannelClosed) {
  duet::runtime rt({.cpu_threads = 2});
  rt.block_on([]() -> task<> {
    auto [tx, rx] = channel<int>(1);
    tx.close();
    bool thrown = false;
    try {
      co_await tx.send(1);
    } catch (const channel_closed&) {
      thrown = true;
    }
    EXPECT_TRUE(thrown);
  }());
}

TEST(SyncChannel, CloseWakesAWaitingSenderWithChannelClosed) {
  duet::runtime rt({.cpu_threads = 2});
  rt.block_on([]() -> task<> {
    auto [tx, rx] = channel<int>(1);
    co_await tx.send(1);
    std::atomic<int> sent{0};
    auto h = duet::spawn(send_n(tx, 1, sent));  // waits: full
    co_await turns(100);
    tx.close();
    bool thrown = false;
    try {
      co_await h;
    } catch (const channel_closed&) {
      thrown = true;
    }
    EXPECT_TRUE(thrown);
    EXPECT_EQ(sent.load(), 0);
    EXPECT_EQ(co_await rx.recv(), 1);  // the buffered value is still drained
    EXPECT_EQ(co_await rx.recv(), std::nullopt);
  }());
}

TEST(SyncChannel, DroppingEveryReceiverClosesTheChannel) {
  auto [tx, rx] = channel<int>(2);
  {
    auto gone = std::move(rx);
  }
  EXPECT_TRUE(tx.is_closed());
  EXPECT_EQ(tx.try_send(1), try_status::closed);
}

TEST(SyncChannel, RendezvousChannelHandsEachValueToAWaitingReceiver) {
  duet::runtime rt({.cpu_threads = 2});
  rt.block_on([]() -> task<> {
    auto [tx, rx] = channel<int>(0);
    EXPECT_EQ(tx.try_send(1), try_status::full);  // nobody is receiving
    std::atomic<int> sent{0};
    auto h = duet::spawn(send_n(tx, 3, sent));
    co_await turns(100);
    EXPECT_EQ(sent.load(), 0);  // a send completes only when taken
    EXPECT_EQ(tx.size(), 0u);
    for (int i = 0; i < 3; ++i) EXPECT_EQ(co_await rx.recv(), i);
    co_await h;
    EXPECT_EQ(sent.load(), 3);
  }());
}

TEST(SyncChannel, MpscReceiverIsMoveOnlyAndSendersAreCopyable) {
  static_assert(!std::is_copy_constructible_v<duet::sync::mpsc_receiver<int>>);
  static_assert(std::is_move_constructible_v<duet::sync::mpsc_receiver<int>>);
  static_assert(std::is_copy_constructible_v<sender<int>>);
  static_assert(std::is_copy_constructible_v<receiver<int>>);
  duet::runtime rt({.cpu_threads = 2});
  rt.block_on([]() -> task<> {
    auto [tx, rx] = duet::sync::mpsc_channel<int>(2);
    auto tx2 = tx;
    co_await tx.send(1);
    co_await tx2.send(2);
    auto rx2 = std::move(rx);
    EXPECT_EQ(co_await rx2.recv(), 1);
    EXPECT_EQ(rx2.try_recv().value, 2);
  }());
}

TEST(SyncChannel, CarriesMoveOnlyValues) {
  duet::runtime rt({.cpu_threads = 2});
  rt.block_on([]() -> task<> {
    auto [tx, rx] = channel<std::unique_ptr<int>>(1);
    co_await tx.send(std::make_unique<int>(41));
    auto v = co_await rx.recv();
    EXPECT_EQ(**v, 41);
  }());
}

TEST(SyncChannel, EveryValueReachesExactlyOneOfManyReceivers) {
  duet::runtime rt({.cpu_threads = 2});
  rt.block_on([]() -> task<> {
    auto [tx, rx] = channel<int>(2);
    std::vector<duet::join_handle<std::vector<int>>> consumers;
    for (int i = 0; i < 3; ++i) consumers.push_back(duet::spawn(recv_all(rx)));
    std::atomic<int> sent{0};
    std::vector<duet::join_handle<void>> producers;
    for (int i = 0; i < 4; ++i) producers.push_back(duet::spawn(send_n(tx, 100, sent)));
    for (auto& p : producers) co_await p;
    tx.close();
    std::vector<int> count(100, 0);
    std::size_t total = 0;
    for (auto& c : consumers) {
      for (int v : co_await c) ++count[static_cast<std::size_t>(v)];
    }
    for (int c : count) {
      EXPECT_EQ(c, 4);
      total += static_cast<std::size_t>(c);
    }
    EXPECT_EQ(total, 400u);
  }());
}
