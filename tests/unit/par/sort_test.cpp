#include "duet/par/sort.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <iterator>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "unit/par/par_support.hpp"

namespace par = duet::par;

namespace {

TEST(ParSort, RandomIntegersMatchStdSortAtEverySize) {
  for (std::size_t n : par_test::sizes()) {
    auto v = par_test::random_ints<std::uint64_t>(n, 0, ~std::uint64_t{0});
    auto want = v;
    std::sort(want.begin(), want.end());
    par::sort(v);
    EXPECT_EQ(v, want) << "n = " << n;
  }
}

TEST(ParSort, AwkwardInputs) {
  const std::size_t n = par_test::scaled(2'000'003, 300'007);
  std::vector<std::vector<std::int64_t>> inputs;
  inputs.push_back(std::vector<std::int64_t>(n, 7));               // all equal
  inputs.push_back(par_test::random_ints<std::int64_t>(n, 0, 3));  // four values
  inputs.push_back(par_test::random_ints<std::int64_t>(n, 0, 1000));
  std::vector<std::int64_t> sorted(n);
  for (std::size_t i = 0; i < n; ++i) sorted[i] = static_cast<std::int64_t>(i);
  inputs.push_back(sorted);
  inputs.push_back(std::vector<std::int64_t>(sorted.rbegin(), sorted.rend()));
  auto skewed = par_test::random_ints<std::int64_t>(n, 0, 1'000'000);
  for (std::size_t i = 0; i < n; i += 2) skewed[i] = 500'000 + static_cast<std::int64_t>(i % 1000);
  inputs.push_back(skewed);
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    auto v = inputs[k];
    auto want = v;
    std::sort(want.begin(), want.end());
    par::sort(v.begin(), v.end());
    EXPECT_EQ(v, want) << "input " << k;
  }
}

TEST(ParSort, ComparatorAndGrainHint) {
  auto v = par_test::random_ints<std::int32_t>(1'000'000, -1000, 1000);
  auto want = v;
  std::sort(want.begin(), want.end(), std::greater<>{});
  for (std::size_t grain : {64, 1000, 100'000}) {
    auto w = v;
    par::sort(w, std::greater<>{}, {.grain = grain});
    EXPECT_EQ(w, want) << "grain " << grain;
  }
}

TEST(ParSort, Strings) {
  auto words = par_test::random_strings(300'007);
  auto want = words;
  std::sort(want.begin(), want.end());
  par::sort(words);
  EXPECT_EQ(words, want);
}

TEST(ParSort, MoveOnlyElementsSortSequentially) {
  std::vector<std::unique_ptr<int>> v;
  for (int i = 0; i < 50'000; ++i) v.push_back(std::make_unique<int>((i * 7919) % 50'000));
  par::sort(v, [](const auto& a, const auto& b) { return *a < *b; });
  for (int i = 0; i < 50'000; ++i) ASSERT_EQ(*v[static_cast<std::size_t>(i)], i);
}

TEST(ParStableSort, KeepsEqualKeysInOrderAtEverySize) {
  for (std::size_t n : par_test::sizes()) {
    auto keys = par_test::random_ints<std::int32_t>(n, 0, 100);
    std::vector<std::pair<std::int32_t, std::size_t>> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = {keys[i], i};
    auto by_key = [](const auto& a, const auto& b) { return a.first < b.first; };
    // Indices are unique and increasing, so the stable order by key is the order by (key, index).
    // (Not std::stable_sort: it does not compile with clang 19 -Werror on libstdc++ 12.)
    auto want = v;
    std::sort(want.begin(), want.end());
    par::stable_sort(v, by_key);
    EXPECT_EQ(v, want) << "n = " << n;
  }
}

TEST(ParStableSort, GrainHintsAndStrings) {
  auto words = par_test::random_strings(200'003);
  auto by_length = [](const std::string& a, const std::string& b) { return a.size() < b.size(); };
  std::vector<std::size_t> order(words.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return words[a].size() != words[b].size() ? words[a].size() < words[b].size() : a < b;
  });
  std::vector<std::string> want;
  for (std::size_t i : order) want.push_back(words[i]);
  for (std::size_t grain : {64, 5000, 1'000'000}) {
    auto w = words;
    par::stable_sort(w.begin(), w.end(), by_length, {.grain = grain});
    EXPECT_EQ(w, want) << "grain " << grain;
  }
}

struct keyed {  // no default constructor: the sorts must get their buffer another way
  keyed(int k, std::size_t i) : key(k), index(i) {}
  int key;
  std::size_t index;
  bool operator==(const keyed&) const = default;
};

TEST(ParStableSort, ElementsWithoutADefaultConstructor) {
  const std::size_t n = 200'003;
  auto keys = par_test::random_ints<int>(n, 0, 50);
  std::vector<keyed> v, want;
  for (std::size_t i = 0; i < n; ++i) v.emplace_back(keys[i], i);
  want = v;
  std::sort(want.begin(), want.end(),
            [](const keyed& a, const keyed& b) { return a.key != b.key ? a.key < b.key : a.index < b.index; });
  auto by_key = [](const keyed& a, const keyed& b) { return a.key < b.key; };
  auto w = v;
  par::stable_sort(w, by_key);
  EXPECT_EQ(w, want);
  par::sort(v, by_key);  // copyable but not default-constructible: std::sort
  EXPECT_TRUE(std::is_sorted(v.begin(), v.end(), by_key));
}

// par::sort of arithmetic keys in ascending order takes the radix sort (detail/radix_sort.hpp);
// these check it against std::sort for every key type it handles and each spelling of the order.
template <class T, class Comp>
void expect_radix_matches_std(std::vector<T> v, Comp comp, const char* what) {
  auto want = v;
  std::sort(want.begin(), want.end());
  par::sort(v, comp);
  ASSERT_EQ(v.size(), want.size());
  EXPECT_TRUE(std::equal(v.begin(), v.end(), want.begin())) << what << ", n = " << v.size();
}

TEST(ParSort, ArithmeticKeysInAscendingOrderAtEverySize) {
  for (std::size_t n : par_test::sizes()) {
    expect_radix_matches_std(par_test::random_ints<std::int64_t>(n, INT64_MIN, INT64_MAX), std::less<>{}, "int64");
    expect_radix_matches_std(par_test::random_ints<std::int32_t>(n, -1000, 1000), std::less<std::int32_t>{}, "int32");
    expect_radix_matches_std(par_test::random_ints<std::int16_t>(n, INT16_MIN, INT16_MAX), std::ranges::less{},
                             "int16");
    auto bytes = par_test::random_ints<std::uint16_t>(n, 0, 255);
    expect_radix_matches_std(std::vector<std::uint8_t>(bytes.begin(), bytes.end()), std::less<>{}, "uint8");
    auto ints = par_test::random_ints<std::int64_t>(n, -1'000'000'000, 1'000'000'000);
    std::vector<double> d(n);
    std::vector<float> f(n);
    for (std::size_t i = 0; i < n; ++i) {
      d[i] = static_cast<double>(ints[i]) * 1e-3;
      f[i] = static_cast<float>(ints[i] % 100'000) * 0.5f;
    }
    expect_radix_matches_std(d, std::less<>{}, "double");
    expect_radix_matches_std(f, std::less<float>{}, "float");
  }
}

TEST(ParSort, FloatingPointSpecialValues) {
  const std::size_t n = par_test::scaled(1'000'003, 200'003);
  const double specials[] = {0.0,
                             -0.0,
                             std::numeric_limits<double>::infinity(),
                             -std::numeric_limits<double>::infinity(),
                             std::numeric_limits<double>::denorm_min(),
                             -std::numeric_limits<double>::denorm_min(),
                             std::numeric_limits<double>::max(),
                             std::numeric_limits<double>::lowest(),
                             1.5,
                             -1.5};
  auto picks = par_test::random_ints<std::size_t>(n, 0, std::size(specials) - 1);
  std::vector<double> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = specials[picks[i]];
  // -0.0 == 0.0, so std::equal accepts either order of the two zeros, as std::sort would.
  expect_radix_matches_std(v, std::less<>{}, "special doubles");
}

TEST(ParSort, ArithmeticKeysWithFewVaryingDigits) {
  const std::size_t n = par_test::scaled(2'000'003, 300'007);
  // High digits shared by every key, only the low ones vary; one dominant key; all equal.
  auto low = par_test::random_ints<std::uint64_t>(n, 0, 4095);
  std::vector<std::uint64_t> high(n), dominant(n), equal(n, 0xabcdef0123456789ULL);
  for (std::size_t i = 0; i < n; ++i) {
    high[i] = 0xfedc'0000'0000'0000ULL | (low[i] << 20);
    dominant[i] = i % 8 == 0 ? low[i] * 0x9e3779b97f4a7c15ULL : 77;
  }
  expect_radix_matches_std(high, std::less<>{}, "shared high digits");
  expect_radix_matches_std(dominant, std::less<>{}, "one dominant key");
  expect_radix_matches_std(equal, std::less<>{}, "all equal");
}

TEST(ParSort, IntegersWithAComparatorFunctionAtEverySize) {
  // A lambda is not the natural order as far as the dispatch knows: this is the samplesort.
  for (std::size_t n : par_test::sizes()) {
    auto v = par_test::random_ints<std::uint64_t>(n, 0, ~std::uint64_t{0});
    auto want = v;
    std::sort(want.begin(), want.end());
    par::sort(v, [](std::uint64_t a, std::uint64_t b) { return a < b; });
    EXPECT_EQ(v, want) << "n = " << n;
  }
}

// A comparator that throws after a number of calls: the exception reaches the caller, nothing
// leaks (ASan), the elements are still valid objects.
template <class Sort>
void expect_throwing_comparator_propagates(Sort sort_fn) {
  auto words = par_test::random_strings(par_test::scaled(500'000, 100'000));
  const std::size_t n = words.size();
  par_test::counter calls;
  auto bomb = [&](const std::string& a, const std::string& b) {
    // The count this call took (one fetch_add): hit() then get() could let two racing calls
    // both read past 3n, and then nobody would throw.
    if (calls.calls.fetch_add(1, std::memory_order_relaxed) + 1 == 3 * n) throw std::runtime_error("comparator failed");
    return a < b;
  };
  EXPECT_THROW(sort_fn(words, bomb), std::runtime_error);
  EXPECT_EQ(words.size(), n);
  std::size_t total = 0;
  for (const auto& w : words) total += w.size();  // every element is readable
  EXPECT_LE(total, 25 * n);
}

TEST(ParSort, AThrowingComparatorPropagates) {
  expect_throwing_comparator_propagates([](auto& v, auto comp) { par::sort(v, comp); });
}

TEST(ParStableSort, AThrowingComparatorPropagates) {
  expect_throwing_comparator_propagates([](auto& v, auto comp) { par::stable_sort(v, comp); });
}

}  // namespace
