#include "duet/par/filter.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <string>
#include <vector>

#include "unit/par/par_support.hpp"

namespace par = duet::par;

namespace {

TEST(ParCopyIf, MatchesStdCopyIfAndKeepsTheOrder) {
  for (std::size_t n : par_test::sizes()) {
    auto in = par_test::random_ints<std::int64_t>(n, 0, 1'000'000);
    auto keep = [](std::int64_t x) { return x % 3 != 0; };
    std::vector<std::int64_t> want, got(n, -1);
    std::copy_if(in.begin(), in.end(), std::back_inserter(want), keep);
    auto end = par::copy_if(in.begin(), in.end(), got.begin(), keep);
    ASSERT_EQ(end - got.begin(), static_cast<std::ptrdiff_t>(want.size())) << "n = " << n;
    got.resize(want.size());
    EXPECT_EQ(got, want) << "n = " << n;
  }
}

TEST(ParFilter, ReturnsANewVectorInOrder) {
  for (std::size_t n : par_test::sizes()) {
    auto in = par_test::random_ints<std::int32_t>(n, -100, 100);
    auto positive = [](std::int32_t x) { return x > 0; };
    std::vector<std::int32_t> want;
    std::copy_if(in.begin(), in.end(), std::back_inserter(want), positive);
    EXPECT_EQ(par::filter(in, positive), want) << "n = " << n;
  }
}

TEST(ParFilter, NoneAllAndGrainHints) {
  auto in = par_test::random_ints<std::int32_t>(65537, 0, 9);
  EXPECT_TRUE(par::filter(in, [](int) { return false; }).empty());
  EXPECT_EQ(par::filter(in, [](int) { return true; }), in);
  std::vector<std::int32_t> want;
  std::copy_if(in.begin(), in.end(), std::back_inserter(want), [](int x) { return x == 4; });
  for (std::size_t grain : {1, 3, 1000, 100'000})
    EXPECT_EQ(par::filter(in, [](int x) { return x == 4; }, {.grain = grain}), want) << "grain " << grain;
}

TEST(ParFilter, NonTrivialElements) {
  auto words = par_test::random_strings(200'003);
  auto longish = [](const std::string& s) { return s.size() > 12; };
  std::vector<std::string> want;
  std::copy_if(words.begin(), words.end(), std::back_inserter(want), longish);
  EXPECT_EQ(par::filter(words, longish), want);
  std::vector<std::string> out(words.size());
  auto end = par::copy_if(words, out.begin(), longish);
  out.erase(end, out.end());
  EXPECT_EQ(out, want);
}

}  // namespace
