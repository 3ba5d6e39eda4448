// An async latch: a single-use countdown that tasks wait on (std::latch for coroutines).
//
//     duet::sync::latch done(3);
//     // three workers, each at the end:  done.count_down();
//     co_await done.wait();   // returns once the count reached zero
//
// Every waiting task is released exactly once, when the count reaches zero; later waits return
// at once. wait() is a cancellation point.
#pragma once

#include <cstddef>
#include <mutex>
#include <stdexcept>

#include "duet/sync/detail/case_awaiter.hpp"

namespace duet::sync {

class latch {
 public:
  /// A latch that opens after `count` count_down()s (at once for 0).
  explicit latch(std::size_t count) noexcept : count_(count) {}
  latch(const latch&) = delete;
  latch& operator=(const latch&) = delete;

  /// select case: wait until the count is zero.
  class wait_op {
   public:
    using result_type = void;
    explicit wait_op(latch& l) noexcept : l_(&l) {}
    std::mutex& queue_mutex() noexcept { return l_->mu_; }
    bool try_complete(detail::wake_list&) const noexcept { return l_->count_ == 0; }
    void enqueue(detail::waiter& w, int index) noexcept {
      node_.owner = &w;
      node_.index = index;
      l_->waiters_.push_back(node_);
    }
    void withdraw() noexcept {
      std::lock_guard lock(l_->mu_);
      l_->waiters_.withdraw(node_);
    }
    void take() const noexcept {}

   private:
    latch* l_;
    detail::wait_node node_;
  };

  /// Lowers the count by n; reaching zero releases every waiter. Throws std::logic_error if n
  /// exceeds the count left.
  void count_down(std::size_t n = 1) {
    detail::wake_list wakes;
    std::lock_guard lock(mu_);
    if (n > count_) throw std::logic_error("duet::sync::latch::count_down: below zero");
    count_ -= n;
    if (count_ != 0) return;
    while (auto* node = waiters_.pop_claimed<detail::wait_node>()) wakes.push(*node->owner);
  }
  /// `co_await l.wait();` returns once the count is zero.
  detail::wait_one<wait_op> wait() noexcept { return detail::wait_one<wait_op>(wait_op(*this)); }
  /// count_down(n), then wait().
  detail::wait_one<wait_op> arrive_and_wait(std::size_t n = 1) {
    count_down(n);
    return wait();
  }
  /// True once the count is zero.
  [[nodiscard]] bool try_wait() noexcept {
    std::lock_guard lock(mu_);
    return count_ == 0;
  }

 private:
  std::mutex mu_;  // guards count_ and waiters_
  std::size_t count_;
  detail::wait_queue waiters_;  // empty once count_ is zero
};

}  // namespace duet::sync
