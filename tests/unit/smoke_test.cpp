#include <gtest/gtest.h>

#include "duet/duet.hpp"

TEST(Smoke, BlockOnReturnsValue) {
  duet::runtime rt({.cpu_threads = 2});
  auto t = []() -> duet::task<int> { co_return 42; };
  EXPECT_EQ(rt.block_on(t()), 42);
}
