// Internal: the shared state of a bounded channel and its select cases.
//
// One std::mutex guards everything: the ring buffer, the two wait queues and `closed`.
// Invariants, under the mutex:
//  * a live receiver waits only while the buffer is empty and no live sender waits;
//  * a live sender waits only while the buffer is full (always, for capacity 0) and no live
//    receiver waits. So a send hands its value straight to a waiting receiver, and a receive
//    refills the buffer from the first waiting sender: FIFO order holds end to end.
//  * once closed, nobody waits: close() wakes receivers with "closed" (the buffer is empty when
//    receivers wait) and senders with channel_closed; buffered values stay to be drained.
// Dead nodes (cancelled, or their select fired elsewhere) may sit in a queue until their owner
// withdraws them; pop_claimed() skips them.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>

#include "duet/sync/detail/waiter.hpp"
#include "duet/sync/error.hpp"

namespace duet::sync::detail {

/// A fixed-capacity FIFO (capacity 0 allowed: always empty and full).
template <class T>
class ring {
 public:
  explicit ring(std::size_t cap) : cap_(cap), data_(std::allocator<T>().allocate(cap)) {}
  ring(const ring&) = delete;
  ring& operator=(const ring&) = delete;
  ~ring() {
    while (!empty()) (void)pop();
    std::allocator<T>().deallocate(data_, cap_);
  }
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
  [[nodiscard]] bool full() const noexcept { return size_ == cap_; }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] std::size_t capacity() const noexcept { return cap_; }
  void push(T&& v) noexcept {
    std::size_t i = head_ + size_;
    if (i >= cap_) i -= cap_;
    std::construct_at(data_ + i, std::move(v));
    ++size_;
  }
  T pop() noexcept {
    T* p = data_ + head_;
    T v = std::move(*p);
    std::destroy_at(p);
    if (++head_ == cap_) head_ = 0;
    --size_;
    return v;
  }

 private:
  std::size_t cap_;
  T* data_;  // cap_ slots; [head_, head_ + size_) (mod cap_) hold live values
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

template <class T>
struct recv_node : wait_node {
  std::optional<T> value;  // filled by the sender that claimed us; empty = closed
};

template <class T>
struct send_node : wait_node {
  T* value = nullptr;   // moved from by the receiver that claimed us
  bool closed = false;  // set instead when close() claimed us
};

template <class T>
class channel_state {
  static_assert(std::is_nothrow_move_constructible_v<T>, "duet::sync channels need a noexcept move constructor");

 public:
  explicit channel_state(std::size_t capacity) : buf(capacity) {}

  /// Takes a value if one is there: from the buffer (refilled from the first waiting sender)
  /// or, for capacity 0, straight from a waiting sender. `empty` means the caller would wait.
  try_status recv_locked(std::optional<T>& out, wake_list& wakes) noexcept {
    if (!buf.empty()) {
      out.emplace(buf.pop());
      if (auto* s = senders.pop_claimed<send_node<T>>()) {
        buf.push(std::move(*s->value));
        wakes.push(*s->owner);
      }
      return try_status::ok;
    }
    if (auto* s = senders.pop_claimed<send_node<T>>()) {
      out.emplace(std::move(*s->value));
      wakes.push(*s->owner);
      return try_status::ok;
    }
    return closed ? try_status::closed : try_status::empty;
  }

  /// Delivers `v` (moving from it only on `ok`): to a waiting receiver, else into the buffer.
  try_status send_locked(T& v, wake_list& wakes) noexcept {
    if (closed) return try_status::closed;
    if (auto* r = receivers.pop_claimed<recv_node<T>>()) {
      r->value.emplace(std::move(v));
      wakes.push(*r->owner);
      return try_status::ok;
    }
    if (buf.full()) return try_status::full;
    buf.push(std::move(v));
    return try_status::ok;
  }

  void close() noexcept {
    wake_list wakes;
    std::lock_guard lock(mu);
    if (closed) return;
    closed = true;
    while (auto* r = receivers.pop_claimed<recv_node<T>>()) wakes.push(*r->owner);
    while (auto* s = senders.pop_claimed<send_node<T>>()) {
      s->closed = true;
      wakes.push(*s->owner);
    }
  }

  /// Drops one handle of a kind; the last sender (or the last receiver) closes the channel.
  void drop(std::atomic<std::size_t>& handles) noexcept {
    // acq_rel: the release orders this handle's sends before the count drops; the acquire in
    // the last drop pairs with the others' releases, so every send made through any handle
    // happens before close() and is received before "closed".
    if (handles.fetch_sub(1, std::memory_order_acq_rel) == 1) close();
  }

  std::mutex mu;
  ring<T> buf;
  wait_queue receivers;  // recv_node<T>s
  wait_queue senders;    // send_node<T>s
  bool closed = false;
  std::atomic<std::size_t> sender_handles{1};    // live sender objects (copies count)
  std::atomic<std::size_t> receiver_handles{1};  // live receiver objects
};

/// select case: receive one value (nullopt once the channel is closed and drained).
template <class T>
class recv_case {
 public:
  using result_type = std::optional<T>;
  explicit recv_case(channel_state<T>& s) noexcept : s_(&s) {}

  std::mutex& queue_mutex() noexcept { return s_->mu; }
  bool try_complete(wake_list& wakes) noexcept { return s_->recv_locked(node_.value, wakes) != try_status::empty; }
  void enqueue(waiter& w, int index) noexcept {
    node_.owner = &w;
    node_.index = index;
    s_->receivers.push_back(node_);
  }
  void withdraw() noexcept {
    std::lock_guard lock(s_->mu);
    s_->receivers.withdraw(node_);
  }
  std::optional<T> take() noexcept { return std::move(node_.value); }

 private:
  channel_state<T>* s_;
  recv_node<T> node_;
};

/// select case: send one value. Built from an lvalue it refers to it and moves from it only
/// if this case fires; built from an rvalue it owns the value. Throws channel_closed on a
/// closed channel.
template <class T>
class send_case {
 public:
  using result_type = void;
  send_case(channel_state<T>& s, T& ref) noexcept : s_(&s), ref_(&ref) {}
  send_case(channel_state<T>& s, T&& v) noexcept : s_(&s), own_(std::move(v)) {}

  std::mutex& queue_mutex() noexcept { return s_->mu; }
  bool try_complete(wake_list& wakes) noexcept {
    const try_status st = s_->send_locked(value(), wakes);
    node_.closed = st == try_status::closed;
    return st != try_status::full;
  }
  void enqueue(waiter& w, int index) noexcept {
    node_.owner = &w;
    node_.index = index;
    node_.value = &value();
    s_->senders.push_back(node_);
  }
  void withdraw() noexcept {
    std::lock_guard lock(s_->mu);
    s_->senders.withdraw(node_);
  }
  void take() const {
    if (node_.closed) throw channel_closed();
  }

 private:
  T& value() noexcept {
    if (own_) return *own_;
    return *ref_;
  }

  channel_state<T>* s_;
  T* ref_ = nullptr;
  std::optional<T> own_;
  send_node<T> node_;
};

}  // namespace duet::sync::detail
