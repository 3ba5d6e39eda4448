// A one-shot flag that a thread can block on: set() once, wait() until set. The waiting side
// spins briefly (the common case in fork-join is a short wait), then sleeps on a futex.
#pragma once

#include <atomic>
#include <cstdint>

#include "duet/core/config.hpp"
#include "duet/core/futex.hpp"

namespace duet::detail {

class latch_flag {
 public:
  /// Sets the flag and wakes a sleeping waiter. Touches only the word's address after the
  /// exchange: the waiter may already be gone, and futex_wake on a stale address is harmless.
  void set() noexcept {
    // acq_rel: release publishes the setter's results to the waiter (pairs with the acquire
    // loads in is_set()/wait()); acquire orders it after a waiter's announcement of sleep.
    if (state_.exchange(done, std::memory_order_acq_rel) == sleeping) futex_wake(state_, 1);
  }

  [[nodiscard]] bool is_set() const noexcept {
    // acquire: pairs with the release in set(); the results written before it are visible.
    return state_.load(std::memory_order_acquire) == done;
  }

  /// Blocks until set(); never returns early.
  void wait() noexcept {
    for (int i = 0; i < 128; ++i) {
      if (is_set()) return;
      cpu_relax();
    }
    sleep_until_set();
  }

  /// Announces a sleeper and sleeps until set(). Callers spin or help first.
  void sleep_until_set() noexcept {
    std::uint32_t expected = pending;
    // acquire on failure: pairs with set()'s release when the flag is already done.
    if (state_.compare_exchange_strong(expected, sleeping, std::memory_order_acq_rel, std::memory_order_acquire) ||
        expected == sleeping) {
      while (state_.load(std::memory_order_acquire) != done) futex_wait(state_, sleeping);
    }
  }

 private:
  static constexpr std::uint32_t pending = 0, done = 1, sleeping = 2;
  std::atomic<std::uint32_t> state_{pending};
};

}  // namespace duet::detail
