// A work-stealing deque of pointers: the owner pushes and pops at the bottom (LIFO, cache-warm),
// thieves steal from the top (FIFO, the oldest and usually largest piece of work).
//
// Algorithm: Chase & Lev, "Dynamic Circular Work-Stealing Deque" (SPAA 2005), with the C11
// memory orders of Lê, Pop, Cohen & Zappa Nardelli, "Correct and Efficient Work-Stealing for
// Weak Memory Models" (PPoPP 2013), figure 1. Two deliberate differences from the paper:
//  * push publishes with a release store of bottom_ (the paper: release fence + relaxed store)
//    and steal reads bottom_ with acquire. Same cost on x86 and AArch64, and ThreadSanitizer,
//    which does not model fences, then sees the hand-off of the job's contents.
//  * retired buffers are kept until the deque dies instead of being reclaimed: a thief may still
//    read a slot of the old buffer, and the buffers only ever double (total < 2x the largest).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "duet/core/config.hpp"

namespace duet::detail {

template <class T>
class chase_lev_deque {
  static_assert(std::is_pointer_v<T>, "the deque holds pointers (jobs)");

  // A power-of-two ring of atomic slots. Slots are atomics (relaxed) because a thief may read a
  // slot while the owner overwrites it after a wrap; the thief's CAS on top_ then fails.
  struct buffer {
    explicit buffer(std::int64_t cap) : mask(cap - 1), slots(new std::atomic<T>[cap]) {}
    std::int64_t capacity() const noexcept { return mask + 1; }
    T get(std::int64_t i) const noexcept { return slots[i & mask].load(std::memory_order_relaxed); }
    void put(std::int64_t i, T v) noexcept { slots[i & mask].store(v, std::memory_order_relaxed); }
    std::int64_t mask;
    std::unique_ptr<std::atomic<T>[]> slots;
  };

 public:
  explicit chase_lev_deque(std::int64_t capacity = 256) {
    retired_.push_back(std::make_unique<buffer>(capacity));
    buffer_.store(retired_.back().get(), std::memory_order_relaxed);
  }
  chase_lev_deque(const chase_lev_deque&) = delete;
  chase_lev_deque& operator=(const chase_lev_deque&) = delete;

  /// Owner only: adds `v` at the bottom.
  void push(T v) {
    // relaxed: only the owner writes bottom_.
    std::int64_t b = bottom_.load(std::memory_order_relaxed);
    // acquire: pairs with the seq_cst CAS of a thief in steal(), so the slot it vacated may be
    // reused.
    std::int64_t t = top_.load(std::memory_order_acquire);
    // relaxed: only the owner replaces the buffer.
    buffer* a = buffer_.load(std::memory_order_relaxed);
    if (b - t > a->capacity() - 1) a = grow(a, t, b);
    a->put(b, v);
    stress_point();
    // release: publishes the slot (and the job it points to) to thieves; pairs with the acquire
    // load of bottom_ in steal().
    bottom_.store(b + 1, std::memory_order_release);
  }

  /// Owner only: removes the most recently pushed item, or returns nullptr when empty.
  T pop() noexcept {
    // relaxed: only the owner writes bottom_.
    std::int64_t b = bottom_.load(std::memory_order_relaxed) - 1;
    buffer* a = buffer_.load(std::memory_order_relaxed);
    // relaxed store + seq_cst fence: the fence orders "bottom_ = b" before the load of top_
    // and pairs with the seq_cst fence in steal(): either a thief sees the smaller bottom_, or
    // we see its larger top_ (Lê et al., the store-load race on the last item).
    bottom_.store(b, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_seq_cst);
    std::int64_t t = top_.load(std::memory_order_relaxed);
    if (t > b) {  // empty: restore
      bottom_.store(b + 1, std::memory_order_relaxed);
      return nullptr;
    }
    T v = a->get(b);
    if (t == b) {
      // The last item: race the thieves for it. seq_cst on success: it is in the same total
      // order as the thieves' CASes; relaxed on failure: we only learn that we lost.
      if (!top_.compare_exchange_strong(t, t + 1, std::memory_order_seq_cst, std::memory_order_relaxed)) v = nullptr;
      bottom_.store(b + 1, std::memory_order_relaxed);
    }
    return v;
  }

  /// Any thread: takes the oldest item, or nullptr when empty or when another thief (or the
  /// owner) won the race for it.
  T steal() noexcept {
    // acquire: pairs with the seq_cst CAS of other thieves, so the slot we read is current.
    std::int64_t t = top_.load(std::memory_order_acquire);
    // seq_cst fence: pairs with the fence in pop() (see there).
    std::atomic_thread_fence(std::memory_order_seq_cst);
    // acquire: pairs with the release store in push(): the slot and the job are visible.
    std::int64_t b = bottom_.load(std::memory_order_acquire);
    if (t >= b) return nullptr;
    // acquire: pairs with the release store in grow(), so the new buffer's slots are visible.
    buffer* a = buffer_.load(std::memory_order_acquire);
    T v = a->get(t);
    stress_point();
    // seq_cst on success: one total order with pop()'s CAS on the last item; relaxed on failure.
    if (!top_.compare_exchange_strong(t, t + 1, std::memory_order_seq_cst, std::memory_order_relaxed)) return nullptr;
    return v;
  }

  /// Any thread: a racy estimate, for heuristics and tests only.
  [[nodiscard]] bool empty_hint() const noexcept {
    // relaxed: an estimate.
    return bottom_.load(std::memory_order_relaxed) <= top_.load(std::memory_order_relaxed);
  }

 private:
  buffer* grow(buffer* old, std::int64_t t, std::int64_t b) {
    retired_.push_back(std::make_unique<buffer>(old->capacity() * 2));
    buffer* a = retired_.back().get();
    for (std::int64_t i = t; i < b; ++i) a->put(i, old->get(i));
    // release: pairs with the acquire load in steal(), publishing the copied slots.
    buffer_.store(a, std::memory_order_release);
    return a;
  }

  alignas(cache_line) std::atomic<std::int64_t> top_{0};     // CASed by thieves and by pop()
  alignas(cache_line) std::atomic<std::int64_t> bottom_{0};  // written by the owner only
  std::atomic<buffer*> buffer_{nullptr};                     // replaced by the owner (grow)
  std::vector<std::unique_ptr<buffer>> retired_;             // owner only; every buffer ever used
};

}  // namespace duet::detail
