#include "duet/par/reduce.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <numeric>
#include <string>
#include <vector>

#include "unit/par/par_support.hpp"

namespace par = duet::par;

namespace {

TEST(ParReduce, IntegerSumMatchesStdReduceAtEverySize) {
  for (std::size_t n : par_test::sizes()) {
    auto v = par_test::random_ints<std::int64_t>(n, -1'000'000, 1'000'000);
    EXPECT_EQ(par::reduce(v), std::reduce(v.begin(), v.end())) << "n = " << n;
    EXPECT_EQ(par::reduce(v.begin(), v.end(), std::int64_t{17}), std::reduce(v.begin(), v.end(), std::int64_t{17}));
  }
}

TEST(ParReduce, DoubleSumIsCloseToTheSequentialSum) {
  for (std::size_t n : par_test::sizes()) {
    std::vector<double> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = 1.0 / static_cast<double>(i + 1);
    const double want = std::accumulate(v.begin(), v.end(), 0.5);
    EXPECT_NEAR(par::reduce(v, 0.5), want, 1e-9 * std::max(1.0, want)) << "n = " << n;
  }
}

TEST(ParReduce, CustomOperatorAndInitEnterOnce) {
  auto v = par_test::random_ints<std::int64_t>(1'000'000, 0, 1'000'000'000);
  auto max_op = [](std::int64_t a, std::int64_t b) { return std::max(a, b); };
  EXPECT_EQ(par::reduce(v, std::int64_t{-1}, max_op), *std::max_element(v.begin(), v.end()));
  EXPECT_EQ(par::reduce(v, std::int64_t{2'000'000'000}, max_op), 2'000'000'000);
  std::vector<std::int64_t> empty;
  EXPECT_EQ(par::reduce(empty, std::int64_t{5}, max_op), 5);
}

TEST(ParReduce, StringConcatenationKeepsTheOrder) {
  // Associative but not commutative: chunks combine left to right.
  for (std::size_t n : {0, 1, 2, 997, 65537}) {
    auto words = par_test::random_strings(n);
    const std::string want = std::accumulate(words.begin(), words.end(), std::string("<"));
    EXPECT_EQ(par::reduce(words, std::string("<"), std::plus<>{}, {.grain = 64}), want) << "n = " << n;
  }
}

TEST(ParReduce, GrainHintsGiveTheSameAnswer) {
  auto v = par_test::random_ints<std::int64_t>(65537, -5, 5);
  const auto want = std::reduce(v.begin(), v.end());
  for (std::size_t grain : {1, 2, 3, 100, 4096, 1'000'000}) EXPECT_EQ(par::reduce(v, {.grain = grain}), want);
}

TEST(ParTransformReduce, UnaryAndBinaryFormsMatchStd) {
  for (std::size_t n : par_test::sizes()) {
    auto a = par_test::random_ints<std::int64_t>(n, -1000, 1000, 3);
    auto b = par_test::random_ints<std::int64_t>(n, -1000, 1000, 4);
    EXPECT_EQ(par::transform_reduce(a.begin(), a.end(), b.begin(), std::int64_t{0}),
              std::transform_reduce(a.begin(), a.end(), b.begin(), std::int64_t{0}))
        << "n = " << n;
    EXPECT_EQ(par::transform_reduce(a, b, std::int64_t{1}, std::plus<>{}, std::minus<>{}),
              std::transform_reduce(a.begin(), a.end(), b.begin(), std::int64_t{1}, std::plus<>{}, std::minus<>{}));
    auto sq = [](std::int64_t x) { return x * x; };
    EXPECT_EQ(par::transform_reduce(a, std::int64_t{0}, std::plus<>{}, sq),
              std::transform_reduce(a.begin(), a.end(), std::int64_t{0}, std::plus<>{}, sq));
  }
}

TEST(ParTransformReduce, WorksOnClassTypes) {
  auto words = par_test::random_strings(100'003);
  auto len = [](const std::string& s) { return s.size(); };
  EXPECT_EQ(par::transform_reduce(words, std::size_t{0}, std::plus<>{}, len),
            std::transform_reduce(words.begin(), words.end(), std::size_t{0}, std::plus<>{}, len));
}

}  // namespace
