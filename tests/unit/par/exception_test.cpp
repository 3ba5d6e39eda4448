// A throwing body stops the remaining chunks promptly and the exception reaches the caller.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include "duet/par/par.hpp"
#include "unit/par/par_support.hpp"

namespace par = duet::par;

namespace {

struct boom : std::runtime_error {
  boom() : std::runtime_error("boom") {}
};

const std::size_t n = par_test::scaled(4'000'000, 400'000);

// The body throws on element 1000. Once it has thrown, the other pieces may finish the chunk or
// block they are in, then must stop: count the calls that start after the throw. (Calls before
// it are not bounded: on a loaded machine the thrower's worker may be descheduled for a few
// milliseconds while another worker runs far ahead.)
template <class Call>
void expect_prompt_stop(const char* what, Call call) {
  std::vector<std::int64_t> v(n);
  std::iota(v.begin(), v.end(), 0);
  std::atomic<bool> thrown{false};
  par_test::counter after;
  auto check = [&](std::int64_t x) {
    // seq_cst (both): a test-only flag; the strongest order keeps the count easy to reason about.
    if (thrown.load()) after.hit();
    if (x == 1000) {
      thrown.store(true);
      throw boom();
    }
  };
  EXPECT_THROW(call(v, check), boom) << what;
  EXPECT_LT(after.get(), 100'000u) << what << ": " << after.get() << " calls after the throw";
}

TEST(ParExceptions, EveryFamilyRethrowsAndStopsEarly) {
  expect_prompt_stop("for_each", [](auto& v, auto check) { par::for_each(v, [&](std::int64_t x) { check(x); }); });
  expect_prompt_stop("transform", [](auto& v, auto check) {
    std::vector<std::int64_t> out(v.size());
    par::transform(v, out.begin(), [&](std::int64_t x) { return check(x), x; });
  });
  expect_prompt_stop("transform_reduce", [](auto& v, auto check) {
    par::transform_reduce(v, std::int64_t{0}, std::plus<>{}, [&](std::int64_t x) { return check(x), x; });
  });
  expect_prompt_stop("reduce", [](auto& v, auto check) {
    par::reduce(v, std::int64_t{0}, [&](std::int64_t a, std::int64_t b) { return check(b), a + b; });
  });
  expect_prompt_stop("inclusive_scan", [](auto& v, auto check) {
    std::vector<std::int64_t> out(v.size());
    par::inclusive_scan(v, out.begin(), [&](std::int64_t a, std::int64_t b) { return check(b), a + b; });
  });
  expect_prompt_stop("copy_if", [](auto& v, auto check) {
    std::vector<std::int64_t> out(v.size());
    par::copy_if(v, out.begin(), [&](std::int64_t x) { return check(x), true; });
  });
  expect_prompt_stop("find_if",
                     [](auto& v, auto check) { par::find_if(v, [&](std::int64_t x) { return check(x), false; }); });
  expect_prompt_stop("count_if",
                     [](auto& v, auto check) { par::count_if(v, [&](std::int64_t x) { return check(x), true; }); });
  expect_prompt_stop("min_element", [](auto& v, auto check) {
    par::min_element(v, [&](std::int64_t a, std::int64_t b) { return check(a), a < b; });
  });
  expect_prompt_stop("for_index", [](auto& v, auto check) {
    par::for_index(std::size_t{0}, v.size(), [&](std::size_t i) { check(v[i]); });
  });
}

TEST(ParExceptions, ThrowingOnEveryWorkerRethrowsOne) {
  std::vector<int> v(100'000, 1);
  EXPECT_THROW(par::for_each(v, [](int) { throw boom(); }, {.grain = 10}), boom);
  std::vector<std::string> s(100'000, "x");
  EXPECT_THROW(
      par::reduce(s, std::string(), [](const std::string&, const std::string&) -> std::string { throw boom(); }), boom);
}

TEST(ParExceptions, ThePoolIsFineAfterwards) {
  std::vector<int> v(1'000'000, 1);
  for (int round = 0; round < 20; ++round) {
    EXPECT_THROW(par::for_each(v,
                               [](int x) {
                                 if (x == 1) throw boom();
                               }),
                 boom);
    EXPECT_EQ(par::reduce(v), 1'000'000);
  }
}

}  // namespace
