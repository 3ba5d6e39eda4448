// Helpers shared by duet's unit and stress tests (included as "unit/core/test_support.hpp").
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "duet/core/config.hpp"

#if defined(__SANITIZE_ADDRESS__)
#define DUET_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define DUET_TEST_ASAN 1
#endif
#endif

namespace duet_test {

#if defined(DUET_TSAN)
inline constexpr bool tsan = true;
#else
inline constexpr bool tsan = false;
#endif
#if defined(DUET_TEST_ASAN)
inline constexpr bool asan = true;
#else
inline constexpr bool asan = false;
#endif
/// True under any sanitizer: stress loops shrink so the suite stays within its time budget.
inline constexpr bool sanitized = tsan || asan;

/// `release` iterations in a plain build, `sanitized_n` under TSan or ASan.
constexpr std::int64_t scaled(std::int64_t release, std::int64_t sanitized_n) {
  return sanitized ? sanitized_n : release;
}

/// Aborts the process with a message if it is still alive `limit` after construction: turns a
/// lost wake-up or a deadlock into a prompt, named failure instead of a ctest timeout.
class watchdog {
 public:
  explicit watchdog(const char* what, std::chrono::seconds limit = std::chrono::seconds(120))
      : thread_([this, what, limit] {
          std::unique_lock lock(mu_);
          if (!cv_.wait_for(lock, limit, [this] { return done_; })) {
            std::fprintf(stderr, "watchdog: '%s' did not finish within %llds (deadlock or lost wake-up)\n", what,
                         static_cast<long long>(limit.count()));
            std::fflush(stderr);
            std::abort();
          }
        }) {}
  ~watchdog() {
    {
      std::lock_guard lock(mu_);
      done_ = true;
    }
    cv_.notify_one();
    thread_.join();
  }
  watchdog(const watchdog&) = delete;
  watchdog& operator=(const watchdog&) = delete;

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;
};

/// Spins (yielding the thread) until `pred()` holds or `limit` passes; returns pred().
template <class Pred>
bool spin_until(Pred pred, std::chrono::milliseconds limit = std::chrono::milliseconds(30000)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return pred();
    std::this_thread::yield();
  }
  return true;
}

/// A small deterministic PRNG (splitmix64) so that random trees are reproducible by seed.
struct rng {
  std::uint64_t s;
  explicit rng(std::uint64_t seed) : s(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  /// Uniform in [0, n).
  std::uint64_t below(std::uint64_t n) { return next() % n; }
};

}  // namespace duet_test
