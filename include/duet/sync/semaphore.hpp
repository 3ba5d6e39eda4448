// An async counting semaphore: limit how many tasks do something at once (tokio's Semaphore,
// Python's asyncio.Semaphore) without blocking threads.
//
//     duet::sync::semaphore slots(8);            // at most 8 downloads in flight
//     auto permit = co_await slots.acquire();    // semaphore_permit: released when destroyed
//     co_await download(url);
//
// Fairness: FIFO. A waiter is served before anyone who came later, also when it asks for more
// permits than are free (later, smaller requests wait behind it). acquire() is a cancellation
// point: a waiting task whose stop token fires wakes with cancelled_error holding nothing.
#pragma once

#include <cstddef>
#include <mutex>
#include <stdexcept>
#include <utility>

#include "duet/sync/detail/case_awaiter.hpp"

namespace duet::sync {

class semaphore;

/// Permits taken from a semaphore; given back when destroyed (or by release()).
class [[nodiscard]] semaphore_permit {
 public:
  semaphore_permit() noexcept = default;
  semaphore_permit(semaphore& s, std::size_t n) noexcept : s_(&s), n_(n) {}
  semaphore_permit(semaphore_permit&& o) noexcept : s_(std::exchange(o.s_, nullptr)), n_(std::exchange(o.n_, 0)) {}
  semaphore_permit& operator=(semaphore_permit&& o) noexcept {
    if (this != &o) {
      release();
      s_ = std::exchange(o.s_, nullptr);
      n_ = std::exchange(o.n_, 0);
    }
    return *this;
  }
  semaphore_permit(const semaphore_permit&) = delete;
  semaphore_permit& operator=(const semaphore_permit&) = delete;
  ~semaphore_permit() { release(); }

  /// How many permits this holds (0 when empty).
  [[nodiscard]] std::size_t count() const noexcept { return n_; }
  explicit operator bool() const noexcept { return n_ != 0; }
  /// Gives the permits back now.
  inline void release() noexcept;
  /// Keeps the permits taken for good (the semaphore's count shrinks).
  void forget() noexcept {
    s_ = nullptr;
    n_ = 0;
  }

 private:
  semaphore* s_ = nullptr;
  std::size_t n_ = 0;
};

class semaphore {
 public:
  /// A semaphore with `permits` free permits.
  explicit semaphore(std::size_t permits) noexcept : permits_(permits) {}
  semaphore(const semaphore&) = delete;
  semaphore& operator=(const semaphore&) = delete;

  /// select case: take `n` permits; yields a semaphore_permit.
  class acquire_op {
   public:
    using result_type = semaphore_permit;
    acquire_op(semaphore& s, std::size_t n) noexcept : s_(&s) { node_.want = n; }
    std::mutex& queue_mutex() noexcept { return s_->mu_; }
    bool try_complete(detail::wake_list&) noexcept { return s_->take_locked(node_.want); }
    void enqueue(detail::waiter& w, int index) noexcept {
      node_.owner = &w;
      node_.index = index;
      s_->waiters_.push_back(node_);
    }
    void withdraw() noexcept {
      detail::wake_list wakes;
      std::lock_guard lock(s_->mu_);
      if (!node_.linked) return;
      s_->waiters_.remove(node_);
      s_->grant_locked(wakes);  // we may have been the head holding the others back
    }
    semaphore_permit take() noexcept { return {*s_, node_.want}; }

   private:
    semaphore* s_;
    struct node : detail::wait_node {
      std::size_t want = 1;
    } node_;
    friend class semaphore;
  };

  /// `auto p = co_await sem.acquire(n);` waits until n permits are free and takes them.
  /// Throws std::invalid_argument for n == 0.
  detail::wait_one<acquire_op> acquire(std::size_t n = 1) {
    if (n == 0) throw std::invalid_argument("duet::sync::semaphore::acquire: zero permits");
    return detail::wait_one<acquire_op>(acquire_op(*this, n));
  }
  /// Takes n permits if they are free now and nobody is queued; the permit is empty otherwise.
  semaphore_permit try_acquire(std::size_t n = 1) noexcept {
    std::lock_guard lock(mu_);
    if (n == 0 || !take_locked(n)) return {};
    return {*this, n};
  }
  /// Adds n permits (usually given back by a semaphore_permit) and serves waiters in order.
  void release(std::size_t n = 1) noexcept {
    detail::wake_list wakes;
    std::lock_guard lock(mu_);
    permits_ += n;
    grant_locked(wakes);
  }
  /// Permits free right now (a snapshot).
  [[nodiscard]] std::size_t available() noexcept {
    std::lock_guard lock(mu_);
    return permits_;
  }

 private:
  using node = acquire_op::node;

  // A newcomer may take permits only if no live waiter is ahead of it (FIFO).
  bool take_locked(std::size_t n) noexcept {
    waiters_.prune_front();
    if (!waiters_.empty() || permits_ < n) return false;
    permits_ -= n;
    return true;
  }
  // Hands permits to the waiters at the front while they fit.
  void grant_locked(detail::wake_list& wakes) noexcept {
    for (;;) {
      waiters_.prune_front();
      auto* head = static_cast<node*>(waiters_.front());
      if (head == nullptr || head->want > permits_) return;
      waiters_.remove(*head);
      if (!head->claim()) continue;  // cancelled since prune_front looked
      permits_ -= head->want;
      wakes.push(*head->owner);
    }
  }

  std::mutex mu_;               // guards permits_ and waiters_
  std::size_t permits_;         // free permits
  detail::wait_queue waiters_;  // FIFO of acquire_op nodes
};

inline void semaphore_permit::release() noexcept {
  if (s_ != nullptr && n_ != 0) s_->release(n_);
  s_ = nullptr;
  n_ = 0;
}

}  // namespace duet::sync
