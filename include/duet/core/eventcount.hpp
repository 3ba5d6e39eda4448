// An eventcount: lets idle workers sleep on a futex without losing wake-ups.
//
// Protocol (after Dmitry Vyukov's eventcount, as in Folly's EventCount and Eigen's
// EventCount used by taskflow's notifier). A waiter:
//     key = ec.prepare_wait();          // announce: waiters_ += 1, read the epoch
//     if (work is available) { ec.cancel_wait(); run it; }
//     else ec.wait(key);                // sleep unless the epoch moved since prepare_wait
// A notifier publishes work first, then calls notify_one()/notify_all().
//
// Why no wake-up is lost: prepare_wait's increment of waiters_ and the notifier's publication
// of work are each followed by a seq_cst fence, so in the fences' single total order either
// the notifier's load of waiters_ sees the waiter (and
// bumps the epoch, so wait() returns or the futex call fails with EAGAIN), or the waiter's
// re-check, which comes after its increment, sees the work.
#pragma once

#include <atomic>
#include <cstdint>

#include "duet/core/config.hpp"

namespace duet::detail {

class eventcount {
 public:
  struct key {
    std::uint32_t epoch;
  };

  /// Announces the caller as a waiter; must be followed by cancel_wait() or wait().
  key prepare_wait() noexcept {
    // relaxed increment + seq_cst fence: the fence orders the increment before the caller's
    // re-check of the queues and pairs with the fence in notify() (protocol above). A bare
    // seq_cst RMW would not order the later plain loads on every architecture.
    waiters_.fetch_add(1, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_seq_cst);
    // acquire: pairs with the release part of the epoch bump in notify, so work published
    // before a bump we observe is visible to the caller's re-check.
    return key{epoch_.load(std::memory_order_acquire)};
  }

  /// Withdraws a prepare_wait() whose re-check found work.
  void cancel_wait() noexcept {
    // relaxed: only a counter; a stale non-zero costs a notifier one spurious epoch bump.
    waiters_.fetch_sub(1, std::memory_order_relaxed);
  }

  /// Sleeps until the epoch differs from `k` (a notify happened after prepare_wait()).
  void wait(key k) noexcept;

  /// Wakes one waiter if there is any. Cheap (a fence and a load) when nobody waits.
  void notify_one() noexcept { notify(1); }
  /// Wakes every waiter.
  void notify_all() noexcept { notify(INT32_MAX); }

  /// True when some thread is between prepare_wait() and the end of wait(). A hint only:
  /// callers that skip notify() on `false` must guarantee progress another way.
  [[nodiscard]] bool has_waiters() const noexcept {
    // relaxed: a hint; see the comment above.
    return waiters_.load(std::memory_order_relaxed) != 0;
  }

 private:
  void notify(int count) noexcept;

  alignas(cache_line) std::atomic<std::uint32_t> epoch_{0};    // written by notifiers, futex word
  alignas(cache_line) std::atomic<std::uint32_t> waiters_{0};  // threads between prepare and wake
};

}  // namespace duet::detail
