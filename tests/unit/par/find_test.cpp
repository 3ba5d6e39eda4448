#include "duet/par/find.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "unit/par/par_support.hpp"

namespace par = duet::par;

namespace {

TEST(ParFindIf, ReturnsTheFirstMatchAtEverySize) {
  for (std::size_t n : par_test::sizes()) {
    auto v = par_test::random_ints<std::int64_t>(n, 0, 100'000);
    for (std::int64_t threshold : {0, 50'000, 99'990, 200'000}) {
      auto pred = [threshold](std::int64_t x) { return x >= threshold; };
      EXPECT_EQ(par::find_if(v, pred) - v.begin(), std::find_if(v.begin(), v.end(), pred) - v.begin())
          << "n = " << n << ", threshold " << threshold;
    }
  }
}

TEST(ParFindIf, FirstOfManyMatchesFarFromTheFront) {
  // Matches everywhere after the middle: every piece past the middle finds one, only the first counts.
  std::vector<int> v(1'000'000, 0);
  for (std::size_t i = 600'011; i < v.size(); ++i) v[i] = 1;
  for (std::size_t grain : {1, 100, 4096}) {
    EXPECT_EQ(par::find_if(v, [](int x) { return x == 1; }, {.grain = grain}) - v.begin(), 600'011);
  }
  EXPECT_EQ(par::find(v.begin(), v.end(), 1) - v.begin(), 600'011);
  EXPECT_EQ(par::find(v, 2), v.end());
}

TEST(ParFindIf, StopsEarlyWhenTheMatchIsNearTheFront) {
  const std::size_t n = par_test::scaled(10'000'000, 1'000'000);
  std::vector<int> v(n, 0);
  v[1000] = 1;
  par_test::counter calls;
  auto it = par::find_if(v, [&](int x) {
    calls.hit();
    return x == 1;
  });
  EXPECT_EQ(it - v.begin(), 1000);
  EXPECT_LT(calls.get(), n / 20) << "predicate ran " << calls.get() << " times for n = " << n;
}

TEST(ParAnyAllNone, MatchStdAtEverySize) {
  for (std::size_t n : par_test::sizes()) {
    auto v = par_test::random_ints<std::int64_t>(n, 0, 1'000'000);
    for (std::int64_t t : {-1, 500'000, 999'999, 2'000'000}) {
      auto above = [t](std::int64_t x) { return x > t; };
      EXPECT_EQ(par::any_of(v, above), std::any_of(v.begin(), v.end(), above)) << n << " " << t;
      EXPECT_EQ(par::all_of(v, above), std::all_of(v.begin(), v.end(), above)) << n << " " << t;
      EXPECT_EQ(par::none_of(v.begin(), v.end(), above), std::none_of(v.begin(), v.end(), above)) << n << " " << t;
    }
  }
}

TEST(ParAnyAllNone, StopAsSoonAsTheAnswerIsKnown) {
  const std::size_t n = par_test::scaled(10'000'000, 1'000'000);
  std::vector<int> v(n, 0);
  v[n - 1] = 1;
  v[500] = 1;
  par_test::counter any_calls, all_calls, none_calls;
  EXPECT_TRUE(par::any_of(v, [&](int x) { return any_calls.hit(), x == 1; }));
  EXPECT_FALSE(par::all_of(v, [&](int x) { return all_calls.hit(), x == 0; }));
  EXPECT_FALSE(par::none_of(v, [&](int x) { return none_calls.hit(), x == 1; }));
  // The match at n - 1 may be found first by a piece that starts at the back; either way the
  // call ends long before n predicate calls.
  EXPECT_LT(any_calls.get(), n / 20);
  EXPECT_LT(all_calls.get(), n / 20);
  EXPECT_LT(none_calls.get(), n / 20);
}

TEST(ParFindIf, NonTrivialElements) {
  auto words = par_test::random_strings(100'003);
  words[77'777] = "needle";
  auto is_needle = [](const std::string& s) { return s == "needle"; };
  EXPECT_EQ(par::find_if(words, is_needle) - words.begin(),
            std::find_if(words.begin(), words.end(), is_needle) - words.begin());
}

}  // namespace
