// Internal: the io loop's timers, a hierarchical timing wheel (Varghese & Lauck, "Hashed and
// Hierarchical Timing Wheels", SOSP 1987; the layout tokio's timer uses).
//
// Why a wheel and not a heap: a million pending timers (a million sleeping tasks) must be
// cheap. A wheel inserts and cancels in O(1) with an intrusive list node that lives in the
// sleeping task's own frame (no allocation, no pointer array to grow), and expiry touches only
// the slots that are due. A d-ary heap would pay O(log n) cache misses per insert and cancel
// and keep an 8 MB array for 10^6 timers.
//
// Layout: 6 levels x 64 slots, 1 ms ticks; level L slots span 64^L ms, so the wheel covers
// 64^6 ms (~2.2 years; later deadlines are clamped). A timer sits at the level of the highest
// 6-bit digit in which its deadline differs from `now`, in the slot given by that digit. When
// the earliest non-empty slot of a level > 0 comes due, its timers are re-inserted closer to
// the bottom (cascade); level-0 slots hold timers of exactly one millisecond and fire.
// Only the io loop's thread touches a wheel.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

namespace duet::io::detail {

// 24 bytes in the sleeping task's frame: what fires is the wheel's one callback (a sleep's
// wait_op knows what to do), not a function pointer per node.
struct timer_node {
  std::uint64_t deadline = 0;  // in wheel ticks (ms)
  timer_node* prev = nullptr;  // circular list through the slot's sentinel; null when unlinked
  timer_node* next = nullptr;

  [[nodiscard]] bool linked() const noexcept { return next != nullptr; }
  void unlink() noexcept {
    prev->next = next;
    next->prev = prev;
    prev = next = nullptr;
  }
};

class timer_wheel {
 public:
  static constexpr int levels = 6;
  static constexpr int slots = 64;

  using fire_fn = void (*)(timer_node*) noexcept;

  /// A wheel at tick `now` that calls `fire` for each timer that comes due.
  explicit timer_wheel(fire_fn fire, std::uint64_t now = 0) noexcept;
  timer_wheel(const timer_wheel&) = delete;
  timer_wheel& operator=(const timer_wheel&) = delete;

  /// Adds `t` (its deadline set); a deadline in the past fires at the next advance().
  void insert(timer_node& t) noexcept;
  /// Removes a pending timer; no-op if it is not linked.
  void remove(timer_node& t) noexcept;
  /// Unlinks every pending timer and calls `each` on it (shutdown).
  void clear(fire_fn each) noexcept;
  /// Fires (calls the wheel's fire callback on) every timer whose deadline is <= `now`, in deadline order of
  /// their slots, and moves the wheel's clock to `now`. A fire callback may insert timers.
  void advance(std::uint64_t now) noexcept;
  /// The tick at which the earliest slot comes due (a lower bound on the next deadline), or
  /// nullopt when no timer is pending.
  [[nodiscard]] std::optional<std::uint64_t> next_expiration() const noexcept;

  [[nodiscard]] std::size_t size() const noexcept { return count_; }
  [[nodiscard]] std::uint64_t now() const noexcept { return now_; }

 private:
  struct slot_ref {
    int level;
    int slot;
    std::uint64_t when;
  };
  [[nodiscard]] std::optional<slot_ref> earliest() const noexcept;
  void link(timer_node& t) noexcept;

  fire_fn fire_;
  std::uint64_t now_;
  std::size_t count_ = 0;
  std::array<std::uint64_t, levels> occupied_{};               // bit s set: slot s of that level is non-empty
  std::array<std::array<timer_node, slots>, levels> heads_{};  // sentinels
};

}  // namespace duet::io::detail
