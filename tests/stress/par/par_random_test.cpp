// Random sizes, random grain hints and random pool sizes, every algorithm against its std::
// twin, in a loop. Sized to run in a few seconds under ThreadSanitizer on two cores.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <iterator>
#include <numeric>
#include <random>
#include <vector>

#include "duet/par/par.hpp"
#include "duet/sched/thread_pool.hpp"
#include "unit/par/par_support.hpp"

namespace par = duet::par;

namespace {

using clock_type = std::chrono::steady_clock;

// Runs one random round of every algorithm on a random input; fails the test on a mismatch.
void one_round(std::mt19937_64& rng) {
  const std::size_t max_n = par_test::scaled(300'000, 40'000);
  const std::size_t n = (rng() % 4 == 0) ? rng() % 64 : rng() % max_n;
  const std::size_t grains[] = {0, 0, 1, 2, 7, 64, 1000, 100'000};
  const par::options opt{.grain = grains[rng() % std::size(grains)]};
  auto v = par_test::random_ints<std::int64_t>(n, -1000, 1000, rng());
  const std::int64_t pivot = static_cast<std::int64_t>(rng() % 2001) - 1000;
  auto below = [pivot](std::int64_t x) { return x < pivot; };
  SCOPED_TRACE(testing::Message() << "n = " << n << ", grain = " << opt.grain);

  EXPECT_EQ(par::reduce(v, std::int64_t{3}, std::plus<>{}, opt), std::reduce(v.begin(), v.end(), std::int64_t{3}));
  EXPECT_EQ(par::count_if(v, below, opt), std::count_if(v.begin(), v.end(), below));
  EXPECT_EQ(par::find_if(v, below, opt), std::find_if(v.begin(), v.end(), below));
  EXPECT_EQ(par::any_of(v, below, opt), std::any_of(v.begin(), v.end(), below));
  EXPECT_EQ(par::all_of(v, below, opt), std::all_of(v.begin(), v.end(), below));
  EXPECT_EQ(par::min_element(v, std::less<>{}, opt), std::min_element(v.begin(), v.end()));
  EXPECT_EQ(par::max_element(v, std::less<>{}, opt), std::max_element(v.begin(), v.end()));

  std::vector<std::int64_t> want(n), got(n);
  std::inclusive_scan(v.begin(), v.end(), want.begin());
  par::inclusive_scan(v, got.begin(), std::plus<>{}, opt);
  EXPECT_EQ(got, want);
  std::exclusive_scan(v.begin(), v.end(), want.begin(), std::int64_t{5});
  par::exclusive_scan(v, got.begin(), std::int64_t{5}, std::plus<>{}, opt);
  EXPECT_EQ(got, want);

  std::transform(v.begin(), v.end(), want.begin(), [](std::int64_t x) { return x * 2; });
  par::transform(v, got.begin(), [](std::int64_t x) { return x * 2; }, opt);
  EXPECT_EQ(got, want);

  std::vector<std::int64_t> kept;
  std::copy_if(v.begin(), v.end(), std::back_inserter(kept), below);
  EXPECT_EQ(par::filter(v, below, opt), kept);

  auto sorted = v;
  std::sort(sorted.begin(), sorted.end());
  auto s = v;
  par::sort(s, std::less<>{}, opt);
  EXPECT_EQ(s, sorted);
  std::vector<std::pair<std::int64_t, std::size_t>> keyed(n), keyed_want;
  for (std::size_t i = 0; i < n; ++i) keyed[i] = {v[i] / 16, i};
  keyed_want = keyed;
  auto by_key = [](const auto& a, const auto& b) { return a.first < b.first; };
  std::sort(keyed_want.begin(), keyed_want.end());  // (key, index): the stable order by key
  par::stable_sort(keyed, by_key, opt);
  EXPECT_EQ(keyed, keyed_want);
}

TEST(ParStress, RandomSizesAndGrainsMatchStd) {
  std::mt19937_64 rng(2024);
  const auto deadline = clock_type::now() + std::chrono::seconds(par_test::sanitized ? 4 : 3);
  int rounds = 0;
  while (clock_type::now() < deadline && !HasFailure()) {
    one_round(rng);
    ++rounds;
  }
  EXPECT_GT(rounds, 0);
}

TEST(ParStress, RandomRoundsOnSmallAndOversubscribedPools) {
  std::mt19937_64 rng(77);
  for (std::size_t threads : {1, 3, 8}) {
    duet::thread_pool pool({.threads = threads});
    const auto deadline = clock_type::now() + std::chrono::seconds(1);
    int rounds = par_test::on_pool(pool, [&] {
      int r = 0;
      while (clock_type::now() < deadline && !HasFailure()) {
        one_round(rng);
        ++r;
      }
      return r;
    });
    EXPECT_GT(rounds, 0) << threads << " workers";
  }
}

}  // namespace
