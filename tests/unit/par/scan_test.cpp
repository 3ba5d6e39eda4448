#include "duet/par/scan.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "unit/par/par_support.hpp"

namespace par = duet::par;

namespace {

// Associative, not commutative, on an arithmetic type: the last non-zero value so far.
constexpr auto last_nonzero = [](std::int64_t a, std::int64_t b) { return b != 0 ? b : a; };

// Affine maps x -> a*x + b (mod 2^64) under composition: associative, not commutative, a class type.
using affine = std::pair<std::uint64_t, std::uint64_t>;
constexpr auto compose = [](const affine& f, const affine& g) {
  return affine{g.first * f.first, g.first * f.second + g.second};  // apply f, then g
};

TEST(ParInclusiveScan, MatchesStdAtEverySize) {
  for (std::size_t n : par_test::sizes()) {
    auto in = par_test::random_ints<std::int64_t>(n, -1000, 1000);
    std::vector<std::int64_t> want(n), got(n, 77);
    std::inclusive_scan(in.begin(), in.end(), want.begin());
    EXPECT_EQ(par::inclusive_scan(in, got.begin()), got.end());
    EXPECT_EQ(got, want) << "n = " << n;
    std::inclusive_scan(in.begin(), in.end(), want.begin(), std::plus<>{}, std::int64_t{-5});
    par::inclusive_scan(in.begin(), in.end(), got.begin(), std::plus<>{}, std::int64_t{-5});
    EXPECT_EQ(got, want) << "with init, n = " << n;
  }
}

TEST(ParExclusiveScan, MatchesStdAtEverySize) {
  for (std::size_t n : par_test::sizes()) {
    auto in = par_test::random_ints<std::int64_t>(n, -1000, 1000);
    std::vector<std::int64_t> want(n), got(n, 77);
    std::exclusive_scan(in.begin(), in.end(), want.begin(), std::int64_t{9});
    EXPECT_EQ(par::exclusive_scan(in, got.begin(), std::int64_t{9}), got.end());
    EXPECT_EQ(got, want) << "n = " << n;
  }
}

TEST(ParScan, NonCommutativeOperatorsKeepTheOrder) {
  for (std::size_t n : {std::size_t{1}, std::size_t{997}, std::size_t{1'000'000}}) {
    auto in = par_test::random_ints<std::int64_t>(n, -3, 3);  // many zeros
    std::vector<std::int64_t> want(n), got(n);
    std::inclusive_scan(in.begin(), in.end(), want.begin(), last_nonzero);
    par::inclusive_scan(in, got.begin(), last_nonzero, {.grain = 1000});
    EXPECT_EQ(got, want) << "n = " << n;
    std::exclusive_scan(in.begin(), in.end(), want.begin(), std::int64_t{42}, last_nonzero);
    par::exclusive_scan(in, got.begin(), std::int64_t{42}, last_nonzero);
    EXPECT_EQ(got, want) << "n = " << n;

    std::vector<affine> maps(n), want_maps(n), got_maps(n);
    for (std::size_t i = 0; i < n; ++i) maps[i] = {static_cast<std::uint64_t>(in[i]) * 2 + 1, i};
    std::inclusive_scan(maps.begin(), maps.end(), want_maps.begin(), compose);
    par::inclusive_scan(maps, got_maps.begin(), compose, {.grain = 300});
    EXPECT_EQ(got_maps, want_maps) << "n = " << n;
  }
}

TEST(ParScan, InPlaceScansUseTheTwoPassPath) {
  for (std::size_t n : {std::size_t{0}, std::size_t{5}, std::size_t{65537}, std::size_t{1'000'000}}) {
    auto v = par_test::random_ints<std::int64_t>(n, -1000, 1000);
    auto want = v;
    std::inclusive_scan(want.begin(), want.end(), want.begin());
    par::inclusive_scan(v, v.begin(), {.grain = 1024});
    EXPECT_EQ(v, want) << "inclusive, n = " << n;
    std::exclusive_scan(want.begin(), want.end(), want.begin(), std::int64_t{3});
    par::exclusive_scan(v.begin(), v.end(), v.begin(), std::int64_t{3});
    EXPECT_EQ(v, want) << "exclusive, n = " << n;
  }
}

TEST(ParScan, StringsAndGrainHints) {
  auto words = par_test::random_strings(3001);
  std::vector<std::string> want(words.size()), got(words.size());
  std::inclusive_scan(words.begin(), words.end(), want.begin(), std::plus<>{}, std::string("#"));
  for (std::size_t grain : {1, 2, 64, 5000}) {
    par::inclusive_scan(words, got.begin(), std::plus<>{}, std::string("#"), {.grain = grain});
    EXPECT_EQ(got, want) << "grain " << grain;
  }
}

TEST(ParScan, DoublesAndMixedTypes) {
  std::vector<float> in(100'003, 0.5f);
  std::vector<double> want(in.size()), got(in.size());
  std::inclusive_scan(in.begin(), in.end(), want.begin(), std::plus<>{}, 0.0);
  par::inclusive_scan(in, got.begin(), std::plus<>{}, 0.0);
  EXPECT_EQ(got, want);  // sums of halves are exact in double
}

}  // namespace
