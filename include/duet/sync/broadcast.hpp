// A broadcast channel: every receiver sees every value sent after it subscribed
// (tokio::sync::broadcast).
//
//     auto [tx, rx] = duet::sync::broadcast<event>(64);
//     auto rx2 = tx.subscribe();                 // sees values sent from now on
//     tx.send(e);                                // never waits
//     while (auto v = co_await rx.recv()) ...    // a copy of each value; nullopt once closed
//
// Lagging receivers: the channel keeps the last `capacity` values, and a send never waits for
// slow receivers (one stalled subscriber must not stall the rest). A receiver that falls more
// than `capacity` values behind loses the oldest ones: its next recv() throws lagged_error
// (with the count missed) and the one after continues from the oldest value still held.
//
// Closing: close(), or dropping every sender; receivers drain what they have not read, then get
// nullopt. Copying a receiver makes one at the same position. T must be copyable; each receiver
// gets its own copy. Values stay in the ring until overwritten. recv() is a cancellation point.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

#include "duet/sync/detail/case_awaiter.hpp"
#include "duet/sync/error.hpp"

namespace duet::sync {

template <class T>
class broadcast_sender;
template <class T>
class broadcast_receiver;

/// Creates a broadcast channel keeping the last `capacity` (> 0) values.
template <class T>
std::pair<broadcast_sender<T>, broadcast_receiver<T>> broadcast(std::size_t capacity);

namespace detail {
template <class T>
struct broadcast_state {
  explicit broadcast_state(std::size_t cap) : slots(cap) {}

  // Reads the value at `next` for a receiver: ok (value copied, next advanced), empty, closed,
  // or `lagged` (next moved to the oldest value held; `missed` set).
  enum class read : std::uint8_t { ok, empty, closed, lagged };
  read read_locked(std::uint64_t& next, std::optional<T>& out, std::uint64_t& missed) const {
    const std::uint64_t cap = slots.size();
    if (tail - next > cap) {
      missed = tail - cap - next;
      next = tail - cap;
      return read::lagged;
    }
    if (next == tail) return closed ? read::closed : read::empty;
    out.emplace(*slots[next % cap]);  // NOLINT(bugprone-unchecked-optional-access): next < tail, so set
    ++next;
    return read::ok;
  }

  std::mutex mu;  // guards everything up to `waiters`
  std::vector<std::optional<T>> slots;
  std::uint64_t tail = 0;  // sequence number of the next value sent
  bool closed = false;
  wait_queue waiters;                            // receivers waiting with next == tail
  std::atomic<std::size_t> sender_handles{1};    // the last one dropped closes
  std::atomic<std::size_t> receiver_handles{1};  // reported by send()
};

/// select case: receive the next broadcast value.
template <class T>
class broadcast_recv {
 public:
  using result_type = std::optional<T>;
  broadcast_recv(broadcast_state<T>& s, std::uint64_t& next) noexcept : s_(&s), next_(&next) {}
  std::mutex& queue_mutex() noexcept { return s_->mu; }
  bool try_complete(wake_list&) {
    state_ = s_->read_locked(*next_, value_, missed_);
    return state_ != read::empty;
  }
  void enqueue(waiter& w, int index) noexcept {
    node_.owner = &w;
    node_.index = index;
    s_->waiters.push_back(node_);
  }
  void withdraw() noexcept {
    std::lock_guard lock(s_->mu);
    s_->waiters.withdraw(node_);
  }
  std::optional<T> take() {
    if (state_ == read::empty) {  // woken by a send or close: read now
      std::lock_guard lock(s_->mu);
      state_ = s_->read_locked(*next_, value_, missed_);
    }
    if (state_ == read::lagged) throw lagged_error(missed_);
    return std::move(value_);
  }

 private:
  using read = typename broadcast_state<T>::read;
  broadcast_state<T>* s_;
  std::uint64_t* next_;  // the receiver's cursor
  wait_node node_;
  read state_ = read::empty;
  std::optional<T> value_;
  std::uint64_t missed_ = 0;
};

// Counts handles of one kind; `on_last` runs when the last one goes.
inline void drop_handle(std::atomic<std::size_t>& handles, auto&& on_last) {
  // acq_rel: the release orders this handle's sends before the drop; the last dropper's
  // acquire pairs with the others' releases, so all their sends happen before the close.
  if (handles.fetch_sub(1, std::memory_order_acq_rel) == 1) on_last();
}
}  // namespace detail

/// The sending half: copies are more senders; the last one dropped closes the channel.
template <class T>
class broadcast_sender {
 public:
  broadcast_sender(const broadcast_sender& o) noexcept : s_(o.s_) {
    // relaxed: copied from a live sender, so the count cannot reach zero meanwhile.
    if (s_) s_->sender_handles.fetch_add(1, std::memory_order_relaxed);
  }
  broadcast_sender(broadcast_sender&&) noexcept = default;
  broadcast_sender& operator=(broadcast_sender o) noexcept {
    std::swap(s_, o.s_);
    return *this;
  }
  ~broadcast_sender() {
    if (s_) detail::drop_handle(s_->sender_handles, [this] { close(); });
  }

  /// Stores v for every receiver and wakes the waiting ones; never waits. Returns how many
  /// receivers exist (a snapshot). Throws channel_closed after close().
  std::size_t send(T v) {
    detail::wake_list wakes;
    std::lock_guard lock(s_->mu);
    if (s_->closed) throw channel_closed("duet::sync: send on a closed broadcast channel");
    s_->slots[s_->tail % s_->slots.size()].emplace(std::move(v));
    ++s_->tail;
    while (auto* n = s_->waiters.template pop_claimed<detail::wait_node>()) wakes.push(*n->owner);
    // relaxed: a snapshot for the caller; the mutex orders the value itself.
    return s_->receiver_handles.load(std::memory_order_relaxed);
  }
  /// A new receiver that sees the values sent from now on.
  broadcast_receiver<T> subscribe() {
    std::lock_guard lock(s_->mu);
    // relaxed: like a copy, the new handle is made while this sender keeps the state alive.
    s_->receiver_handles.fetch_add(1, std::memory_order_relaxed);
    return broadcast_receiver<T>(s_, s_->tail);
  }
  /// Closes the channel: receivers drain, then get nullopt.
  void close() noexcept {
    detail::wake_list wakes;
    std::lock_guard lock(s_->mu);
    s_->closed = true;
    while (auto* n = s_->waiters.template pop_claimed<detail::wait_node>()) wakes.push(*n->owner);
  }

 private:
  friend std::pair<broadcast_sender<T>, broadcast_receiver<T>> broadcast<T>(std::size_t);
  explicit broadcast_sender(std::shared_ptr<detail::broadcast_state<T>> s) noexcept : s_(std::move(s)) {}
  std::shared_ptr<detail::broadcast_state<T>> s_;
};

/// A receiving half: sees every value sent after it was created, in order.
template <class T>
class broadcast_receiver {
 public:
  broadcast_receiver(const broadcast_receiver& o) noexcept : s_(o.s_), next_(o.next_) {
    // relaxed: copied from a live receiver; the count is only a snapshot for send().
    s_->receiver_handles.fetch_add(1, std::memory_order_relaxed);
  }
  broadcast_receiver(broadcast_receiver&& o) noexcept = default;
  broadcast_receiver& operator=(broadcast_receiver o) noexcept {
    std::swap(s_, o.s_);
    std::swap(next_, o.next_);
    return *this;
  }
  ~broadcast_receiver() {
    // relaxed: only a count reported by send(); nothing is published through it.
    if (s_) s_->receiver_handles.fetch_sub(1, std::memory_order_relaxed);
  }

  /// `co_await rx.recv()`: a copy of the next value; nullopt once closed and drained; throws
  /// lagged_error if values were lost (see above).
  detail::wait_one<detail::broadcast_recv<T>> recv() noexcept {
    return detail::wait_one<detail::broadcast_recv<T>>(recv_case());
  }
  /// The next value if there is one now (status ok), else `empty` or `closed` (and drained);
  /// throws lagged_error like recv().
  try_recv_result<T> try_recv() {
    using read = typename detail::broadcast_state<T>::read;
    try_recv_result<T> r{try_status::empty, std::nullopt};
    std::uint64_t missed = 0;
    std::lock_guard lock(s_->mu);
    switch (s_->read_locked(next_, r.value, missed)) {
      case read::ok:
        r.status = try_status::ok;
        break;
      case read::empty:
        break;
      case read::closed:
        r.status = try_status::closed;
        break;
      case read::lagged:
        throw lagged_error(missed);
    }
    return r;
  }
  /// A select case receiving the next value.
  detail::broadcast_recv<T> recv_case() noexcept { return detail::broadcast_recv<T>(*s_, next_); }

 private:
  friend class broadcast_sender<T>;
  friend std::pair<broadcast_sender<T>, broadcast_receiver<T>> broadcast<T>(std::size_t);
  broadcast_receiver(std::shared_ptr<detail::broadcast_state<T>> s, std::uint64_t next) noexcept
      : s_(std::move(s)), next_(next) {}
  std::shared_ptr<detail::broadcast_state<T>> s_;
  std::uint64_t next_;  // sequence number of the next value to read; used only through this handle
};

template <class T>
std::pair<broadcast_sender<T>, broadcast_receiver<T>> broadcast(std::size_t capacity) {
  if (capacity == 0) throw std::invalid_argument("duet::sync::broadcast: capacity must be > 0");
  auto s = std::make_shared<detail::broadcast_state<T>>(capacity);
  return {broadcast_sender<T>(s), broadcast_receiver<T>(s, 0)};
}

}  // namespace duet::sync
