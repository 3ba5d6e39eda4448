// An async barrier: a reusable meeting point for a fixed number of tasks (std::barrier and
// tokio::sync::Barrier for coroutines).
//
//     duet::sync::barrier step(4);   // four tasks in lockstep
//     for (int round = 0; round < n; ++round) {
//       compute(round);
//       if (co_await step.arrive_and_wait()) merge(round);   // true in exactly one task per phase
//     }
//
// A phase completes when `participants` tasks have arrived; they are all released (each exactly
// once) and the barrier resets for the next phase. The last to arrive does not wait and is the
// phase's leader. arrive_and_wait() is a cancellation point, but an arrival cannot be undone:
// a task cancelled while waiting wakes with cancelled_error and still counts as arrived.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <stdexcept>

#include "duet/sync/detail/case_awaiter.hpp"

namespace duet::sync {

class barrier {
 public:
  /// A barrier for `participants` tasks; throws std::invalid_argument for 0.
  explicit barrier(std::size_t participants) : expected_(participants), remaining_(participants) {
    if (participants == 0) throw std::invalid_argument("duet::sync::barrier: zero participants");
  }
  barrier(const barrier&) = delete;
  barrier& operator=(const barrier&) = delete;

  /// The wait behind arrive_and_wait(): arriving is its try_complete (so it is not a select case).
  class arrive_op {
   public:
    using result_type = bool;
    explicit arrive_op(barrier& b) noexcept : b_(&b) {}
    std::mutex& queue_mutex() noexcept { return b_->mu_; }
    bool try_complete(detail::wake_list& wakes) noexcept {
      leader_ = b_->arrive_locked(wakes);
      return leader_;
    }
    void enqueue(detail::waiter& w, int index) noexcept {
      node_.owner = &w;
      node_.index = index;
      b_->waiters_.push_back(node_);
    }
    void withdraw() noexcept {
      std::lock_guard lock(b_->mu_);
      b_->waiters_.withdraw(node_);
    }
    bool take() const noexcept { return leader_; }

   private:
    barrier* b_;
    detail::wait_node node_;
    bool leader_ = false;
  };

  /// `bool leader = co_await b.arrive_and_wait();` arrives and waits for the phase to complete.
  detail::wait_one<arrive_op> arrive_and_wait() noexcept { return detail::wait_one<arrive_op>(arrive_op(*this)); }

  /// Arrives for the current phase and leaves: later phases expect one participant fewer.
  void arrive_and_drop() {
    detail::wake_list wakes;
    std::lock_guard lock(mu_);
    if (expected_ == 0) throw std::logic_error("duet::sync::barrier::arrive_and_drop: no participants left");
    --expected_;
    arrive_locked(wakes);
  }
  /// Phases completed so far.
  [[nodiscard]] std::uint64_t phase() noexcept {
    std::lock_guard lock(mu_);
    return phase_;
  }

 private:
  // One arrival; the last one completes the phase, releases the waiters and returns true.
  bool arrive_locked(detail::wake_list& wakes) noexcept {
    if (--remaining_ != 0) return false;
    remaining_ = expected_;
    ++phase_;
    while (auto* n = waiters_.pop_claimed<detail::wait_node>()) wakes.push(*n->owner);
    return true;
  }

  std::mutex mu_;  // guards everything below
  std::size_t expected_;
  std::size_t remaining_;
  std::uint64_t phase_ = 0;
  detail::wait_queue waiters_;  // the arrivals of the current phase
};

}  // namespace duet::sync
