#include "duet/sync/select.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "duet/io/timer.hpp"
#include "duet/runtime.hpp"
#include "duet/sync/channel.hpp"
#include "duet/sync/event.hpp"
#include "duet/sync/oneshot.hpp"
#include "duet/task/spawn.hpp"
#include "sync_test_support.hpp"

using duet::task;
using duet::sync::channel;
using duet::sync::select;
using duet::sync::try_status;

TEST(SyncSelect, PicksTheOnlyReadyCase) {
  duet::runtime rt({.cpu_threads = 2});
  rt.block_on([]() -> task<> {
    auto [tx1, rx1] = channel<int>(1);
    auto [tx2, rx2] = channel<std::string>(1);
    co_await tx2.send("two");
    auto r = co_await select(rx1.recv_case(), rx2.recv_case());
    EXPECT_EQ(r.index(), 1u);
    EXPECT_EQ(std::get<1>(r), "two");
  }());
}

TEST(SyncSelect, WaitsUntilACaseBecomesReady) {
  duet::runtime rt({.cpu_threads = 2});
  rt.block_on([]() -> task<> {
    auto [tx1, rx1] = channel<int>(1);
    auto [tx2, rx2] = channel<int>(1);
    auto h = duet::spawn([](duet::sync::receiver<int> a, duet::sync::receiver<int> b) -> task<std::size_t> {
      auto r = co_await select(a.recv_case(), b.recv_case());
      EXPECT_EQ(std::get<1>(r), 9);
      co_return r.index();
    }(rx1, rx2));
    co_await sync_test::turns(100);
    EXPECT_FALSE(h.is_finished());
    co_await tx2.send(9);
    EXPECT_EQ(co_await h, 1u);
  }());
}

TEST(SyncSelect, TakesOneValueAndLeavesTheOthersInTheirChannels) {
  duet::runtime rt({.cpu_threads = 2});
  rt.block_on([]() -> task<> {
    auto [tx1, rx1] = channel<int>(1);
    auto [tx2, rx2] = channel<int>(1);
    co_await tx1.send(1);
    co_await tx2.send(2);
    auto r = co_await select(rx1.recv_case(), rx2.recv_case());
    const int got = r.index() == 0 ? *std::get<0>(r) : *std::get<1>(r);
    EXPECT_EQ(got, static_cast<int>(r.index()) + 1);
    // The other value is still there.
    EXPECT_EQ(rx1.size() + rx2.size(), 1u);
  }());
}

TEST(SyncSelect, SendsThroughASendCaseAndLeavesAnLvalueAloneWhenAnotherCaseFires) {
  duet::runtime rt({.cpu_threads = 2});
  rt.block_on([]() -> task<> {
    auto [tx, rx] = channel<std::string>(1);
    auto [full_tx, full_rx] = channel<std::string>(1);
    co_await full_tx.send("occupied");
    std::string v = "payload";
    // full_tx has no room; tx has: the second case fires, moving v into the channel.
    auto r = co_await select(full_tx.send_case(v), tx.send_case(v));
    EXPECT_EQ(r.index(), 1u);
    EXPECT_EQ(co_await rx.recv(), "payload");
    // Now only a receive can fire; the send case must leave w untouched.
    std::string w = "unsent";
    auto r2 = co_await select(full_tx.send_case(w), full_rx.recv_case());
    EXPECT_EQ(r2.index(), 1u);
    EXPECT_EQ(std::get<1>(r2), "occupied");
    EXPECT_EQ(w, "unsent");
  }());
}

TEST(SyncSelect, ARecvCaseOnAClosedChannelFiresWithNullopt) {
  duet::runtime rt({.cpu_threads = 2});
  rt.block_on([]() -> task<> {
    auto [tx1, rx1] = channel<int>(1);
    auto [tx2, rx2] = channel<int>(1);
    tx1.close();
    auto r = co_await select(rx1.recv_case(), rx2.recv_case());
    EXPECT_EQ(r.index(), 0u);
    EXPECT_EQ(std::get<0>(r), std::nullopt);
  }());
}

TEST(SyncSelect, ASendCaseOnAClosedChannelThrowsChannelClosed) {
  duet::runtime rt({.cpu_threads = 2});
  rt.block_on([]() -> task<> {
    auto [tx1, rx1] = channel<int>(1);
    auto [tx2, rx2] = channel<int>(1);
    rx1.close();
    bool thrown = false;
    try {
      co_await select(tx1.send_case(1), rx2.recv_case());
    } catch (const duet::sync::channel_closed&) {
      thrown = true;
    }
    EXPECT_TRUE(thrown);
  }());
}

TEST(SyncSelect, MeetsAnotherSelectOnARendezvousChannel) {
  duet::runtime rt({.cpu_threads = 2});
  rt.block_on([]() -> task<> {
    // Two rendezvous channels; one task selects over receiving from both, the other over
    // sending to both. Exactly one pair of cases meets, whichever that is.
    using str = std::string;
    auto [a_tx, a_rx] = channel<str>(0);
    auto [b_tx, b_rx] = channel<str>(0);
    auto h =
        duet::spawn([](duet::sync::receiver<str> a, duet::sync::receiver<str> b) -> task<std::pair<std::size_t, str>> {
          auto r = co_await select(a.recv_case(), b.recv_case());
          co_return std::pair{r.index(), r.index() == 0 ? *std::get<0>(r) : *std::get<1>(r)};
        }(a_rx, b_rx));
    co_await sync_test::turns(50);
    str five = "five", six = "six";
    auto r = co_await select(a_tx.send_case(five), b_tx.send_case(six));
    const auto [index, value] = co_await h;
    EXPECT_EQ(index, r.index());
    EXPECT_EQ(value, r.index() == 0 ? "five" : "six");
    EXPECT_EQ(r.index() == 0 ? six : five, r.index() == 0 ? "six" : "five");  // the other is untouched
    EXPECT_EQ(a_tx.try_send(str("x")), try_status::full);                     // nobody is left waiting on either
    EXPECT_EQ(b_tx.try_send(str("x")), try_status::full);
  }());
}

TEST(SyncSelect, MixesChannelsWithOneshotAndEventCases) {
  duet::runtime rt({.cpu_threads = 2});
  rt.block_on([]() -> task<> {
    auto [tx, rx] = channel<int>(1);
    auto [otx, orx] = duet::sync::oneshot<int>();
    duet::sync::event ev;
    otx.send(3);
    auto r = co_await select(rx.recv_case(), ev.wait_case(), orx.recv_case());
    EXPECT_EQ(r.index(), 2u);
    EXPECT_EQ(std::get<2>(r), 3);
    ev.set();
    auto r2 = co_await select(rx.recv_case(), ev.wait_case());
    EXPECT_EQ(r2.index(), 1u);
  }());
}

TEST(SyncSelect, GivesEveryReadyCaseATurn) {
  duet::runtime rt({.cpu_threads = 1});
  rt.block_on([]() -> task<> {
    auto [tx1, rx1] = channel<int>(1);
    auto [tx2, rx2] = channel<int>(1);
    int fired[2] = {0, 0};
    for (int i = 0; i < 200; ++i) {
      (void)tx1.try_send(1);
      (void)tx2.try_send(2);
      auto r = co_await select(rx1.recv_case(), rx2.recv_case());
      ++fired[r.index()];
    }
    EXPECT_GT(fired[0], 0);
    EXPECT_GT(fired[1], 0);
  }());
}

// The extension point: a case type written outside duet (as a timer will be), fired by hand.
namespace {
struct trigger {
  std::mutex mu;
  bool fired = false;
  duet::sync::detail::wait_queue waiters;
  void fire() {
    duet::sync::detail::wake_list wakes;
    std::lock_guard lock(mu);
    fired = true;
    while (auto* n = waiters.pop_claimed<duet::sync::detail::wait_node>()) wakes.push(*n->owner);
  }
};
struct trigger_case {
  using result_type = int;
  trigger* t;
  duet::sync::detail::wait_node node{};
  std::mutex& queue_mutex() noexcept { return t->mu; }
  bool try_complete(duet::sync::detail::wake_list&) const noexcept { return t->fired; }
  void enqueue(duet::sync::detail::waiter& w, int index) noexcept {
    node.owner = &w;
    node.index = index;
    t->waiters.push_back(node);
  }
  void withdraw() noexcept {
    std::lock_guard lock(t->mu);
    t->waiters.withdraw(node);
  }
  int take() const noexcept { return 99; }
};
static_assert(duet::sync::select_case<trigger_case>);
}  // namespace

TEST(SyncSelect, AcceptsCaseTypesDefinedOutsideDuetLikeAFutureTimer) {
  duet::runtime rt({.cpu_threads = 2});
  rt.block_on([]() -> task<> {
    auto [tx, rx] = channel<int>(1);
    trigger t;
    auto h = duet::spawn([](duet::sync::receiver<int> rx, trigger& t) -> task<int> {
      auto r = co_await select(rx.recv_case(), trigger_case{&t});
      co_return r.index() == 1 ? std::get<1>(r) : -1;
    }(rx, t));
    co_await sync_test::turns(50);
    t.fire();
    EXPECT_EQ(co_await h, 99);
    EXPECT_EQ(tx.try_send(1), try_status::ok);  // the withdrawn recv case took nothing
    EXPECT_EQ(rx.size(), 1u);
  }());
}

// The timer case (duet::after, from the io layer): Go's `case <-time.After(d)`.
static_assert(duet::sync::select_case<duet::after_case>);

TEST(SyncSelect, ATimerCaseFiresWhenNoChannelDoesAndNeverEarly) {
  duet::runtime rt({.cpu_threads = 2});
  rt.block_on([]() -> task<> {
    auto [tx, rx] = channel<int>(1);
    const auto t0 = std::chrono::steady_clock::now();
    auto r = co_await select(rx.recv_case(), duet::after(std::chrono::milliseconds(30)));
    EXPECT_EQ(r.index(), 1u);
    EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(30)) << "a timer never fires early";
    EXPECT_EQ(tx.try_send(5), try_status::ok);  // the withdrawn recv case took nothing
    EXPECT_EQ(rx.size(), 1u);
  }());
}

TEST(SyncSelect, AValueBeatsALaterTimerAndTheTimerIsDropped) {
  duet::runtime rt({.cpu_threads = 2});
  rt.block_on([]() -> task<> {
    auto [tx, rx] = channel<int>(1);
    auto h = duet::spawn([](duet::sync::receiver<int> rx) -> task<int> {
      // An hour-long timer: the value wins, and dropping the case cancels the timer's task.
      auto r = co_await select(rx.recv_case(), duet::after(std::chrono::hours(1)));
      co_return r.index() == 0 ? *std::get<0>(r) : -1;
    }(rx));
    co_await sync_test::turns(50);
    co_await tx.send(42);
    EXPECT_EQ(co_await h, 42);
  }());
}

TEST(SyncSelect, ReceivesWithATimeoutInALoopUntilTheProducerGoesQuiet) {
  duet::runtime rt({.cpu_threads = 2});
  rt.block_on([]() -> task<> {
    auto [tx, rx] = channel<int>(4);
    auto producer = duet::spawn([](duet::sync::sender<int> tx) -> task<> {
      for (int i = 0; i < 20; ++i) {
        co_await tx.send(i);
        if (i % 5 == 4) co_await duet::sleep_for(std::chrono::milliseconds(2));
      }
      // Keep the channel open (tx alive) but quiet: only the timer can end the consumer.
      co_await duet::sleep_for(std::chrono::milliseconds(300));
    }(tx));
    std::vector<int> got;
    for (;;) {
      auto r = co_await select(rx.recv_case(), duet::after(std::chrono::milliseconds(100)));
      if (r.index() == 1) break;
      got.push_back(*std::get<0>(r));
    }
    std::vector<int> want(20);
    for (int i = 0; i < 20; ++i) want[static_cast<std::size_t>(i)] = i;
    EXPECT_EQ(got, want);
    co_await producer;
  }());
}

TEST(SyncSelect, AnExpiredTimerIsReadyAtOnce) {
  duet::runtime rt({.cpu_threads = 1});
  rt.block_on([]() -> task<> {
    auto [tx, rx] = channel<int>(1);
    auto past = duet::after_until(std::chrono::steady_clock::now() - std::chrono::seconds(1));
    auto r = co_await select(rx.recv_case(), std::move(past));
    EXPECT_EQ(r.index(), 1u);
  }());
}

TEST(SyncSelect, ACancelledTaskWaitingOnATimerCaseStopsAtOnce) {
  duet::runtime rt({.cpu_threads = 2});
  rt.block_on([]() -> task<> {
    auto [tx, rx] = channel<int>(1);
    auto h = duet::spawn([](duet::sync::receiver<int> rx) -> task<> {
      co_await select(rx.recv_case(), duet::after(std::chrono::hours(1)));
    }(rx));
    co_await sync_test::turns(50);
    h.cancel();
    bool cancelled = false;
    try {
      co_await h;
    } catch (const duet::cancelled_error&) {
      cancelled = true;
    }
    EXPECT_TRUE(cancelled);
  }());
}
