// The timing wheel against a reference: every timer fires exactly once, never before its
// deadline, and no later than the advance() that passes it.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <vector>

#include "duet/io/detail/timer_wheel.hpp"

using duet::io::detail::timer_node;
using duet::io::detail::timer_wheel;

namespace {
struct probe : timer_node {
  int fired = 0;
  std::uint64_t fired_at = 0;
  timer_wheel* wheel = nullptr;
};
void on_fire(timer_node* n) noexcept {
  auto* p = static_cast<probe*>(n);
  ++p->fired;
  p->fired_at = p->wheel->now();
}
}  // namespace

TEST(TimerWheel, FiresEachTimerOnceAtItsDeadline) {
  timer_wheel w(&on_fire, 0);
  std::mt19937_64 rng(7);
  std::vector<probe> timers(20000);
  for (auto& t : timers) {
    // Spread over every level: 0 ms .. ~4.6 hours.
    const int level = static_cast<int>(rng() % 5);
    t.deadline = rng() % (std::uint64_t{64} << (6 * level));
    t.wheel = &w;
    w.insert(t);
  }
  EXPECT_EQ(w.size(), timers.size());
  std::uint64_t now = 0;
  while (w.size() > 0) {
    now += 1 + rng() % 5000;  // uneven steps, as a real loop advances
    w.advance(now);
  }
  for (auto& t : timers) {
    ASSERT_EQ(t.fired, 1);
    EXPECT_GE(t.fired_at, t.deadline);
    EXPECT_LE(t.fired_at, now);
  }
}

TEST(TimerWheel, FiresInDeadlineOrderWhenAdvancedStepByStep) {
  timer_wheel w(&on_fire, 1000);
  std::vector<probe> timers(3000);
  std::mt19937 rng(3);
  for (auto& t : timers) {
    t.deadline = 1000 + rng() % 300000;
    t.wheel = &w;
    w.insert(t);
  }
  for (std::uint64_t now = 1000; now <= 301000; now += 1) w.advance(now);
  for (auto& t : timers) {
    ASSERT_EQ(t.fired, 1);
    EXPECT_EQ(t.fired_at, t.deadline) << "stepping one tick at a time fires exactly on time";
  }
}

TEST(TimerWheel, RemovedTimersNeverFire) {
  timer_wheel w(&on_fire, 0);
  std::vector<probe> timers(1000);
  for (std::size_t i = 0; i < timers.size(); ++i) {
    timers[i].deadline = i * 37;
    timers[i].wheel = &w;
    w.insert(timers[i]);
  }
  for (std::size_t i = 0; i < timers.size(); i += 2) w.remove(timers[i]);
  EXPECT_EQ(w.size(), 500u);
  w.advance(1'000'000);
  for (std::size_t i = 0; i < timers.size(); ++i) EXPECT_EQ(timers[i].fired, i % 2 == 0 ? 0 : 1) << i;
  EXPECT_EQ(w.size(), 0u);
}

TEST(TimerWheel, PastDeadlinesFireOnTheNextAdvance) {
  timer_wheel w(&on_fire, 5000);
  probe p;
  p.deadline = 10;
  p.wheel = &w;
  w.insert(p);
  ASSERT_TRUE(w.next_expiration().has_value());
  EXPECT_EQ(*w.next_expiration(), 5000u);
  w.advance(5000);
  EXPECT_EQ(p.fired, 1);
}

TEST(TimerWheel, NextExpirationIsALowerBoundOfTheEarliestDeadline) {
  timer_wheel w(&on_fire, 0);
  EXPECT_FALSE(w.next_expiration().has_value());
  probe a, b;
  a.deadline = 100000;
  b.deadline = 70;
  for (probe* p : {&a, &b}) {
    p->wheel = &w;
    w.insert(*p);
  }
  ASSERT_TRUE(w.next_expiration().has_value());
  EXPECT_LE(*w.next_expiration(), 70u);
  w.advance(69);
  EXPECT_EQ(b.fired, 0);
  w.advance(70);
  EXPECT_EQ(b.fired, 1);
  EXPECT_EQ(a.fired, 0);
}

TEST(TimerWheel, ClearHandsBackEveryPendingTimerOnceAndLeavesTheWheelEmpty) {
  timer_wheel w(&on_fire, 0);
  std::vector<probe> timers(500);
  std::mt19937_64 rng(3);
  for (auto& t : timers) {
    t.deadline = rng() % 10'000'000;  // spread over several levels
    t.wheel = &w;
    w.insert(t);
  }
  for (std::size_t i = 0; i < timers.size(); i += 5) w.remove(timers[i]);
  static int cleared = 0;
  cleared = 0;
  w.clear([](timer_node* n) noexcept {
    EXPECT_FALSE(n->linked());
    ++cleared;
  });
  EXPECT_EQ(cleared, 400);
  EXPECT_EQ(w.size(), 0u);
  EXPECT_FALSE(w.next_expiration().has_value());
  w.advance(20'000'000);
  for (const auto& t : timers) EXPECT_EQ(t.fired, 0) << "a cleared timer never fires";
}
