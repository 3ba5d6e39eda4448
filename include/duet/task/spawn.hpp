// spawn(task) -> join_handle<T>: start a task running on an executor, independently of the
// caller (like tokio::spawn / std::thread, but a task, not a thread).
//
//     auto h = duet::spawn(fetch(url));   // starts now, on the current executor
//     auto page = co_await h;             // from a coroutine: suspends, never blocks
//     auto page = h.get();                // from plain code: blocks this (non-worker) thread
//     h.cancel();                         // request cancellation (std::stop_token)
//
// A spawned task observes its own stop token, not its spawner's (as in tokio); structured
// children that share their parent's cancellation come from task_group / scope. Dropping a
// handle detaches the task: it runs to completion and frees itself.
#pragma once

#include <stdexcept>
#include <utility>

#include "duet/core/latch.hpp"
#include "duet/sched/thread_pool.hpp"
#include "duet/task/task.hpp"

namespace duet {

template <class T>
class [[nodiscard]] join_handle {
  using promise_type = detail::task_promise<T>;

 public:
  join_handle() noexcept = default;
  explicit join_handle(std::coroutine_handle<promise_type> h) noexcept : h_(h) {}
  join_handle(join_handle&& o) noexcept : h_(std::exchange(o.h_, {})) {}
  join_handle& operator=(join_handle&& o) noexcept {
    if (this != &o) {
      reset();
      h_ = std::exchange(o.h_, {});
    }
    return *this;
  }
  join_handle(const join_handle&) = delete;
  join_handle& operator=(const join_handle&) = delete;
  /// Detaches: the task keeps running and frees itself when done.
  ~join_handle() { reset(); }

  /// True while this handle refers to a task.
  [[nodiscard]] bool valid() const noexcept { return static_cast<bool>(h_); }

  /// True once the task has finished (value, exception or cancellation).
  [[nodiscard]] bool is_finished() const noexcept {
    // acquire: pairs with the completer's release exchange, so a true answer means the result
    // is readable.
    return h_.promise().waiter_.load(std::memory_order_acquire) == detail::promise_base::done_marker();
  }

  /// Requests cancellation; the task stops at its next suspension point (or never starts).
  void cancel() noexcept { h_.promise().request_spawn_stop(); }

  /// Lets the task run on with nobody waiting.
  void detach() noexcept { reset(); }

  struct awaiter : detail::waiter {
    std::coroutine_handle<promise_type> h;
    std::coroutine_handle<> cont;

    bool await_ready() const noexcept {
      // acquire: pairs with the completer's release exchange (result visible).
      return h.promise().waiter_.load(std::memory_order_acquire) == detail::promise_base::done_marker();
    }
    bool await_suspend(std::coroutine_handle<> c) noexcept {
      cont = c;
      ready = [](detail::waiter* self, detail::promise_base&) noexcept -> std::coroutine_handle<> {
        return static_cast<awaiter*>(self)->cont;
      };
      detail::waiter* expected = nullptr;
      // release on success: publishes `cont` and `ready` to the completer (pairs with its
      // acquire exchange). acquire on failure: the task is done; pairs with its release.
      return h.promise().waiter_.compare_exchange_strong(expected, this, std::memory_order_release,
                                                         std::memory_order_acquire);
    }
    T await_resume() { return h.promise().take(); }
  };

  /// Waits for the task without blocking the thread; returns its value or rethrows.
  awaiter operator co_await() noexcept { return awaiter{{}, h_, {}}; }

  /// Blocks the calling thread until the task finishes; returns its value or rethrows.
  /// Throws std::logic_error on an executor's thread, where blocking could deadlock the pool.
  T get() {
    if (!h_) throw std::logic_error("duet: join_handle::get() on an empty handle");
    if (detail::current_executor() != nullptr)
      throw std::logic_error("duet: join_handle::get() would block an executor thread; co_await the handle instead");
    struct blocking_waiter : detail::waiter {
      detail::latch_flag flag;
    } bw;
    bw.ready = [](detail::waiter* self, detail::promise_base&) noexcept -> std::coroutine_handle<> {
      static_cast<blocking_waiter*>(self)->flag.set();
      return std::noop_coroutine();
    };
    detail::waiter* expected = nullptr;
    // release/acquire: as in awaiter::await_suspend.
    if (h_.promise().waiter_.compare_exchange_strong(expected, &bw, std::memory_order_release,
                                                     std::memory_order_acquire))
      bw.flag.wait();
    return h_.promise().take();
  }

 private:
  void reset() noexcept {
    if (h_) detail::promise_base::release(std::exchange(h_, {}));
  }
  std::coroutine_handle<promise_type> h_;
};

/// Starts `t` on executor `ex` and returns a handle to its result.
template <class T>
join_handle<T> spawn(executor& ex, task<T> t) {
  if (!t.valid()) throw std::invalid_argument("duet::spawn: empty task");
  auto* stop = new detail::spawn_stop();  // before release(): if it throws, `t` frees the frame
  auto h = t.release();
  auto& p = h.promise();
  p.prepare_spawn(h, stop, true, 2, nullptr);  // owners: the run and the handle; p frees `stop`
  ex.post(p);
  return join_handle<T>(h);
}

/// Starts `t` on the current executor (the ambient CPU pool outside every executor).
template <class T>
join_handle<T> spawn(task<T> t) {
  executor* ex = detail::current_executor();
  return spawn(ex != nullptr ? *ex : detail::ambient_pool(), std::move(t));
}

}  // namespace duet
