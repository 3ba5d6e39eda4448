// Internal: one wait of a task on the io loop — for a timer or a descriptor's readiness — with
// cancellation through the task's stop_slot (task/cancel.hpp).
//
// The state machine (the low bits of `home_state`); whoever moves an op out of `queued` or `armed` owns its one job
// and with it the task's resumption, so the task resumes exactly once:
//   idle   -> armed      begin() on the loop thread registers the op and arms it at once
//   idle   -> queued     begin() on another thread posts the op (its job) to the loop
//   queued -> armed      that start job runs on the loop, registers the op and arms it
//   armed  -> done       the loop completes it (the event, or an error) and resumes the task
//   idle | queued | armed -> cancelled   a stop request "pokes" the op (any thread); from armed
//          the poker posts the job to the loop, which disarms the op and resumes the task; from
//          queued the start job sees it and resumes the task; from idle begin() returns false
//          (the task does not suspend). The loop's shutdown cancels armed ops the same way.
// The loop keeps `custody` of every op from armed until it resolved it (completed, cancelled
// by its job, or cancelled at shutdown) and does not exit while it holds any: so a poke that
// won armed -> cancelled always finds the loop alive to post to.
//
// Memory: a sleeping task pays for this struct (48 bytes) + the timer node (24) in its frame,
// and nothing elsewhere; a million sleepers pay for every word here. So:
//  * One job serves as start, cancel and resume job in turn, and it shares its two words with
//    the cancellation links (`hook`): an op is never registered and queued at once. It is
//    registered only on the loop thread (by begin() there, or by the start job, after the
//    queue let go of it), and it leaves the registry before its job is posted again: a poke
//    unlinks it (under the registry's lock) before it posts the cancel job or lets begin() or
//    the start job see `cancelled`; complete() and cancel_armed() remove it (under the same
//    lock) before they resume the task; a refused registration links nothing. Hence no
//    removal after the resumption: a poke does not touch the op once it has posted it (or
//    lost, or won from idle / queued, its CAS), and the registry's fire() moves on to the
//    next hook.
//  * The state shares a word with the home executor (its 3 low bits: an executor is at least
//    8-aligned) and the kind one with the registry pointer: both pointers are written before
//    the op is shared and never change while it is, so a CAS of the whole word is a CAS of
//    the state.
//  * Cancellation is an intrusive registration with the task's group (no std::stop_callback
//    per wait); armed timers are found through the wheel at shutdown, not through a list.
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

struct wait_op {
  enum : std::uint8_t { idle, queued, armed, done, cancelled };

  // Which one is in use: see "Memory" above. Every switch starts the member's lifetime anew
  // (use_job() and enlist() in wait_op.cpp); both are trivially destructible.
  union {
    duet::detail::job job;
    duet::detail::cancel_hook hook;
  };
  std::coroutine_handle<> coro;
  io_loop* loop = nullptr;
  // The executor where the task resumes | the state (low 3 bits). Written whole by begin()
  // before the op is shared; afterwards only the state bits change, by CAS (any thread).
  std::atomic<std::uintptr_t> home_state{0};
  // The cancel_registry where `hook` gets registered (or nullptr) | the wait_kind (low 2 bits).
  // Written before the op is shared; read by the thread that resolves it.
  std::uintptr_t reg_kind;

  explicit wait_op(wait_kind k) noexcept : job{}, reg_kind(static_cast<std::uintptr_t>(k)) {}
  wait_op(const wait_op&) = delete;
  wait_op& operator=(const wait_op&) = delete;

  /// Starts the wait on `l` for `h`, observing `slot` (nullptr: not cancellable). Returns false
  /// (do not suspend) when the task was already cancelled; then finish() reports it.
  bool begin(io_loop& l, std::coroutine_handle<> h, duet::detail::stop_slot* slot) noexcept;
  /// On the loop: the awaited event happened. Resumes the task unless it was cancelled.
  void complete() noexcept;
  /// After resumption: true if the wait was cancelled.
  bool finish() const noexcept {
    // acquire: pairs with the CAS that decided the outcome (release part), so the operation's
    // results written before it are visible.
    return (home_state.load(std::memory_order_acquire) & state_mask) == cancelled;
  }
  /// On the loop, at shutdown: cancels an armed op the loop found (a timer in its wheel, a
  /// parked descriptor op). No-op if a poke already owns it.
  void cancel_armed() noexcept;

  [[nodiscard]] wait_kind kind() const noexcept { return static_cast<wait_kind>(reg_kind & kind_mask); }
  [[nodiscard]] duet::detail::cancel_registry* registry() const noexcept {
    return reinterpret_cast<duet::detail::cancel_registry*>(reg_kind & ~kind_mask);
  }
  /// The op whose job (or hook) this is.
  static wait_op& of(duet::detail::job& j) noexcept { return *reinterpret_cast<wait_op*>(&j); }
  static wait_op& of(duet::detail::cancel_hook& h) noexcept { return *reinterpret_cast<wait_op*>(&h); }

  static constexpr std::uintptr_t state_mask = 7;
  static constexpr std::uintptr_t kind_mask = 3;
};

// of() relies on the union being the first member of a standard-layout class (so the three are
// pointer-interconvertible), and the tags on the pointers' alignment.
static_assert(std::is_standard_layout_v<wait_op>);
static_assert(alignof(executor) > wait_op::state_mask);
static_assert(alignof(duet::detail::cancel_registry) > wait_op::kind_mask);
// The budget of bench/io/sleepers (docs/benchmarks.md): a million sleeping tasks pay for every
// byte here. On LP64: the union, the handle, the loop and the two tagged words.
static_assert(sizeof(void*) != 8 || sizeof(wait_op) == 48, "wait_op grew: see \"Memory\" above");

/// The stop slot of the awaiting coroutine if it is a duet task, else nullptr.
template <class P>
duet::detail::stop_slot* token_of(std::coroutine_handle<P> h) noexcept {
  if constexpr (std::is_base_of_v<duet::detail::promise_base, P>)
    return h.promise().stop_;
  else
    return nullptr;
}

}  // namespace duet::io::detail
