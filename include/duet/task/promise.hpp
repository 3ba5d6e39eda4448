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
#include <cstddef>
#include <cstdint>
#include <exception>
#include <new>
#include <stop_token>

#include "duet/core/job.hpp"
#include "duet/sched/executor.hpp"
#include "duet/task/cancel.hpp"

namespace duet::detail {

class promise_base;

/// Memory for coroutine frames of duet tasks (src/task/frame_pool.cpp): size-classed, pooled
/// per thread, carved from large chunks. frame_free must get the size given to frame_alloc.
void* frame_alloc(std::size_t n);
void frame_free(void* p, std::size_t n) noexcept;

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
      if (p.spawned_) return complete_spawned(h);  // may destroy the frame: touch nothing after
      return p.continuation_ ? p.continuation_ : std::noop_coroutine();
    }
    void await_resume() noexcept {}
  };

  promise_base() noexcept {}  // NOLINT(modernize-use-equals-default): the union needs it
  promise_base(const promise_base&) = delete;
  promise_base& operator=(const promise_base&) = delete;
  ~promise_base() {
    if (owns_stop_) delete static_cast<spawn_stop*>(stop_);
  }

  // The frame's memory (the compiler passes the frame's size to both).
  static void* operator new(std::size_t n) { return frame_alloc(n); }
  static void operator delete(void* p, std::size_t n) noexcept { frame_free(p, n); }

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

  /// Turns this (suspended, not started) task into a spawned one observing `slot`; with
  /// `owned`, the task frees the slot (a spawn_stop) when its frame is destroyed. Only the type
  /// of `self` is used: it picks the run function that finds the frame again.
  template <class P>
  void prepare_spawn(std::coroutine_handle<P> /*self*/, stop_slot* slot, bool owned, std::uint32_t owners,
                     waiter* w) noexcept {
    spawned_ = true;
    stop_ = slot;
    owns_stop_ = owned;
    // The frame switches from the awaited life (continuation_) to the spawned one (waiter_).
    // relaxed: the frame is published to other threads by the executor's post (a release).
    new (&waiter_) std::atomic<waiter*>(w);
    refs_.store(owners, std::memory_order_relaxed);
    run_ = &run_spawned<P>;
  }

  /// Drops one owner of the spawned task `h`; the last one destroys the frame.
  template <class P>
  static void release(std::coroutine_handle<P> h) noexcept {
    // acq_rel: the last owner must see every other owner's accesses before destroying.
    if (h.promise().refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) h.destroy();
  }

  /// Requests stop of a task started by spawn() (join_handle::cancel()).
  void request_spawn_stop() noexcept {
    if (owns_stop_) static_cast<spawn_stop*>(stop_)->source.request_stop();
  }

  /// The value of waiter_ once the task has finished.
  static waiter* done_marker() noexcept { return &done_sentinel; }

  // Layout: 48 bytes beside the job. A million sleeping tasks pay for every field here, so the
  // two lives share storage and the spawned task finds its frame through its typed run_.
  union {
    std::coroutine_handle<> continuation_{};  // awaited: the parent
    std::atomic<waiter*> waiter_;             // spawned: see the state machine above
  };
  std::exception_ptr error_;
  stop_slot* stop_ = nullptr;           // what this task observes (shared with awaited children)
  std::atomic<std::uint32_t> refs_{0};  // owners of a spawned frame
  bool spawned_ = false;
  bool owns_stop_ = false;  // stop_ is this task's own spawn_stop

 private:
  // The first run of a spawned task: a task cancelled before it started never starts.
  template <class P>
  static void run_spawned(job* j) noexcept {
    auto& p = static_cast<P&>(*static_cast<promise_base*>(j));
    auto h = std::coroutine_handle<P>::from_promise(p);
    if (p.cancel_requested()) {
      p.error_ = std::make_exception_ptr(cancelled_error());
      complete_spawned(h).resume();
      return;
    }
    h.resume();
  }

  template <class P>
  static std::coroutine_handle<> complete_spawned(std::coroutine_handle<P> h) noexcept {
    promise_base& p = h.promise();
    // acq_rel: the release publishes result and error_ to the waiter (pairs with the acquire
    // in the waiter's failed CAS or its load of waiter_); the acquire pairs with the waiter's
    // release CAS that installed it, so the waiter's fields are visible here.
    waiter* w = p.waiter_.exchange(done_marker(), std::memory_order_acq_rel);
    std::coroutine_handle<> next = std::noop_coroutine();
    if (w != nullptr) next = w->ready(w, p);
    release(h);
    return next;
  }
};

}  // namespace duet::detail
