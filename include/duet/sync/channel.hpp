// Bounded channels: message passing between tasks, with backpressure (Go's `chan T`, tokio's
// mpsc, crossbeam's bounded).
//
//     auto [tx, rx] = duet::sync::channel<int>(16);   // mpmc: senders and receivers copy
//     co_await tx.send(42);                           // waits while the buffer is full
//     while (std::optional<int> v = co_await rx.recv()) use(*v);   // nullopt: closed, drained
//
//     auto [tx, rx] = duet::sync::mpsc_channel<job>(64);   // one receiver (move-only)
//
// * Capacity 0 is a rendezvous channel: a send completes when a receiver takes the value.
// * Order: values are received in the order their sends completed; waiting senders and
//   waiting receivers are served first come, first served.
// * Closing: close() on any handle, or dropping every sender, closes the channel. Receivers
//   then drain what is buffered and get nullopt. Dropping every receiver closes it too (nobody
//   would ever read). A send on a closed channel throws channel_closed and drops the value;
//   try_send keeps it (it moves from its argument only on try_status::ok).
// * Cancellation: send and recv are cancellation points. A task whose stop token fires while
//   it waits wakes with cancelled_error; its value is not sent (or nothing is taken).
// * send_case / recv_case make the operations usable in select() (select.hpp).
// * T needs a noexcept move constructor (values move under the channel's lock).
// * A handle passed by value to a spawned task lives as long as that task's frame, which is
//   freed once the task has finished *and* its join_handle is gone. To close a channel when
//   the producers finish, let each drop its sender at the end (`auto done = std::move(tx);`).
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <utility>

#include "duet/sync/detail/case_awaiter.hpp"
#include "duet/sync/detail/channel_state.hpp"
#include "duet/sync/error.hpp"

namespace duet::sync {

template <class T>
class sender;
template <class T>
class receiver;
template <class T>
class mpsc_receiver;

/// Creates a multi-producer multi-consumer channel holding up to `capacity` values.
template <class T>
std::pair<sender<T>, receiver<T>> channel(std::size_t capacity);
/// Creates a multi-producer single-consumer channel holding up to `capacity` values.
template <class T>
std::pair<sender<T>, mpsc_receiver<T>> mpsc_channel(std::size_t capacity);

namespace detail {
// What sender and receiver share: the state, and the count of handles of their kind.
template <class T>
class channel_handle {
 public:
  channel_handle(const channel_handle& o) noexcept : s_(o.s_), count_(o.count_) {
    // relaxed: a copy is made from a live handle, so the count cannot reach zero meanwhile
    // (the shared_ptr idiom); nothing is published through it.
    if (s_) count_->fetch_add(1, std::memory_order_relaxed);
  }
  channel_handle(channel_handle&& o) noexcept = default;
  channel_handle& operator=(channel_handle o) noexcept {
    std::swap(s_, o.s_);
    std::swap(count_, o.count_);
    return *this;
  }
  ~channel_handle() {
    if (s_) s_->drop(*count_);
  }

  /// True unless default-constructed or moved from (an empty handle may only be assigned to
  /// or destroyed).
  [[nodiscard]] bool valid() const noexcept { return static_cast<bool>(s_); }
  /// Closes the channel for everyone: sends fail from now on, receivers drain and stop.
  void close() noexcept { s_->close(); }
  /// True once the channel is closed (values may still be buffered).
  [[nodiscard]] bool is_closed() const {
    std::lock_guard lock(s_->mu);
    return s_->closed;
  }
  /// Values buffered right now.
  [[nodiscard]] std::size_t size() const {
    std::lock_guard lock(s_->mu);
    return s_->buf.size();
  }
  /// The buffer's capacity.
  [[nodiscard]] std::size_t capacity() const noexcept { return s_->buf.capacity(); }

 protected:
  channel_handle() noexcept = default;
  channel_handle(std::shared_ptr<channel_state<T>> s, std::atomic<std::size_t>& count) noexcept
      : s_(std::move(s)), count_(&count) {}
  std::shared_ptr<channel_state<T>> s_;
  std::atomic<std::size_t>* count_ = nullptr;
};
}  // namespace detail

/// The sending half of a channel. Copies are more senders; the last one dropped closes it.
template <class T>
class sender : public detail::channel_handle<T> {
 public:
  /// An empty sender, to assign a real one to later.
  sender() noexcept = default;

  /// `co_await tx.send(v)`: delivers v, waiting while the channel is full. Throws
  /// channel_closed if the channel is (or becomes, while waiting) closed.
  detail::wait_one<detail::send_case<T>> send(T v) {
    return detail::wait_one<detail::send_case<T>>(send_case(std::move(v)));
  }

  /// Delivers v if that needs no wait. Moves from v only when it returns try_status::ok.
  try_status try_send(T&& v) {
    detail::wake_list wakes;
    std::lock_guard lock(this->s_->mu);
    return this->s_->send_locked(v, wakes);
  }
  /// Copies v in if that needs no wait.
  try_status try_send(const T& v) {
    T copy(v);
    return try_send(std::move(copy));
  }

  /// A select case sending `v` (an lvalue: moved from only if this case fires).
  detail::send_case<T> send_case(T& v) noexcept { return {*this->s_, v}; }
  /// A select case sending `v` (owned; dropped if another case fires).
  detail::send_case<T> send_case(T&& v) noexcept { return {*this->s_, std::move(v)}; }

 private:
  friend std::pair<sender<T>, receiver<T>> channel<T>(std::size_t);
  friend std::pair<sender<T>, mpsc_receiver<T>> mpsc_channel<T>(std::size_t);
  explicit sender(const std::shared_ptr<detail::channel_state<T>>& s) noexcept
      : detail::channel_handle<T>(s, s->sender_handles) {}
};

/// The receiving half of an mpmc channel. Copies are more receivers, competing for values
/// (each value goes to exactly one of them).
template <class T>
class receiver : public detail::channel_handle<T> {
 public:
  /// An empty receiver, to assign a real one to later.
  receiver() noexcept = default;

  /// `co_await rx.recv()`: the next value, waiting while the channel is empty; nullopt once it
  /// is closed and drained.
  detail::wait_one<detail::recv_case<T>> recv() noexcept { return detail::wait_one<detail::recv_case<T>>(recv_case()); }

  /// The next value if there is one now; status tells `empty` from `closed` (and drained).
  try_recv_result<T> try_recv() {
    try_recv_result<T> r{try_status::empty, std::nullopt};
    detail::wake_list wakes;
    std::lock_guard lock(this->s_->mu);
    r.status = this->s_->recv_locked(r.value, wakes);
    return r;
  }

  /// A select case receiving one value (nullopt if the channel is closed and drained).
  detail::recv_case<T> recv_case() noexcept { return detail::recv_case<T>(*this->s_); }

 private:
  friend std::pair<sender<T>, receiver<T>> channel<T>(std::size_t);
  friend std::pair<sender<T>, mpsc_receiver<T>> mpsc_channel<T>(std::size_t);
  explicit receiver(const std::shared_ptr<detail::channel_state<T>>& s) noexcept
      : detail::channel_handle<T>(s, s->receiver_handles) {}
};

/// The single receiving half of an mpsc channel: like receiver<T>, but move-only.
template <class T>
class mpsc_receiver : private receiver<T> {
 public:
  mpsc_receiver(mpsc_receiver&&) noexcept = default;
  mpsc_receiver& operator=(mpsc_receiver&&) noexcept = default;
  mpsc_receiver(const mpsc_receiver&) = delete;
  mpsc_receiver& operator=(const mpsc_receiver&) = delete;
  ~mpsc_receiver() = default;

  using receiver<T>::recv;
  using receiver<T>::try_recv;
  using receiver<T>::recv_case;
  using receiver<T>::close;
  using receiver<T>::is_closed;
  using receiver<T>::size;
  using receiver<T>::capacity;
  using receiver<T>::valid;

 private:
  friend std::pair<sender<T>, mpsc_receiver<T>> mpsc_channel<T>(std::size_t);
  explicit mpsc_receiver(receiver<T> r) noexcept : receiver<T>(std::move(r)) {}
};

template <class T>
std::pair<sender<T>, receiver<T>> channel(std::size_t capacity) {
  auto s = std::make_shared<detail::channel_state<T>>(capacity);
  return {sender<T>(s), receiver<T>(s)};
}

template <class T>
std::pair<sender<T>, mpsc_receiver<T>> mpsc_channel(std::size_t capacity) {
  auto s = std::make_shared<detail::channel_state<T>>(capacity);
  return {sender<T>(s), mpsc_receiver<T>(receiver<T>(s))};
}

}  // namespace duet::sync
