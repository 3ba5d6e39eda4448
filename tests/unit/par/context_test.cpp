// Where par algorithms may be called from: plain threads outside any runtime, tasks of a runtime,
// pools of one and of four workers, coroutines through par::async, and nested inside each other.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <numeric>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include "duet/duet.hpp"
#include "duet/par/par.hpp"
#include "duet/sched/worker.hpp"
#include "unit/par/par_support.hpp"

namespace par = duet::par;

namespace {

// One of each family, checked against std::; returns true when all agree.
bool every_family_agrees() {
  auto v = par_test::random_ints<std::int64_t>(200'003, 0, 1'000'000);
  bool ok = par::reduce(v) == std::reduce(v.begin(), v.end());
  std::vector<std::int64_t> a(v.size()), b(v.size());
  par::transform(v, a.begin(), [](std::int64_t x) { return x * 2; });
  std::transform(v.begin(), v.end(), b.begin(), [](std::int64_t x) { return x * 2; });
  ok = ok && a == b;
  par::inclusive_scan(v, a.begin());
  std::inclusive_scan(v.begin(), v.end(), b.begin());
  ok = ok && a == b;
  auto even = [](std::int64_t x) { return x % 2 == 0; };
  std::vector<std::int64_t> want;
  std::copy_if(v.begin(), v.end(), std::back_inserter(want), even);
  ok = ok && par::filter(v, even) == want;
  ok = ok && par::count_if(v, even) == static_cast<std::ptrdiff_t>(want.size());
  ok = ok && par::find_if(v, [](std::int64_t x) { return x > 999'000; }) ==
                 std::find_if(v.begin(), v.end(), [](std::int64_t x) { return x > 999'000; });
  ok = ok && *par::max_element(v) == *std::max_element(v.begin(), v.end());
  auto s = v;
  par::sort(s);
  ok = ok && std::is_sorted(s.begin(), s.end());
  return ok;
}

TEST(ParContext, FromAPlainThreadOutsideAnyRuntime) { EXPECT_TRUE(every_family_agrees()); }

TEST(ParContext, FromSeveralPlainThreadsAtOnce) {
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i) threads.emplace_back([&] { good += every_family_agrees() ? 1 : 0; });
  for (auto& t : threads) t.join();
  EXPECT_EQ(good.load(), 3);
}

TEST(ParContext, FromARuntimeTask) {
  duet::runtime rt({.cpu_threads = 2});
  auto body = []() -> duet::task<bool> { co_return every_family_agrees(); };
  EXPECT_TRUE(rt.block_on(body()));
}

TEST(ParContext, OnPoolsOfOneAndFourWorkers) {
  for (std::size_t threads : {1, 4}) {
    duet::thread_pool pool({.threads = threads});
    EXPECT_TRUE(par_test::on_pool(pool, [] { return every_family_agrees(); })) << threads << " workers";
  }
}

TEST(ParContext, AsyncFromATaskAndFromAPlainThread) {
  std::vector<std::int64_t> v(1'000'000);
  std::iota(v.begin(), v.end(), 0);
  const std::int64_t want = std::reduce(v.begin(), v.end());
  duet::runtime rt({.cpu_threads = 2});
  auto body = [](const std::vector<std::int64_t>& data) -> duet::task<std::int64_t> {
    std::int64_t sum = co_await par::async([&] { return par::reduce(data); });
    co_await par::async([&] { par::for_each(data, [](std::int64_t) {}); });
    co_return sum;
  };
  EXPECT_EQ(rt.block_on(body(v)), want);
  // Awaited from a spawned task on another pool: runs inline on that pool's worker.
  duet::thread_pool other({.threads = 1});
  EXPECT_EQ(duet::spawn(other, body(v)).get(), want);
}

TEST(ParContext, AsyncFromTheIoLoopRunsOnCpuWorkersAndComesBack) {
  duet::runtime rt({.cpu_threads = 2});
  std::vector<std::int64_t> v(1'000'000, 1);
  auto body = [](duet::runtime& r, const std::vector<std::int64_t>& data) -> duet::task<bool> {
    co_await duet::on(r.io());
    bool on_cpu = true;
    const std::int64_t sum = co_await par::async([&] {
      on_cpu = duet::detail::tls_worker != nullptr;  // the algorithm runs on the CPU pool...
      return par::reduce(data);
    });
    // ...and the task continues on the io loop, which was never blocked.
    co_return on_cpu&& sum == 1'000'000 && duet::detail::current_executor() == &r.io();
  };
  EXPECT_TRUE(rt.block_on(body(rt, v)));
}

TEST(ParContext, AsyncRethrows) {
  duet::runtime rt({.cpu_threads = 2});
  auto body = []() -> duet::task<int> {
    co_return co_await par::async([]() -> int { throw std::runtime_error("boom"); });
  };
  EXPECT_THROW(rt.block_on(body()), std::runtime_error);
}

TEST(ParContext, NestedCallsStayOnThePoolsWorkers) {
  duet::thread_pool pool({.threads = 2});
  std::mutex mu;
  std::set<std::thread::id> inner_threads;
  std::atomic<bool> off_pool{false};
  const std::size_t rows = 300, cols = 2000;
  std::vector<std::int64_t> sums = par_test::on_pool(pool, [&] {
    std::vector<std::int64_t> out(rows);
    std::vector<std::size_t> index(rows);
    std::iota(index.begin(), index.end(), 0);
    par::transform(index, out.begin(),
                   [&](std::size_t r) {
                     std::vector<std::int64_t> row(cols);
                     par::for_each(row,
                                   [&](std::int64_t& x) {
                                     x = static_cast<std::int64_t>(r);
                                     if (duet::detail::tls_worker == nullptr) off_pool = true;
                                     std::lock_guard lock(mu);
                                     inner_threads.insert(std::this_thread::get_id());
                                   },
                                   {.grain = 64});
                     return par::reduce(row);
                   },
                   {.grain = 1});
    return out;
  });
  for (std::size_t r = 0; r < rows; ++r) ASSERT_EQ(sums[r], static_cast<std::int64_t>(r * cols));
  EXPECT_FALSE(off_pool.load());
  EXPECT_LE(inner_threads.size(), 2u);  // never more threads than the pool has
}

TEST(ParContext, NestedScansAndSortsDoNotDeadlock) {
  // A scan whose operator runs parallel algorithms: its lanes may run on the same thread as an
  // unfinished older block (see chained_scan.hpp); the look-back must not wait for it forever.
  duet::thread_pool pool({.threads = 2});
  auto ok = par_test::on_pool(pool, [] {
    std::vector<std::int64_t> in(4000, 1), out(in.size());
    std::vector<std::int64_t> scratch(5000);
    std::iota(scratch.begin(), scratch.end(), 0);
    auto heavy_plus = [&](std::int64_t a, std::int64_t b) {
      auto copy = scratch;
      par::sort(copy, std::greater<>{}, {.grain = 512});
      return a + b + (par::reduce(copy, std::int64_t{0}, std::plus<>{}, {.grain = 256}) == 12'497'500 ? 0 : 1'000'000);
    };
    par::inclusive_scan(in, out.begin(), heavy_plus, {.grain = 16});
    for (std::size_t i = 0; i < out.size(); ++i)
      if (out[i] != static_cast<std::int64_t>(i + 1)) return false;
    return true;
  });
  EXPECT_TRUE(ok);
}

}  // namespace
