// Structured concurrency: a task_group owns the tasks spawned into it.
//
//     co_await duet::scope([&](duet::task_group& g) -> duet::task<> {
//       g.spawn(upload(original));
//       g.spawn(resize_and_upload(original));
//       co_return;
//     });   // returns when every child has finished
//
// The first child that fails cancels its siblings (their stop tokens fire) and its exception is
// rethrown by wait(); cancelling the group's parent cancels the group. Prefer scope(): it
// always waits. A task_group destroyed without wait() cancels its children and lets them
// finish on their own (they keep the group's shared state alive).
#pragma once

#include <atomic>
#include <cstddef>
#include <exception>
#include <mutex>
#include <optional>
#include <stop_token>
#include <utility>

#include "duet/sched/thread_pool.hpp"
#include "duet/task/on.hpp"
#include "duet/task/task.hpp"

namespace duet {

class task_group {
  struct stopper {
    std::stop_source* source;
    void operator()() const noexcept { source->request_stop(); }
  };

  // Shared by the group object and its running children (refs_).
  struct state : detail::waiter {
    explicit state(executor& e) : ex(e) { ready = &on_child_done; }

    executor& ex;
    std::stop_source source;
    detail::stop_slot slot{source.get_token()};  // what the children observe
    std::optional<std::stop_callback<stopper>> parent_link;
    // Running children plus one guard held until wait() starts; the child that brings it to
    // zero resumes the waiter.
    std::atomic<std::size_t> pending{1};
    std::atomic<std::size_t> refs{1};  // the group object + one per running child
    std::coroutine_handle<> cont;      // the coroutine in wait()
    std::mutex error_mu;
    std::exception_ptr error;  // first failure; a real error beats a cancellation

    void record(std::exception_ptr e) {
      std::lock_guard lock(error_mu);
      if (!error || (is_cancelled(error) && !is_cancelled(e))) error = std::move(e);
    }
    void unref() noexcept {
      // acq_rel: the last owner sees every other owner's writes before deleting.
      if (refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
    }
    static std::coroutine_handle<> on_child_done(detail::waiter* w, detail::promise_base& child) noexcept {
      auto* s = static_cast<state*>(w);
      if (child.error_) {
        // Moved, not copied: the child's frame is destroyed on this thread after the waiter may
        // already have caught the exception, and must not hold the last reference to it.
        s->record(std::move(child.error_));
        s->source.request_stop();
      }
      std::coroutine_handle<> next = std::noop_coroutine();
      // acq_rel: release publishes this child's effects to the waiter; acquire pairs with
      // wait()'s release decrement so `cont` is visible to the child that finishes last.
      if (s->pending.fetch_sub(1, std::memory_order_acq_rel) == 1 && s->cont) next = s->cont;
      s->unref();
      return next;
    }
  };

 public:
  /// A group on the current executor (the ambient pool outside every executor), cancelled when
  /// `parent` is.
  explicit task_group(std::stop_token parent = {}) : task_group(default_executor(), std::move(parent)) {}
  task_group(executor& ex, std::stop_token parent) : s_(new state(ex)) {
    if (parent.stop_possible()) s_->parent_link.emplace(std::move(parent), stopper{&s_->source});
  }
  task_group(const task_group&) = delete;
  task_group& operator=(const task_group&) = delete;
  ~task_group() {
    s_->source.request_stop();  // no-op for a group that was waited on: children are gone
    s_->parent_link.reset();
    s_->unref();
  }

  /// Starts `t` as a child of the group; its result is discarded (errors are not).
  template <class T>
  void spawn(task<T> t) {
    auto h = t.release();
    // relaxed: the counts are published to the child by the executor's post (a release).
    s_->pending.fetch_add(1, std::memory_order_relaxed);
    s_->refs.fetch_add(1, std::memory_order_relaxed);
    h.promise().prepare_spawn(h, &s_->slot, false, 1, s_);
    s_->ex.post(h.promise());
  }

  /// Requests cancellation of every child.
  void cancel() noexcept { s_->source.request_stop(); }
  /// The token the children observe.
  [[nodiscard]] std::stop_token stop_token() const noexcept { return s_->source.get_token(); }

  struct wait_awaiter {
    state* s;
    bool await_ready() const noexcept { return false; }
    bool await_suspend(std::coroutine_handle<> h) noexcept {
      s->cont = h;
      // acq_rel: release publishes `cont` to the last child (pairs with its acquire); acquire
      // makes the children's effects visible when they all finished already.
      return s->pending.fetch_sub(1, std::memory_order_acq_rel) != 1;
    }
    void await_resume() {
      s->pending.store(1, std::memory_order_relaxed);  // relaxed: no child is running now
      std::exception_ptr e;
      {
        std::lock_guard lock(s->error_mu);
        e = std::exchange(s->error, nullptr);
      }
      if (e) std::rethrow_exception(e);
    }
  };

  /// Waits for every child; rethrows the first failure. The group can be reused afterwards.
  [[nodiscard]] wait_awaiter wait() noexcept { return wait_awaiter{s_}; }

 private:
  static executor& default_executor() {
    executor* ex = detail::current_executor();
    return ex != nullptr ? *ex : detail::ambient_pool();
  }
  state* s_;
};

/// Runs `body(group)` and then waits for every task it spawned into the group. If the body or a
/// child throws, the rest are cancelled, all are waited for, and the first error is rethrown.
/// Cancelling the calling task cancels the scope.
template <class F>
auto scope(F body) -> task<typename std::invoke_result_t<F&, task_group&>::value_type> {
  using R = typename std::invoke_result_t<F&, task_group&>::value_type;
  task_group g(co_await this_task::stop_token());
  std::exception_ptr body_error;
  std::optional<detail::stored_t<R>> result;
  try {
    if constexpr (std::is_void_v<R>) {
      co_await body(g);
      result.emplace();
    } else {
      result.emplace(co_await body(g));
    }
  } catch (...) {
    body_error = std::current_exception();
    g.cancel();
  }
  std::exception_ptr child_error;
  try {
    co_await g.wait();
  } catch (...) {
    child_error = std::current_exception();
  }
  if (body_error) std::rethrow_exception(body_error);
  if (child_error) std::rethrow_exception(child_error);
  if constexpr (!std::is_void_v<R>) co_return std::move(*result);
}

}  // namespace duet
