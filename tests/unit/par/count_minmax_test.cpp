#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "duet/par/count.hpp"
#include "duet/par/minmax.hpp"
#include "unit/par/par_support.hpp"

namespace par = duet::par;

namespace {

TEST(ParCountIf, MatchesStdAtEverySize) {
  for (std::size_t n : par_test::sizes()) {
    auto v = par_test::random_ints<std::int64_t>(n, 0, 9);
    auto odd = [](std::int64_t x) { return x % 2 == 1; };
    EXPECT_EQ(par::count_if(v, odd), std::count_if(v.begin(), v.end(), odd)) << "n = " << n;
    EXPECT_EQ(par::count(v.begin(), v.end(), 4), std::count(v.begin(), v.end(), 4)) << "n = " << n;
  }
}

TEST(ParMinMaxElement, ReturnTheFirstExtremeAtEverySize) {
  for (std::size_t n : par_test::sizes()) {
    auto v = par_test::random_ints<std::int64_t>(n, -50, 50);  // many ties
    EXPECT_EQ(par::min_element(v) - v.begin(), std::min_element(v.begin(), v.end()) - v.begin()) << "n = " << n;
    EXPECT_EQ(par::max_element(v) - v.begin(), std::max_element(v.begin(), v.end()) - v.begin()) << "n = " << n;
    auto by_abs = [](std::int64_t a, std::int64_t b) { return std::abs(a) < std::abs(b); };
    EXPECT_EQ(par::min_element(v.begin(), v.end(), by_abs) - v.begin(),
              std::min_element(v.begin(), v.end(), by_abs) - v.begin());
    EXPECT_EQ(par::max_element(v, by_abs, {.grain = 3}) - v.begin(),
              std::max_element(v.begin(), v.end(), by_abs) - v.begin());
  }
}

TEST(ParMinMaxElement, Strings) {
  auto words = par_test::random_strings(65537);
  EXPECT_EQ(*par::min_element(words), *std::min_element(words.begin(), words.end()));
  EXPECT_EQ(par::max_element(words) - words.begin(), std::max_element(words.begin(), words.end()) - words.begin());
}

}  // namespace
