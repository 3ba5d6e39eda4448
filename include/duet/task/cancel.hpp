// Cancellation: cooperative, with std::stop_token. A cancelled task stops at its next duet
// suspension point (yield(), on(), a task that has not started yet), where cancelled_error is
// thrown and unwinds it like any exception; loops that never suspend can poll
// `(co_await this_task::stop_token()).stop_requested()`.
#pragma once

#include <atomic>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <stop_token>

namespace duet {

/// Thrown inside a task at a suspension point once cancellation was requested, and by
/// join_handle::get()/co_await for a task that was cancelled.
class cancelled_error : public std::runtime_error {
 public:
  cancelled_error() : std::runtime_error("duet: task cancelled") {}
};

/// True if `e` holds a cancelled_error.
[[nodiscard]] bool is_cancelled(const std::exception_ptr& e) noexcept;

}  // namespace duet

namespace duet::detail {

// Why not one std::stop_callback per wait: a sleeping task would carry ~64 bytes of callback
// (and take the stop state's lock twice per wait), and a million sleepers share one group
// token. Instead every stop_slot (one per task_group, one per spawn()ed task) lazily owns one
// cancel_registry: a single std::stop_callback on the token plus an intrusive list of the waits
// pending under it. A stop request walks the list and "pokes" each wait once.

/// A pending wait registered with a cancel_registry (intrusive; lives in the waiter's frame).
struct cancel_hook {
  cancel_hook* prev = nullptr;
  cancel_hook* next = nullptr;  // nullptr: not registered (never was, removed, or poked)
};

class cancel_registry {
 public:
  /// Called once per registered hook when stop is requested, under the registry's lock (so the
  /// hook stays alive: remove() waits for it). It must not resume the waiter inline.
  using poke_fn = void (*)(cancel_hook*) noexcept;

  cancel_registry(const std::stop_token& token, poke_fn poke);
  cancel_registry(const cancel_registry&) = delete;
  cancel_registry& operator=(const cancel_registry&) = delete;

  /// Registers `h`; false (and `h` stays unregistered) when stop was already requested.
  bool add(cancel_hook& h) noexcept;
  /// Unregisters `h` if it still is; returns once no poke of `h` is running.
  void remove(cancel_hook& h) noexcept;
  [[nodiscard]] poke_fn poke() const noexcept { return poke_; }

 private:
  void fire() noexcept;
  struct on_stop {
    cancel_registry* self;
    void operator()() const noexcept { self->fire(); }
  };

  std::mutex mu_;
  cancel_hook head_;      // sentinel of a circular list (under mu_)
  bool stopped_ = false;  // under mu_
  poke_fn poke_;
  std::stop_callback<on_stop> on_stop_;  // last: may call fire() inside the constructor
};

/// The cancellation a task observes: its std::stop_token, plus the registry through which a stop
/// request reaches the task's pending io waits. Every child of a task_group points at the
/// group's slot; a spawn()ed task owns one (spawn_stop). Awaited children share their parent's.
class stop_slot : public std::stop_token {
 public:
  stop_slot() noexcept = default;
  explicit stop_slot(std::stop_token t) noexcept : std::stop_token(std::move(t)) {}
  stop_slot(const stop_slot&) = delete;
  stop_slot& operator=(const stop_slot&) = delete;
  ~stop_slot();

  /// The registry of this slot's waits, created on first use with `poke`; nullptr when stop can
  /// never be requested. Thread-safe. Every caller must pass the same `poke`.
  cancel_registry* registry(cancel_registry::poke_fn poke);

 protected:
  void reset_token(std::stop_token t) noexcept { static_cast<std::stop_token&>(*this) = std::move(t); }

 private:
  std::atomic<cancel_registry*> registry_{nullptr};
};

/// The stop source and slot of a task started by spawn(): join_handle::cancel() requests stop.
struct spawn_stop : stop_slot {
  spawn_stop() { reset_token(source.get_token()); }
  std::stop_source source;
};

}  // namespace duet::detail
