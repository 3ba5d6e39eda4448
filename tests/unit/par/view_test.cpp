#include "duet/par/view.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <string>
#include <vector>

#include "unit/par/par_support.hpp"

namespace par = duet::par;

namespace {

TEST(ParView, MapCollectMatchesStdTransform) {
  for (std::size_t n : par_test::sizes()) {
    auto v = par_test::random_ints<std::int32_t>(n, -1000, 1000);
    std::vector<std::int64_t> want(n);
    std::transform(v.begin(), v.end(), want.begin(), [](std::int32_t x) { return std::int64_t{x} * 2; });
    auto got = par::view(v) | par::map([](std::int32_t x) { return std::int64_t{x} * 2; }) | par::collect();
    EXPECT_EQ(got, want) << "n = " << n;
  }
}

TEST(ParView, MapFilterMapKeepsTheOrder) {
  for (std::size_t n : par_test::sizes()) {
    auto v = par_test::random_ints<std::int32_t>(n, -1000, 1000);
    std::vector<std::string> want;
    for (std::int32_t x : v)
      if (x * 3 > 100) want.push_back(std::to_string(x * 3));
    auto got = par::view(v) | par::map([](std::int32_t x) { return x * 3; }) |
               par::filter([](std::int32_t x) { return x > 100; }) |
               par::map([](std::int32_t x) { return std::to_string(x); }) | par::collect({.grain = 500});
    EXPECT_EQ(got, want) << "n = " << n;
  }
}

TEST(ParView, FiltersInARowAndStrings) {
  auto words = par_test::random_strings(100'003);
  std::vector<std::size_t> want;
  for (const auto& w : words)
    if (w.size() > 3 && w.size() % 2 == 0) want.push_back(w.size());
  auto p = par::view(words) | par::filter([](const std::string& w) { return w.size() > 3; }) |
           par::map([](const std::string& w) { return w.size(); }) |
           par::filter([](std::size_t s) { return s % 2 == 0; });
  EXPECT_EQ(p | par::collect(), want);  // a pipeline can be kept and collected later
  EXPECT_EQ(p | par::collect(), want);
  auto copies = par::view(words) | par::filter([](const std::string& w) { return w[0] == 'a'; }) | par::collect();
  std::vector<std::string> want_copies;
  std::copy_if(words.begin(), words.end(), std::back_inserter(want_copies),
               [](const std::string& w) { return w[0] == 'a'; });
  EXPECT_EQ(copies, want_copies);
}

}  // namespace
