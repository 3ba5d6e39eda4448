// Internal: the waiting machinery every sync primitive shares.
//
// One suspended coroutine is one `waiter`; each operation it waits on (one for recv/lock/acquire,
// several for select) is one `wait_node`, linked into that primitive's `wait_queue` under the
// primitive's std::mutex. Waiters live in the awaiter, in the coroutine frame: waiting never
// allocates.
//
// The protocol (Go's select, with a CAS deciding the winner):
//
//  claim     Whoever completes a wait CASes waiter::winner_ from `open` to the node's case index
//            (a waker, holding the mutex of the queue the node is in) or to `cancelled` (the stop
//            callback, holding no lock). Exactly one claim succeeds. A waker whose claim fails
//            treats the node as dead, unlinks it and moves on: a value or a permit is only ever
//            handed to the case that won, so a withdrawn case never loses one.
//  unlink    A waker that claims a linked node unlinks it in the same critical section. Only the
//            stop callback claims without unlinking; the owner then withdraws every node.
//  fire      The claimer stores the result in the node, releases its lock, then calls fire()
//            (through a wake_list): fire posts the coroutine to the executor it suspended on.
//            Nothing is ever resumed inline, under a lock or not.
//  arm       The owner links its nodes with every involved mutex held (so nobody can claim it
//            while it registers), releases them, registers its stop callback and then arms.
//            phase_ goes registering -> armed -> fired (the firer posts), or
//            registering -> fired -> (arm sees `fired` and the owner does not suspend at all).
//  withdraw  After resuming, the owner unlinks its nodes that are still linked (under each
//            primitive's mutex) and deregisters the stop callback, which waits for a callback
//            running on another thread to return.
#pragma once

#include <atomic>
#include <coroutine>
#include <optional>
#include <stop_token>

#include "duet/core/job.hpp"
#include "duet/sched/executor.hpp"
#include "duet/sched/thread_pool.hpp"

namespace duet::sync::detail {

class waiter;

/// One operation a waiter waits on, linked into a primitive's wait_queue.
struct wait_node {
  wait_node* prev = nullptr;
  wait_node* next = nullptr;
  waiter* owner = nullptr;
  int index = 0;        // the case index inside the owner (0 for a plain wait)
  bool linked = false;  // guarded by the mutex of the primitive whose queue holds the node

  /// Tries to win the owner's wait for this node (see "claim" above).
  inline bool claim() noexcept;
};

/// An intrusive FIFO of wait_nodes; every call is made under the owning primitive's mutex.
class wait_queue {
 public:
  [[nodiscard]] bool empty() const noexcept { return head_ == nullptr; }
  [[nodiscard]] wait_node* front() const noexcept { return head_; }

  void push_back(wait_node& n) noexcept {
    n.prev = tail_;
    n.next = nullptr;
    if (tail_ != nullptr)
      tail_->next = &n;
    else
      head_ = &n;
    tail_ = &n;
    n.linked = true;
  }

  void remove(wait_node& n) noexcept {
    if (n.prev != nullptr)
      n.prev->next = n.next;
    else
      head_ = n.next;
    if (n.next != nullptr)
      n.next->prev = n.prev;
    else
      tail_ = n.prev;
    n.prev = n.next = nullptr;
    n.linked = false;
  }

  /// Unlinks `n` if it is still linked.
  void withdraw(wait_node& n) noexcept {
    if (n.linked) remove(n);
  }

  /// Unlinks nodes from the front until one is claimed and returns it; dead ones (claimed
  /// elsewhere: cancelled, or their select completed another case) are dropped on the way.
  template <class Node>
  Node* pop_claimed() noexcept {
    while (wait_node* n = head_) {
      remove(*n);
      if (n->claim()) return static_cast<Node*>(n);
    }
    return nullptr;
  }

  /// Drops dead nodes from the front, so that front() is a waiter that was open when looked at.
  inline void prune_front() noexcept;

 private:
  wait_node* head_ = nullptr;
  wait_node* tail_ = nullptr;
};

/// A suspended coroutine waiting on one or more wait_nodes; it is the job that resumes it.
class waiter : public duet::detail::job {
 public:
  static constexpr int open = -1;       // nobody has completed the wait yet
  static constexpr int cancelled = -2;  // the stop callback won

  waiter() noexcept { run_ = &resume_job; }
  waiter(const waiter&) = delete;
  waiter& operator=(const waiter&) = delete;
  ~waiter() = default;

  /// Tries to win the wait for case `index` (or `cancelled`).
  bool try_claim(int index) noexcept {
    int expected = open;
    // relaxed: only atomicity matters here (one winner). The winner's result is published to
    // the owner by fire()'s release exchange (or the executor's post), never by this CAS.
    return winner_.compare_exchange_strong(expected, index, std::memory_order_relaxed);
  }
  /// Marks the wait complete by the owner itself, before any node was visible to others.
  void complete_inline(int index) noexcept {
    // relaxed: no other thread knows this waiter yet; the owner reads it back itself.
    winner_.store(index, std::memory_order_relaxed);
  }
  /// The case that won; read by the owner once resumed (or having completed inline).
  [[nodiscard]] int winner() const noexcept {
    // relaxed: the owner resumes only after fire()/arm() synchronised with the claimer (see
    // there), which claimed before firing.
    return winner_.load(std::memory_order_relaxed);
  }
  /// False once any claim succeeded: a hint for wakers pruning dead nodes.
  [[nodiscard]] bool is_open() const noexcept {
    // relaxed: a claim is final, so a non-open answer is always right; an open answer may be
    // stale, and callers then claim (CAS) before relying on it.
    return winner_.load(std::memory_order_relaxed) == open;
  }

  /// Called exactly once, by the claimer, after it stored the result and released its lock.
  void fire() noexcept {
    // acq_rel: the release publishes the result (and the claim) to the owner, pairing with the
    // acquire in arm() if the owner has not armed yet; the acquire pairs with arm()'s release
    // so that handle_ and ex_ are visible before we post. Once we see `registering`, the owner
    // resumes by itself: touch nothing after the exchange.
    if (phase_.exchange(fired, std::memory_order_acq_rel) == armed) ex_->post(*this);
  }

  /// Prepares to suspend `h`: remembers where to resume it, registers the stop callback and
  /// arms. Returns false if the wait was already completed (the caller must not suspend).
  bool arm(std::coroutine_handle<> h, const std::stop_token* token) {
    handle_ = h;
    duet::executor* ex = duet::detail::current_executor();
    ex_ = ex != nullptr ? ex : &duet::detail::ambient_pool();
    // May run the callback inline if stop was already requested: it claims `cancelled` and
    // fires while phase_ is still `registering`, so the exchange below sees `fired`.
    if (token != nullptr && token->stop_possible()) on_stop_.emplace(*token, stop_fn{this});
    // acq_rel: the release publishes handle_/ex_ to a firer (pairs with fire()'s acquire); the
    // acquire pairs with fire()'s release when it completed us first, so its result is visible.
    // After this exchange returns `registering`, another thread may already resume the
    // coroutine: the caller returns at once.
    return phase_.exchange(armed, std::memory_order_acq_rel) != fired;
  }

  /// Deregisters the stop callback (waiting for one running on another thread to return).
  void disarm() noexcept { on_stop_.reset(); }

 private:
  friend class wake_list;

  struct stop_fn {
    waiter* self;
    void operator()() const noexcept {
      if (self->try_claim(cancelled)) self->fire();
    }
  };

  static void resume_job(duet::detail::job* j) noexcept { static_cast<waiter*>(j)->handle_.resume(); }

  static constexpr int registering = 0, armed = 1, fired = 2;

  std::coroutine_handle<> handle_;
  duet::executor* ex_ = nullptr;
  std::atomic<int> winner_{open};        // written by claimers (CAS), read by the owner
  std::atomic<int> phase_{registering};  // the arm/fire handshake
  std::optional<std::stop_callback<stop_fn>> on_stop_;
  waiter* next_fire_ = nullptr;  // wake_list link, used by the claimer only
};

inline bool wait_node::claim() noexcept { return owner->try_claim(index); }

inline void wait_queue::prune_front() noexcept {
  // A node whose owner's winner is no longer `open` can never be claimed again.
  while (head_ != nullptr && !head_->owner->is_open()) remove(*head_);
}

/// The waiters a critical section claimed, fired in FIFO order once it has released its lock:
/// declare it before the lock guard, so that its destructor runs after the unlock.
class wake_list {
 public:
  wake_list() = default;
  wake_list(const wake_list&) = delete;
  wake_list& operator=(const wake_list&) = delete;
  ~wake_list() { fire_all(); }

  void push(waiter& w) noexcept {
    w.next_fire_ = nullptr;
    if (tail_ != nullptr)
      tail_->next_fire_ = &w;
    else
      head_ = &w;
    tail_ = &w;
  }

  void fire_all() noexcept {
    while (waiter* w = head_) {
      head_ = w->next_fire_;  // read before firing: a fired waiter may be gone at once
      w->fire();
    }
    tail_ = nullptr;
  }

 private:
  waiter* head_ = nullptr;
  waiter* tail_ = nullptr;
};

}  // namespace duet::sync::detail
