// Internal: the promise every duet task shares, and the task state machine.
//
// A task is lazy: it starts suspended. It then lives one of two lives.
//  * Awaited (`co_await child()`): the parent is its continuation_; it runs inline (symmetric
//    transfer in, symmetric transfer back out at final_suspend) and the `task` object in the
//    parent's frame destroys it. It observes the parent's stop token.
//  * Spawned (spawn(), task_group::spawn): the frame is posted to an executor as a job (the
//    promise *is* the job). refs_ counts its owners: the running task and, if any, the
//    join_handle. waiter_ goes nullptr -> W (someone waits) -> done, or nullptr -> done; the
//    completer swaps in `done` and hands the result to W. The last owner destroys the frame.
#pragma once

#include <atomic>
#include <coroutine>
#include <cstdint>
#include <exception>
#include <stop_token>

#include "duet/core/job.hpp"
#include "duet/sched/executor.hpp"
#include "duet/task/cancel.hpp"

namespace duet::detail {

class promise_base;

/// Someone waiting for a spawned task; ready() is called once by the task as it completes and
/// returns the coroutine to continue with (or noop).
struct waiter {
  std::coroutine_handle<> (*ready)(waiter* self, promise_base& done) noexcept = nullptr;
};

class promise_base : public job {
  static inline waiter done_sentinel{};  // its address marks "finished" in waiter_

 public:
  struct final_awaiter {
    bool await_ready() noexcept { return false; }
    template <class P>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<P> h) noexcept {
      promise_base& p = h.promise();
      if (p.spawned_) return p.complete_spawned();  // may destroy the frame: touch nothing after
      return p.continuation_ ? p.continuation_ : std::noop_coroutine();
    }
    void await_resume() noexcept {}
  };

  std::suspend_always initial_suspend() noexcept { return {}; }
  final_awaiter final_suspend() noexcept { return {}; }
  void unhandled_exception() noexcept { error_ = std::current_exception(); }

  /// True once the task's stop token fired or its executor is shutting down.
  [[nodiscard]] bool cancel_requested() const noexcept {
    if (stop_ != nullptr && stop_->stop_requested()) return true;
    executor* ex = current_executor();
    return ex != nullptr && ex->stopping();
  }
  void throw_if_cancelled() const {
    if (cancel_requested()) throw cancelled_error();
  }

  /// Turns this (suspended, not started) task into a spawned one observing `token`.
  void prepare_spawn(std::coroutine_handle<> self, std::stop_token token, std::uint32_t owners, waiter* w) noexcept {
    self_ = self;
    spawned_ = true;
    token_ = std::move(token);
    stop_ = &token_;
    // relaxed: the frame is published to other threads by the executor's post (a release).
    refs_.store(owners, std::memory_order_relaxed);
    waiter_.store(w, std::memory_order_relaxed);
    run_ = &run_spawned;
  }

  /// Drops one owner; the last one destroys the frame.
  void release() noexcept {
    // acq_rel: the last owner must see every other owner's accesses before destroying.
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) self_.destroy();
  }

  /// The value of waiter_ once the task has finished.
  static waiter* done_marker() noexcept { return &done_sentinel; }

  std::coroutine_handle<> continuation_;  // the parent, when awaited
  std::exception_ptr error_;
  const std::stop_token* stop_ = nullptr;      // the token this task observes
  std::coroutine_handle<> self_;               // set when spawned
  std::stop_token token_;                      // a spawned task's own token
  std::stop_source source_{std::nostopstate};  // set by spawn() so the handle can cancel
  std::atomic<waiter*> waiter_{nullptr};       // see the state machine above
  std::atomic<std::uint32_t> refs_{0};         // owners of a spawned frame
  bool spawned_ = false;

 private:
  // The first run of a spawned task: a task cancelled before it started never starts.
  static void run_spawned(job* j) noexcept {
    auto* p = static_cast<promise_base*>(j);
    if (p->cancel_requested()) {
      p->error_ = std::make_exception_ptr(cancelled_error());
      p->complete_spawned().resume();
      return;
    }
    p->self_.resume();
  }

  std::coroutine_handle<> complete_spawned() noexcept {
    // acq_rel: the release publishes result and error_ to the waiter (pairs with the acquire
    // in the waiter's failed CAS or its load of waiter_); the acquire pairs with the waiter's
    // release CAS that installed it, so the waiter's fields are visible here.
    waiter* w = waiter_.exchange(done_marker(), std::memory_order_acq_rel);
    std::coroutine_handle<> next = std::noop_coroutine();
    if (w != nullptr) next = w->ready(w, *this);
    release();
    return next;
  }
};

}  // namespace duet::detail
