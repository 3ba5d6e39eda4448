// Moving between executors and giving way:
//
//     co_await duet::on(rt.cpu());   // continue on a CPU worker (compute here)
//     co_await duet::yield();        // let queued tasks run, then continue
//
// Both are cancellation points: they throw cancelled_error once the task's stop token fired.
#pragma once

#include <coroutine>
#include <stop_token>
#include <type_traits>

#include "duet/sched/thread_pool.hpp"
#include "duet/task/promise.hpp"

namespace duet {

namespace detail {
// Remembers the awaiting task's promise (when it is a duet task) to check cancellation.
struct cancel_point {
  const promise_base* promise = nullptr;
  template <class P>
  void capture(std::coroutine_handle<P> h) noexcept {
    if constexpr (std::is_base_of_v<promise_base, P>) promise = &h.promise();
  }
  void check() const {
    if (promise != nullptr) promise->throw_if_cancelled();
  }
};
}  // namespace detail

/// Awaitable that resumes the awaiting coroutine on `ex`.
class on_awaiter {
 public:
  explicit on_awaiter(executor& ex) noexcept : ex_(ex) {}
  bool await_ready() const noexcept { return false; }
  template <class P>
  void await_suspend(std::coroutine_handle<P> h) noexcept {
    point_.capture(h);
    job_.handle = h;
    ex_.post(job_);
  }
  void await_resume() const { point_.check(); }

 private:
  executor& ex_;
  detail::resume_job job_;
  detail::cancel_point point_;
};

/// Continues the awaiting coroutine on executor `ex`.
[[nodiscard]] inline on_awaiter on(executor& ex) noexcept { return on_awaiter(ex); }

/// Awaitable that re-queues the awaiting coroutine behind the work already queued.
class yield_awaiter {
 public:
  bool await_ready() const noexcept { return false; }
  template <class P>
  void await_suspend(std::coroutine_handle<P> h) noexcept {
    point_.capture(h);
    job_.handle = h;
    executor* ex = detail::current_executor();
    (ex != nullptr ? *ex : detail::ambient_pool()).post_fifo(job_);
  }
  void await_resume() const { point_.check(); }

 private:
  detail::resume_job job_;
  detail::cancel_point point_;
};

/// Gives other tasks a turn; a cancellation point.
[[nodiscard]] inline yield_awaiter yield() noexcept { return {}; }

namespace this_task {
/// Awaitable returning the calling task's std::stop_token (an empty token outside duet tasks).
struct stop_token_awaiter {
  std::stop_token token;
  bool await_ready() const noexcept { return false; }
  template <class P>
  bool await_suspend(std::coroutine_handle<P> h) noexcept {
    if constexpr (std::is_base_of_v<detail::promise_base, P>) {
      if (h.promise().stop_ != nullptr) token = *h.promise().stop_;
    }
    return false;  // never actually suspends
  }
  std::stop_token await_resume() noexcept { return std::move(token); }
};
/// `std::stop_token t = co_await duet::this_task::stop_token();`
[[nodiscard]] inline stop_token_awaiter stop_token() noexcept { return {}; }
}  // namespace this_task

}  // namespace duet
