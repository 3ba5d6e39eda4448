// Internal: one wait of a task on the io loop — for a timer or a descriptor's readiness — with
// cancellation through the task's stop_slot (task/cancel.hpp).
//
// The state machine (`state`); whoever moves an op out of `queued` or `armed` owns its one job
// and with it the task's resumption, so the task resumes exactly once:
//   idle   -> armed      begin() on the loop thread arms it at once
//   idle   -> queued     begin() on another thread posts the op (its job) to the loop
//   queued -> armed      that start job runs on the loop and arms it
//   armed  -> done       the loop completes it (the event, or an error) and resumes the task
//   idle | queued | armed -> cancelled   a stop request "pokes" the op (any thread); from armed
//          the poker posts the job to the loop, which disarms the op and resumes the task; from
//          queued the start job sees it and resumes the task; from idle begin() returns false
//          (the task does not suspend). The loop's shutdown cancels armed ops the same way.
// The loop keeps `custody` of every op from armed until it resolved it (completed, cancelled
// by its job, or cancelled at shutdown) and does not exit while it holds any: so a poke that
// won armed -> cancelled always finds the loop alive to post to.
//
// Memory: a sleeping task pays for this struct (72 bytes) + the timer node (24) in its frame,
// and nothing elsewhere. One job serves as start, cancel and resume job in turn; cancellation
// is an intrusive registration with the task's group (no std::stop_callback per wait); armed
// timers are found through the wheel at shutdown, not through a list.
#pragma once

#include <atomic>
#include <coroutine>
#include <cstdint>
#include <type_traits>

#include "duet/core/job.hpp"
#include "duet/sched/executor.hpp"
#include "duet/task/promise.hpp"

namespace duet {
class io_loop;
}

namespace duet::io::detail {

// timer: a sleep (timer.hpp); fd: a descriptor's readiness (fd_entry.hpp); file: a regular-file
// read or write the backend performs itself (io_uring; src/io/backend.hpp).
enum class wait_kind : std::uint8_t { timer, fd, file };

struct wait_op : duet::detail::job, duet::detail::cancel_hook {
  enum : std::uint8_t { idle, queued, armed, done, cancelled };

  std::coroutine_handle<> coro;
  io_loop* loop = nullptr;
  executor* home = nullptr;                      // where the task resumes
  duet::detail::cancel_registry* reg = nullptr;  // where `hook` is registered, if anywhere
  std::atomic<std::uint8_t> state{idle};
  wait_kind kind = wait_kind::timer;

  explicit wait_op(wait_kind k) noexcept : kind(k) {}

  /// Starts the wait on `l` for `h`, observing `slot` (nullptr: not cancellable). Returns false
  /// (do not suspend) when the task was already cancelled; then finish() reports it.
  bool begin(io_loop& l, std::coroutine_handle<> h, duet::detail::stop_slot* slot) noexcept;
  /// On the loop: the awaited event happened. Resumes the task unless it was cancelled.
  void complete() noexcept;
  /// After resumption: unregisters from the group; true if the wait was cancelled.
  bool finish() noexcept {
    if (reg != nullptr) reg->remove(*this);  // waits for a poke running on another thread
    // acquire: pairs with the CAS that decided the outcome (release part), so the operation's
    // results written before it are visible.
    return state.load(std::memory_order_acquire) == cancelled;
  }
  /// On the loop, at shutdown: cancels an armed op the loop found (a timer in its wheel, a
  /// parked descriptor op). No-op if a poke already owns it.
  void cancel_armed() noexcept;
  /// Queues the task's resumption on its home executor (on the loop: its local queue).
  void resume_home() noexcept;
};

/// The stop slot of the awaiting coroutine if it is a duet task, else nullptr.
template <class P>
duet::detail::stop_slot* token_of(std::coroutine_handle<P> h) noexcept {
  if constexpr (std::is_base_of_v<duet::detail::promise_base, P>)
    return h.promise().stop_;
  else
    return nullptr;
}

}  // namespace duet::io::detail
