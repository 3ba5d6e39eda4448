// A oneshot channel: one value (or one exception) from one task to another, like a promise and
// future for coroutines (tokio::sync::oneshot).
//
//     auto [tx, rx] = duet::sync::oneshot<int>();
//     spawn(worker(std::move(tx)));   // the worker calls tx.send(42) (or tx.set_exception(e))
//     int v = co_await rx;            // 42; rethrows e; throws channel_closed if tx was dropped
//
// The sender never waits: send() stores the value and wakes the receiver. Both ends are
// move-only and single-use. Waiting is a cancellation point; recv_case() makes it a select case.
#pragma once

#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <utility>

#include "duet/sync/detail/case_awaiter.hpp"
#include "duet/sync/error.hpp"

namespace duet::sync {

template <class T>
class oneshot_sender;
template <class T>
class oneshot_receiver;

/// Creates a connected oneshot sender and receiver.
template <class T>
std::pair<oneshot_sender<T>, oneshot_receiver<T>> oneshot();

namespace detail {
template <class T>
struct oneshot_state {
  std::mutex mu;  // guards everything below
  std::optional<T> value;
  std::exception_ptr error;
  bool done = false;           // sent, failed, or the sender is gone
  bool taken = false;          // the receiver took the outcome
  bool receiver_gone = false;  // nobody will ever look
  wait_queue waiters;          // the receiver's recv node(s)

  // Called once, by the sender: fill in the outcome with `fill`, then wake the receiver.
  template <class F>
  void complete(F&& fill) {
    wake_list wakes;
    std::lock_guard lock(mu);
    fill(*this);
    done = true;
    while (auto* n = waiters.pop_claimed<wait_node>()) wakes.push(*n->owner);
  }

  T take_locked() {
    if (taken) throw std::logic_error("duet::sync::oneshot: value already received");
    taken = true;
    if (error) std::rethrow_exception(error);
    if (!value) throw channel_closed("duet::sync::oneshot: sender dropped without sending");
    return std::move(*value);
  }
};

/// select case: receive the oneshot's value (rethrows its exception).
template <class T>
class oneshot_recv {
 public:
  using result_type = T;
  explicit oneshot_recv(oneshot_state<T>& s) noexcept : s_(&s) {}
  std::mutex& queue_mutex() noexcept { return s_->mu; }
  bool try_complete(wake_list&) const noexcept { return s_->done; }
  void enqueue(waiter& w, int index) noexcept {
    node_.owner = &w;
    node_.index = index;
    s_->waiters.push_back(node_);
  }
  void withdraw() noexcept {
    std::lock_guard lock(s_->mu);
    s_->waiters.withdraw(node_);
  }
  T take() {
    std::lock_guard lock(s_->mu);
    return s_->take_locked();
  }

 private:
  oneshot_state<T>* s_;
  wait_node node_;
};
}  // namespace detail

/// The sending end: send() or set_exception() once; dropping it unsent closes the oneshot.
template <class T>
class oneshot_sender {
 public:
  oneshot_sender(oneshot_sender&&) noexcept = default;
  oneshot_sender& operator=(oneshot_sender&& o) noexcept {
    if (this != &o) {
      close();
      s_ = std::move(o.s_);
    }
    return *this;
  }
  ~oneshot_sender() { close(); }

  /// Delivers v; returns false if the receiver is already gone (v is dropped). Throws
  /// std::logic_error if this sender was used (or moved from).
  bool send(T v) {
    return finish([&](detail::oneshot_state<T>& s) { s.value.emplace(std::move(v)); });
  }
  /// Delivers an exception, rethrown by the receiver.
  bool set_exception(std::exception_ptr e) {
    return finish([&](detail::oneshot_state<T>& s) { s.error = std::move(e); });
  }
  /// True once the receiver was dropped: a send would go nowhere.
  [[nodiscard]] bool is_closed() const {
    if (!s_) return true;
    std::lock_guard lock(s_->mu);
    return s_->receiver_gone;
  }

 private:
  friend std::pair<oneshot_sender<T>, oneshot_receiver<T>> oneshot<T>();
  explicit oneshot_sender(std::shared_ptr<detail::oneshot_state<T>> s) noexcept : s_(std::move(s)) {}

  template <class F>
  bool finish(F&& fill) {
    if (!s_) throw std::logic_error("duet::sync::oneshot_sender: already used");
    s_->complete(fill);  // if filling throws, s_ stays and our destructor closes the oneshot
    auto s = std::move(s_);
    std::lock_guard lock(s->mu);
    return !s->receiver_gone;
  }
  void close() noexcept {
    if (auto s = std::move(s_)) s->complete([](detail::oneshot_state<T>&) noexcept {});
  }

  std::shared_ptr<detail::oneshot_state<T>> s_;
};

/// The receiving end: `co_await rx` (or rx.recv()) yields the value once.
template <class T>
class oneshot_receiver {
 public:
  oneshot_receiver(oneshot_receiver&&) noexcept = default;
  oneshot_receiver& operator=(oneshot_receiver&& o) noexcept {
    if (this != &o) {
      drop();
      s_ = std::move(o.s_);
    }
    return *this;
  }
  ~oneshot_receiver() { drop(); }

  /// Waits for the value; rethrows a sent exception; throws channel_closed if the sender was
  /// dropped without sending, std::logic_error if the value was already received.
  detail::wait_one<detail::oneshot_recv<T>> recv() noexcept {
    return detail::wait_one<detail::oneshot_recv<T>>(recv_case());
  }
  detail::wait_one<detail::oneshot_recv<T>> operator co_await() noexcept { return recv(); }
  /// The value if it has arrived (throwing like recv()), nullopt if not yet.
  std::optional<T> try_recv() {
    std::lock_guard lock(s_->mu);
    if (!s_->done) return std::nullopt;
    return s_->take_locked();
  }
  /// A select case receiving the value.
  detail::oneshot_recv<T> recv_case() noexcept { return detail::oneshot_recv<T>(*s_); }

 private:
  friend std::pair<oneshot_sender<T>, oneshot_receiver<T>> oneshot<T>();
  explicit oneshot_receiver(std::shared_ptr<detail::oneshot_state<T>> s) noexcept : s_(std::move(s)) {}
  void drop() noexcept {
    if (!s_) return;
    std::lock_guard lock(s_->mu);
    s_->receiver_gone = true;
  }

  std::shared_ptr<detail::oneshot_state<T>> s_;
};

template <class T>
std::pair<oneshot_sender<T>, oneshot_receiver<T>> oneshot() {
  auto s = std::make_shared<detail::oneshot_state<T>>();
  return {oneshot_sender<T>(s), oneshot_receiver<T>(s)};
}

}  // namespace duet::sync
