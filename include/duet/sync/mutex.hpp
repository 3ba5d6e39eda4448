// An async mutex: waiting for it suspends the task, never the thread (tokio::sync::Mutex,
// cppcoro::async_mutex).
//
//     duet::sync::mutex m;
//     {
//       auto guard = co_await m.lock();   // mutex_guard: unlocks when it goes out of scope
//       shared.push_back(x);              // may co_await while holding the lock
//     }
//
// Fairness: strict FIFO hand-off. unlock() passes ownership straight to the task that has
// waited longest (it never becomes free in between), so no waiter starves and a task that
// keeps re-locking cannot overtake the queue. lock() is a cancellation point: a waiting task
// whose stop token fires wakes with cancelled_error without the lock. Not recursive.
#pragma once

#include <cassert>
#include <mutex>
#include <utility>

#include "duet/sync/detail/case_awaiter.hpp"

namespace duet::sync {

class mutex;

/// Owns a lock on a duet::sync::mutex and unlocks it when destroyed (like std::unique_lock).
class [[nodiscard]] mutex_guard {
 public:
  mutex_guard() noexcept = default;
  explicit mutex_guard(mutex& m) noexcept : m_(&m) {}
  mutex_guard(mutex_guard&& o) noexcept : m_(std::exchange(o.m_, nullptr)) {}
  mutex_guard& operator=(mutex_guard&& o) noexcept {
    if (this != &o) {
      unlock();
      m_ = std::exchange(o.m_, nullptr);
    }
    return *this;
  }
  mutex_guard(const mutex_guard&) = delete;
  mutex_guard& operator=(const mutex_guard&) = delete;
  ~mutex_guard() { unlock(); }

  /// True while this guard holds the lock.
  [[nodiscard]] bool owns_lock() const noexcept { return m_ != nullptr; }
  explicit operator bool() const noexcept { return owns_lock(); }
  /// Unlocks early (no-op if not holding).
  inline void unlock() noexcept;
  /// Gives up ownership without unlocking; the caller must call mutex::unlock() itself.
  mutex* release() noexcept { return std::exchange(m_, nullptr); }

 private:
  mutex* m_ = nullptr;
};

class mutex {
 public:
  mutex() = default;
  mutex(const mutex&) = delete;
  mutex& operator=(const mutex&) = delete;
  ~mutex() { assert(!locked_ && "duet::sync::mutex destroyed while locked"); }

  /// select case: acquire the lock; yields a mutex_guard.
  class lock_op {
   public:
    using result_type = mutex_guard;
    explicit lock_op(mutex& m) noexcept : m_(&m) {}
    std::mutex& queue_mutex() noexcept { return m_->mu_; }
    bool try_complete(detail::wake_list&) noexcept { return std::exchange(m_->locked_, true) == false; }
    void enqueue(detail::waiter& w, int index) noexcept {
      node_.owner = &w;
      node_.index = index;
      m_->waiters_.push_back(node_);
    }
    void withdraw() noexcept {
      std::lock_guard lock(m_->mu_);
      m_->waiters_.withdraw(node_);
    }
    mutex_guard take() noexcept { return mutex_guard(*m_); }

   private:
    duet::sync::mutex* m_;
    detail::wait_node node_;
  };

  /// `auto guard = co_await m.lock();` waits (suspending the task) until the lock is free.
  detail::wait_one<lock_op> lock() noexcept { return detail::wait_one<lock_op>(lock_op(*this)); }
  /// Takes the lock if it is free now; the guard is empty otherwise.
  mutex_guard try_lock() noexcept {
    std::lock_guard lock(mu_);
    if (locked_) return {};
    locked_ = true;
    return mutex_guard(*this);
  }
  /// Releases the lock, handing it to the longest waiter if any. Called by mutex_guard; call it
  /// directly only after mutex_guard::release().
  void unlock() noexcept {
    detail::wake_list wakes;
    std::lock_guard lock(mu_);
    assert(locked_ && "duet::sync::mutex::unlock() without lock");
    if (auto* n = waiters_.pop_claimed<detail::wait_node>())
      wakes.push(*n->owner);  // ownership passes on: locked_ stays true
    else
      locked_ = false;
  }
  /// True while some task holds the lock (a snapshot).
  [[nodiscard]] bool is_locked() noexcept {
    std::lock_guard lock(mu_);
    return locked_;
  }

 private:
  std::mutex mu_;               // guards locked_ and waiters_
  bool locked_ = false;         // while true, live waiters queue; unlock hands off to them
  detail::wait_queue waiters_;  // FIFO of lock_op nodes
};

inline void mutex_guard::unlock() noexcept {
  if (m_ != nullptr) std::exchange(m_, nullptr)->unlock();
}

}  // namespace duet::sync
