// Timers on the io loop: sleep_for, sleep_until, timeout, interval.
//
//     co_await duet::sleep_for(100ms);                  // suspends the task, not the thread
//     auto page = co_await duet::timeout(fetch(url), 2s);  // throws duet::timeout_error
//
// A sleeping task costs its frame and nothing else (the timer node lives in the frame; see
// detail/timer_wheel.hpp). Sleeps are cancellation points: a cancelled task wakes at once
// with cancelled_error. The task resumes on the executor it slept on.
#pragma once

#include <chrono>
#include <coroutine>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>

#include "duet/io/detail/timer_wheel.hpp"
#include "duet/io/detail/wait_op.hpp"
#include "duet/io/io_loop.hpp"
#include "duet/task/task_group.hpp"

namespace duet {

/// Thrown by timeout() when the task did not finish in time.
class timeout_error : public std::runtime_error {
 public:
  explicit timeout_error(std::chrono::nanoseconds limit)
      : std::runtime_error("duet::timeout: the task did not finish within " +
                           std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(limit).count()) +
                           " ms") {}
};

namespace io::detail {
struct timer_wait : wait_op, timer_node {
  std::chrono::steady_clock::time_point when;
  void init(std::chrono::steady_clock::time_point t) noexcept;
};
}  // namespace io::detail

/// Awaitable that completes at a point in time (1 ms resolution, never early).
class [[nodiscard]] sleep_awaiter {
 public:
  sleep_awaiter(std::chrono::steady_clock::time_point when, io_loop& loop) noexcept : loop_(loop) { w_.init(when); }
  bool await_ready() const noexcept { return false; }
  template <class P>
  bool await_suspend(std::coroutine_handle<P> h) noexcept {
    return w_.begin(loop_, h, io::detail::token_of(h));
  }
  void await_resume() {
    if (w_.finish()) throw cancelled_error();
  }

 private:
  io_loop& loop_;
  io::detail::timer_wait w_;
};

/// Suspends the calling task until `when`.
inline sleep_awaiter sleep_until(std::chrono::steady_clock::time_point when, io_loop& loop = ambient_loop()) {
  return sleep_awaiter(when, loop);
}

/// Suspends the calling task for `d`.
template <class Rep, class Period>
sleep_awaiter sleep_for(std::chrono::duration<Rep, Period> d, io_loop& loop = ambient_loop()) {
  return sleep_awaiter(std::chrono::steady_clock::now() + std::chrono::ceil<std::chrono::steady_clock::duration>(d),
                       loop);
}

/// Runs `t`; if it has not finished after `limit`, cancels it, waits for it to stop, and
/// throws timeout_error. Cancelling the caller cancels `t`.
template <class T>
task<T> timeout(task<T> t, std::chrono::nanoseconds limit) {
  std::optional<detail::stored_t<T>> result;
  std::exception_ptr error;
  bool timed_out = false;
  {
    task_group g(co_await this_task::stop_token());
    g.spawn([](task<T> inner, std::optional<detail::stored_t<T>>& out, std::exception_ptr& err,
               task_group& grp) -> task<void> {
      try {
        if constexpr (std::is_void_v<T>) {
          co_await std::move(inner);
          out.emplace();
        } else {
          out.emplace(co_await std::move(inner));
        }
      } catch (...) {
        err = std::current_exception();
      }
      grp.cancel();  // stop the timer
    }(std::move(t), result, error, g));
    g.spawn([](std::chrono::nanoseconds d, bool& fired, task_group& grp) -> task<void> {
      try {
        co_await sleep_for(d);
      } catch (const cancelled_error&) {
        co_return;  // the task finished first
      }
      fired = true;
      grp.cancel();  // stop the task
    }(limit, timed_out, g));
    co_await g.wait();
  }
  if (result) {
    if constexpr (std::is_void_v<T>)
      co_return;
    else
      co_return std::move(*result);
  }
  if (timed_out) throw timeout_error(limit);
  if (error) std::rethrow_exception(error);
  throw cancelled_error();
}

/// Ticks at a fixed period measured from its creation: `co_await iv.tick()` waits for the next
/// multiple of the period; ticks missed while the task was busy are skipped, not bunched.
class interval {
 public:
  explicit interval(std::chrono::nanoseconds period, io_loop& loop = ambient_loop());
  /// Awaitable that completes at the next tick.
  sleep_awaiter tick();

 private:
  std::chrono::nanoseconds period_;
  std::chrono::steady_clock::time_point next_;
  io_loop& loop_;
};

}  // namespace duet
