// Helpers for the duet::par tests (unit and stress): input sizes, random data, running a call
// on a given pool.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "duet/core/config.hpp"
#include "duet/sched/thread_pool.hpp"
#include "duet/task/spawn.hpp"
#include "duet/task/task.hpp"

#if defined(__SANITIZE_ADDRESS__)
#define DUET_PAR_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define DUET_PAR_TEST_ASAN 1
#endif
#endif

namespace par_test {

#if defined(DUET_TSAN) || defined(DUET_PAR_TEST_ASAN)
inline constexpr bool sanitized = true;
#else
inline constexpr bool sanitized = false;
#endif

/// `plain` in a normal build, `small` under ThreadSanitizer or AddressSanitizer.
constexpr std::size_t scaled(std::size_t plain, std::size_t small) { return sanitized ? small : plain; }

/// The sizes every algorithm is checked at: empty, tiny, primes (so no chunk or block divides
/// them), a million and more.
inline std::vector<std::size_t> sizes() {
  std::vector<std::size_t> s{0, 1, 2, 3, 7, 997, 4096, 65537, 1'000'000};
  if (!sanitized) s.push_back(3'000'017);
  return s;
}

/// n random integers in [lo, hi], the same for the same seed.
template <class T = std::int64_t>
std::vector<T> random_ints(std::size_t n, T lo, T hi, std::uint64_t seed = 42) {
  std::mt19937_64 rng(seed ^ n);
  std::uniform_int_distribution<T> dist(lo, hi);
  std::vector<T> v(n);
  for (auto& x : v) x = dist(rng);
  return v;
}

/// n random short strings (non-trivial copies; some repeat).
inline std::vector<std::string> random_strings(std::size_t n, std::uint64_t seed = 7) {
  std::mt19937_64 rng(seed ^ n);
  std::vector<std::string> v(n);
  for (auto& s : v) {
    const std::size_t len = 1 + rng() % 24;  // past the small-string buffer now and then
    for (std::size_t i = 0; i < len; ++i) s.push_back(static_cast<char>('a' + rng() % 6));
  }
  return v;
}

/// Runs `f()` on a worker of `pool` (as a spawned task) and returns its result.
template <class F>
auto on_pool(duet::thread_pool& pool, F f) {
  auto t = [](F fn) -> duet::task<std::invoke_result_t<F&>> { co_return fn(); }(std::move(f));
  return duet::spawn(pool, std::move(t)).get();
}

/// A thread-safe call counter for predicates and bodies.
struct counter {
  std::atomic<std::size_t> calls{0};
  void hit() noexcept { calls.fetch_add(1, std::memory_order_relaxed); }  // relaxed: a tally
  std::size_t get() const noexcept { return calls.load(std::memory_order_relaxed); }
};

}  // namespace par_test
