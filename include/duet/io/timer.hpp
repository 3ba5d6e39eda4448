// Timers on the io loop: sleep_for, sleep_until, timeout, interval, and after() (a timer case
// for duet::sync::select).
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
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>

#include "duet/io/detail/timer_wheel.hpp"
#include "duet/io/detail/wait_op.hpp"
#include "duet/io/io_loop.hpp"
#include "duet/sync/detail/waiter.hpp"
#include "duet/task/spawn.hpp"
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
// A sleep: 48 + 24 bytes in the sleeping task's frame (see detail/wait_op.hpp).
struct timer_wait : wait_op, timer_node {
  timer_wait() noexcept : wait_op(wait_kind::timer) {}
  /// Sets the deadline (in `l`'s wheel ticks; any thread: the loop's clock origin is fixed).
  void init(std::chrono::steady_clock::time_point t, io_loop& l) noexcept;
};
static_assert(sizeof(void*) != 8 || sizeof(timer_wait) == 72, "a sleep grew (docs/benchmarks.md: < 200 B per task)");
}  // namespace io::detail

/// Awaitable that completes at a point in time (1 ms resolution, never early).
class [[nodiscard]] sleep_awaiter {
 public:
  sleep_awaiter(std::chrono::steady_clock::time_point when, io_loop& loop) noexcept { w_.init(when, loop); }
  bool await_ready() const noexcept { return false; }
  template <class P>
  bool await_suspend(std::coroutine_handle<P> h) noexcept {
    return w_.begin(*w_.loop, h, io::detail::token_of(h));
  }
  void await_resume() {
    if (w_.finish()) throw cancelled_error();
  }

 private:
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

namespace io::detail {
// Shared by an after_case and the sleeping task that fires it.
struct after_state {
  std::mutex mu;                 // the case's queue_mutex()
  sync::detail::wait_node node;  // node.linked: a select is waiting on the timer (under mu)
  bool fired = false;            // under mu
  std::chrono::steady_clock::time_point deadline;
};
/// Sleeps until the deadline, then completes the select waiting on `s` (if any).
task<void> after_timer(std::shared_ptr<after_state> s, io_loop& loop);
}  // namespace io::detail

/// A select() case that fires at a point in time: Go's `case <-time.After(d)`.
///
///     auto r = co_await duet::sync::select(rx.recv_case(), duet::after(100ms));
///     if (r.index() == 1) { /* nothing arrived within 100 ms */ }
///
/// As in Go, the timer starts when the case is made (a small task sleeping on the io loop), and
/// a case whose deadline has passed is ready at once. Its result is std::monostate. Destroying
/// the case (select returned, or the task was cancelled) cancels that sleeping task. A case
/// waits on the loop's timers: one that is shutting down never fires it.
class [[nodiscard]] after_case {
 public:
  using result_type = void;

  after_case(std::chrono::steady_clock::time_point when, io_loop& loop)
      : s_(std::make_shared<io::detail::after_state>()) {
    s_->deadline = when;
    timer_ = duet::spawn(loop, io::detail::after_timer(s_, loop));
  }
  after_case(after_case&&) noexcept = default;
  after_case& operator=(after_case&&) noexcept = default;
  after_case(const after_case&) = delete;
  after_case& operator=(const after_case&) = delete;
  ~after_case() {
    if (timer_.valid()) timer_.cancel();  // then detached: it wakes, sees cancelled, and ends
  }

  // The select_case contract (sync/select.hpp).
  std::mutex& queue_mutex() noexcept { return s_->mu; }
  bool try_complete(sync::detail::wake_list& /*wakes*/) {
    return s_->fired || std::chrono::steady_clock::now() >= s_->deadline;
  }
  void enqueue(sync::detail::waiter& w, int index) noexcept {
    s_->node.owner = &w;
    s_->node.index = index;
    s_->node.linked = true;
  }
  void withdraw() noexcept {
    std::lock_guard lock(s_->mu);
    s_->node.linked = false;
  }
  void take() noexcept {}

 private:
  std::shared_ptr<io::detail::after_state> s_;
  join_handle<void> timer_;
};

/// A select() case that fires at `when`.
inline after_case after_until(std::chrono::steady_clock::time_point when, io_loop& loop = ambient_loop()) {
  return after_case(when, loop);
}

/// A select() case that fires after `d` (from now).
template <class Rep, class Period>
after_case after(std::chrono::duration<Rep, Period> d, io_loop& loop = ambient_loop()) {
  return after_case(std::chrono::steady_clock::now() + std::chrono::ceil<std::chrono::steady_clock::duration>(d), loop);
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
