#include "duet/core/latch.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "unit/core/test_support.hpp"

namespace {

using duet::detail::latch_flag;

TEST(LatchFlag, StartsUnsetAndStaysSetOnceSet) {
  latch_flag f;
  EXPECT_FALSE(f.is_set());
  f.set();
  EXPECT_TRUE(f.is_set());
  f.wait();  // returns at once
  f.sleep_until_set();
  EXPECT_TRUE(f.is_set());
}

TEST(LatchFlag, WaitBlocksUntilAnotherThreadSetsAndSeesItsWrites) {
  duet_test::watchdog dog("latch wait");
  latch_flag f;
  int payload = 0;  // plain: published by set() (release) to wait() (acquire)
  std::atomic<bool> returned{false};
  std::thread waiter([&] {
    f.wait();
    returned.store(true);
    EXPECT_EQ(payload, 7);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(30));  // let the waiter reach the futex
  EXPECT_FALSE(returned.load());
  payload = 7;
  f.set();
  waiter.join();
  EXPECT_TRUE(returned.load());
}

TEST(LatchFlag, SleepUntilSetWakesOnSet) {
  duet_test::watchdog dog("latch sleep_until_set");
  latch_flag f;
  std::thread waiter([&] { f.sleep_until_set(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(10));
  f.set();
  waiter.join();
  EXPECT_TRUE(f.is_set());
}

// set() racing wait() at every point: a fresh flag per round, so a missed futex wake hangs.
TEST(LatchFlag, SetRacingWaitNeverHangs) {
  duet_test::watchdog dog("latch race");
  const int rounds = static_cast<int>(duet_test::scaled(20000, 2000));
  for (int i = 0; i < rounds; ++i) {
    latch_flag f;
    int value = 0;
    std::thread setter([&] {
      value = i;
      f.set();
    });
    if (i % 2 == 0)
      f.wait();
    else
      f.sleep_until_set();
    ASSERT_EQ(value, i);
    setter.join();
  }
}

}  // namespace
