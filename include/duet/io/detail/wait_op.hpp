// Internal: one wait of a task on the io loop — for a timer or a descriptor's readiness — with
// cancellation through the task's std::stop_token.
//
// The state machine (`state`): idle -> armed -> done (the loop completed it) or -> cancelled
// (the stop token fired). Whoever wins the CAS owns the resumption, so the task resumes
// exactly once:
//  * begin() registers the stop callback while idle, then CASes idle->armed and only then
//    posts the start job. If the callback won (cancelled while idle, possibly inline in the
//    registration), the task does not suspend at all;
//  * the loop completes: CAS armed->done, then resumes the task at its home executor;
//  * the stop callback (any thread): CAS armed->cancelled, then posts `cancel_job` to the
//    loop, which disarms the wait (unlinks the timer / descriptor waiter) and resumes the task.
// The wait is armed by `start` on the loop thread; a cancel job posted meanwhile is queued
// behind the start job, so disarm always finds an armed (or never-armed) wait.
#pragma once

#include <atomic>
#include <coroutine>
#include <cstdint>
#include <optional>
#include <stop_token>

#include "duet/core/job.hpp"
#include "duet/sched/executor.hpp"
#include "duet/task/promise.hpp"

namespace duet {
class io_loop;
}

namespace duet::io::detail {

struct wait_op {
  enum : std::uint8_t { idle, armed, done, cancelled };

  struct canceller {
    wait_op* op;
    void operator()() const noexcept { op->request_cancel(); }
  };

  // Set by the concrete operation (timer, readiness wait).
  void (*arm)(wait_op*) noexcept = nullptr;     // on the loop: start waiting
  void (*disarm)(wait_op*) noexcept = nullptr;  // on the loop: stop waiting (cancelled)

  io_loop* loop = nullptr;
  executor* home = nullptr;  // where the task resumes
  std::coroutine_handle<> coro;
  std::atomic<std::uint8_t> state{idle};
  struct op_job : duet::detail::job {
    wait_op* op = nullptr;
  };
  op_job start_job;   // posted to the loop: calls arm
  op_job cancel_job;  // posted to the loop by the stop callback: calls disarm
  duet::detail::resume_job resume;
  std::optional<std::stop_callback<canceller>> on_stop;
  wait_op* armed_prev = nullptr;  // the loop's list of armed waits (loop thread only), for
  wait_op* armed_next = nullptr;  // cancelling everything at shutdown

  /// Starts the wait on `l` for `h`, observing `token`. Returns false (do not suspend) when
  /// the task was already cancelled; then finish() reports the cancellation.
  bool begin(io_loop& l, std::coroutine_handle<> h, const std::stop_token* token) noexcept;
  /// On the loop: the awaited event happened. Resumes the task unless it was cancelled.
  void complete() noexcept;
  /// After resumption: drops the stop callback; true if the wait was cancelled.
  bool finish() noexcept {
    on_stop.reset();  // waits for a callback running on another thread, if any
    // acquire: pairs with the CAS that decided the outcome (release part), so the operation's
    // results written before it are visible.
    return state.load(std::memory_order_acquire) == cancelled;
  }

 private:
  void request_cancel() noexcept;

 public:
  /// Queues the task's resumption on its home executor (on the loop: its local queue).
  void resume_home() noexcept;
};

/// The stop token of the awaiting coroutine if it is a duet task, else nullptr.
template <class P>
const std::stop_token* token_of(std::coroutine_handle<P> h) noexcept {
  if constexpr (std::is_base_of_v<duet::detail::promise_base, P>)
    return h.promise().stop_;
  else
    return nullptr;
}

}  // namespace duet::io::detail
