#include "duet/par/for_each.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "unit/par/par_support.hpp"

namespace par = duet::par;

namespace {

TEST(ParForEach, VisitsEveryElementOnceAtEverySize) {
  for (std::size_t n : par_test::sizes()) {
    std::vector<std::int64_t> v = par_test::random_ints<std::int64_t>(n, -1000, 1000);
    std::vector<std::int64_t> want = v;
    std::for_each(want.begin(), want.end(), [](std::int64_t& x) { x = x * 3 + 1; });
    par::for_each(v, [](std::int64_t& x) { x = x * 3 + 1; });
    EXPECT_EQ(v, want) << "n = " << n;
  }
}

TEST(ParForEach, WorksOnIteratorPairsOfNonContiguousContainers) {
  std::deque<int> d(100'003, 1);
  par::for_each(d.begin() + 3, d.end(), [](int& x) { x = 2; });
  EXPECT_EQ(std::count(d.begin(), d.end(), 2), 100'000);
  EXPECT_EQ(std::count(d.begin(), d.end(), 1), 3);
}

TEST(ParForEach, RespectsAGrainHint) {
  for (std::size_t grain : {1, 7, 1000, 1'000'000}) {
    std::vector<int> v(65537, 0);
    par::for_each(v, [](int& x) { ++x; }, {.grain = grain});
    EXPECT_TRUE(std::all_of(v.begin(), v.end(), [](int x) { return x == 1; })) << "grain " << grain;
  }
}

TEST(ParForIndex, CoversTheHalfOpenIntervalOfAnyIntegerType) {
  std::vector<int> hits(2000, 0);
  par::for_index(10, 1990, [&](int i) { hits[static_cast<std::size_t>(i)] += 1; });
  for (int i = 0; i < 2000; ++i) EXPECT_EQ(hits[static_cast<std::size_t>(i)], (i >= 10 && i < 1990) ? 1 : 0);

  std::vector<std::uint64_t> sq(1'000'000);
  par::for_index(std::size_t{0}, sq.size(), [&](std::size_t i) { sq[i] = i * i; });
  for (std::size_t i = 0; i < sq.size(); i += 999) EXPECT_EQ(sq[i], i * i);

  int calls = 0;
  par::for_index(5, 5, [&](int) { ++calls; });
  par::for_index(5, -5, [&](int) { ++calls; });
  EXPECT_EQ(calls, 0);
}

TEST(ParTransform, MatchesStdTransformAtEverySize) {
  for (std::size_t n : par_test::sizes()) {
    auto in = par_test::random_ints<std::int32_t>(n, -50000, 50000);
    std::vector<std::int64_t> want(n), got(n, -1);
    std::transform(in.begin(), in.end(), want.begin(), [](std::int32_t x) { return std::int64_t{x} * 2; });
    auto end = par::transform(in, got.begin(), [](std::int32_t x) { return std::int64_t{x} * 2; });
    EXPECT_EQ(end, got.end());
    EXPECT_EQ(got, want) << "n = " << n;
  }
}

TEST(ParTransform, BinaryFormCombinesTwoRanges) {
  auto a = par_test::random_ints<int>(65537, 0, 100, 1);
  auto b = par_test::random_ints<int>(65537, 0, 100, 2);
  std::vector<int> want(a.size()), got(a.size());
  std::transform(a.begin(), a.end(), b.begin(), want.begin(), std::minus<>{});
  par::transform(a.begin(), a.end(), b.begin(), got.begin(), std::minus<>{});
  EXPECT_EQ(got, want);
  std::vector<int> got2(a.size());
  par::transform(a, b, got2.begin(), std::minus<>{}, {.grain = 100});
  EXPECT_EQ(got2, want);
}

TEST(ParTransform, CopiesNonTrivialTypes) {
  auto words = par_test::random_strings(65537);
  std::vector<std::string> want(words.size()), got(words.size());
  auto shout = [](const std::string& s) { return s + "!"; };
  std::transform(words.begin(), words.end(), want.begin(), shout);
  par::transform(words.begin(), words.end(), got.begin(), shout);
  EXPECT_EQ(got, want);
}

TEST(ParTransform, InPlaceIsAllowed) {
  auto v = par_test::random_ints<int>(1'000'000, 0, 1000);
  auto want = v;
  for (auto& x : want) x = x * 2;
  par::transform(v, v.begin(), [](int x) { return x * 2; });
  EXPECT_EQ(v, want);
}

}  // namespace
