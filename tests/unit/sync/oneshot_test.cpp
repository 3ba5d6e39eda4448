#include "duet/sync/oneshot.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "duet/runtime.hpp"
#include "duet/task/spawn.hpp"
#include "sync_test_support.hpp"

using duet::task;
using duet::sync::channel_closed;
using duet::sync::oneshot;
using duet::sync::oneshot_receiver;
using duet::sync::oneshot_sender;

namespace {
task<int> await_value(oneshot_receiver<int> rx) { co_return co_await rx; }
}  // namespace

TEST(SyncOneshot, DeliversTheValueToAWaitingReceiver) {
  duet::runtime rt({.cpu_threads = 2});
  rt.block_on([]() -> task<> {
    auto [tx, rx] = oneshot<int>();
    auto h = duet::spawn(await_value(std::move(rx)));
    co_await sync_test::turns(100);
    EXPECT_FALSE(h.is_finished());
    EXPECT_TRUE(tx.send(42));
    EXPECT_EQ(co_await h, 42);
  }());
}

TEST(SyncOneshot, AValueSentBeforeTheWaitIsReceivedAtOnce) {
  duet::runtime rt({.cpu_threads = 1});
  rt.block_on([]() -> task<> {
    auto [tx, rx] = oneshot<std::string>();
    tx.send("ready");
    EXPECT_EQ(co_await rx.recv(), "ready");
  }());
}

TEST(SyncOneshot, RethrowsTheExceptionSent) {
  duet::runtime rt({.cpu_threads = 2});
  rt.block_on([]() -> task<> {
    auto [tx, rx] = oneshot<int>();
    auto h = duet::spawn(await_value(std::move(rx)));
    tx.set_exception(std::make_exception_ptr(std::runtime_error("boom")));
    std::string what;
    try {
      co_await h;
    } catch (const std::runtime_error& e) {
      what = e.what();
    }
    EXPECT_EQ(what, "boom");
  }());
}

TEST(SyncOneshot, DroppingTheSenderUnsentMakesTheReceiverThrowChannelClosed) {
  duet::runtime rt({.cpu_threads = 2});
  rt.block_on([]() -> task<> {
    auto [tx, rx] = oneshot<int>();
    auto h = duet::spawn(await_value(std::move(rx)));
    co_await sync_test::turns(50);
    {
      auto gone = std::move(tx);
    }
    bool closed = false;
    try {
      co_await h;
    } catch (const channel_closed&) {
      closed = true;
    }
    EXPECT_TRUE(closed);
  }());
}

TEST(SyncOneshot, SendReportsWhetherTheReceiverIsStillThere) {
  auto [tx, rx] = oneshot<int>();
  EXPECT_FALSE(tx.is_closed());
  {
    auto gone = std::move(rx);
  }
  EXPECT_TRUE(tx.is_closed());
  EXPECT_FALSE(tx.send(1));
}

TEST(SyncOneshot, EachEndIsSingleUse) {
  auto [tx, rx] = oneshot<int>();
  EXPECT_EQ(rx.try_recv(), std::nullopt);
  EXPECT_TRUE(tx.send(7));
  EXPECT_THROW(tx.send(8), std::logic_error);
  EXPECT_EQ(rx.try_recv(), 7);
  EXPECT_THROW(rx.try_recv(), std::logic_error);
}
