// An async manual-reset event: tasks wait until it is set (asyncio.Event,
// cppcoro::async_manual_reset_event).
//
//     duet::sync::event ready;
//     co_await ready.wait();   // in many tasks: all continue once...
//     ready.set();             // ...somebody sets it; later waits return at once until reset()
//
// set() releases every waiting task exactly once. wait() is a cancellation point; wait_case()
// makes it usable in select().
#pragma once

#include <mutex>

#include "duet/sync/detail/case_awaiter.hpp"

namespace duet::sync {

class event {
 public:
  /// An event, initially set or not.
  explicit event(bool initially_set = false) noexcept : set_(initially_set) {}
  event(const event&) = delete;
  event& operator=(const event&) = delete;

  /// select case: wait until set.
  class wait_op {
   public:
    using result_type = void;
    explicit wait_op(event& e) noexcept : e_(&e) {}
    std::mutex& queue_mutex() noexcept { return e_->mu_; }
    bool try_complete(detail::wake_list&) const noexcept { return e_->set_; }
    void enqueue(detail::waiter& w, int index) noexcept {
      node_.owner = &w;
      node_.index = index;
      e_->waiters_.push_back(node_);
    }
    void withdraw() noexcept {
      std::lock_guard lock(e_->mu_);
      e_->waiters_.withdraw(node_);
    }
    void take() const noexcept {}

   private:
    event* e_;
    detail::wait_node node_;
  };

  /// `co_await ev.wait();` returns once the event is set.
  detail::wait_one<wait_op> wait() noexcept { return detail::wait_one<wait_op>(wait_op(*this)); }
  /// A select case that fires once the event is set.
  wait_op wait_case() noexcept { return wait_op(*this); }

  /// Sets the event and releases every waiting task.
  void set() noexcept {
    detail::wake_list wakes;
    std::lock_guard lock(mu_);
    set_ = true;
    while (auto* n = waiters_.pop_claimed<detail::wait_node>()) wakes.push(*n->owner);
  }
  /// Clears the event: later waits wait again.
  void reset() noexcept {
    std::lock_guard lock(mu_);
    set_ = false;
  }
  /// True while set (a snapshot).
  [[nodiscard]] bool is_set() noexcept {
    std::lock_guard lock(mu_);
    return set_;
  }

 private:
  std::mutex mu_;  // guards set_ and waiters_
  bool set_;
  detail::wait_queue waiters_;  // waiting wait_op nodes; empty while set_
};

}  // namespace duet::sync
