#include "duet/core/eventcount.hpp"

#include "duet/core/futex.hpp"

namespace duet::detail {

void eventcount::wait(key k) noexcept {
  // acquire: pairs with the release epoch bump in notify(); work published before the bump
  // is visible once we see the new epoch.
  while (epoch_.load(std::memory_order_acquire) == k.epoch) futex_wait(epoch_, k.epoch);
  // relaxed: only a counter (see cancel_wait).
  waiters_.fetch_sub(1, std::memory_order_relaxed);
}

void eventcount::notify(int count) noexcept {
  // seq_cst fence: orders the caller's publication of work before our load of waiters_; pairs
  // with the seq_cst increment in prepare_wait() (see the protocol in the header).
  std::atomic_thread_fence(std::memory_order_seq_cst);
  // relaxed: ordered by the fence above.
  if (waiters_.load(std::memory_order_relaxed) == 0) return;
  // release: pairs with the acquire loads of epoch_ in prepare_wait() and wait().
  epoch_.fetch_add(1, std::memory_order_release);
  futex_wake(epoch_, count);
}

}  // namespace duet::detail
