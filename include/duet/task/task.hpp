// duet::task<T>: a lazy coroutine. Nothing runs until it is awaited, spawned or block_on'd.
//
//     duet::task<int> answer() { co_return 42; }
//     duet::task<int> twice() { co_return 2 * co_await answer(); }
//
// Awaiting uses symmetric transfer, so a chain of a million nested co_awaits does not grow the
// stack (clang at every -O level; GCC 12 only performs the tail call at -O2 and above).
// Exceptions thrown inside propagate to the awaiter. Move-only; destroying a task that never
// ran simply frees it.
#pragma once

#include <coroutine>
#include <exception>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

#include "duet/task/promise.hpp"

namespace duet {

template <class T = void>
class task;

namespace detail {

template <class T>
class task_promise : public promise_base {
 public:
  task<T> get_return_object() noexcept;
  template <class U>
    requires std::is_convertible_v<U&&, T>
  void return_value(U&& v) noexcept(std::is_nothrow_constructible_v<T, U&&>) {
    value_.emplace(std::forward<U>(v));
  }
  // Moves the exception out: the frame may be destroyed on the completing thread after the
  // consumer caught it, and only the consumer should then hold (and free) it.
  T take() {
    if (error_) std::rethrow_exception(std::move(error_));
    // NOLINTNEXTLINE(bugprone-unchecked-optional-access): a task without error_ returned a value
    return std::move(*value_);
  }

 private:
  std::optional<T> value_;
};

template <>
class task_promise<void> : public promise_base {
 public:
  task<void> get_return_object() noexcept;
  void return_void() noexcept {}
  void take() {
    if (error_) std::rethrow_exception(std::move(error_));  // see task_promise<T>::take
  }
};

}  // namespace detail

template <class T>
class [[nodiscard]] task {
  static_assert(!std::is_reference_v<T>, "task<T&> is not supported; return a pointer or value");

 public:
  using promise_type = detail::task_promise<T>;
  using handle_type = std::coroutine_handle<promise_type>;
  using value_type = T;

  task() noexcept = default;
  explicit task(handle_type h) noexcept : h_(h) {}
  task(task&& o) noexcept : h_(std::exchange(o.h_, {})) {}
  task& operator=(task&& o) noexcept {
    if (this != &o) {
      if (h_) h_.destroy();
      h_ = std::exchange(o.h_, {});
    }
    return *this;
  }
  task(const task&) = delete;
  task& operator=(const task&) = delete;
  ~task() {
    if (h_) h_.destroy();
  }

  /// True if this object holds a coroutine.
  [[nodiscard]] bool valid() const noexcept { return static_cast<bool>(h_); }

  /// Gives up ownership of the coroutine (used by spawn).
  handle_type release() noexcept { return std::exchange(h_, {}); }

  struct awaiter {
    handle_type h;
    bool await_ready() const noexcept { return false; }
    template <class P>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<P> parent) noexcept {
      h.promise().continuation_ = parent;
      // A child observes its parent's cancellation.
      if constexpr (std::is_base_of_v<detail::promise_base, P>) h.promise().stop_ = parent.promise().stop_;
      return h;
    }
    T await_resume() { return h.promise().take(); }
  };

  /// Runs the task to completion inline (symmetric transfer) and returns its value.
  awaiter operator co_await() && noexcept { return awaiter{h_}; }
  awaiter operator co_await() & noexcept { return awaiter{h_}; }

 private:
  handle_type h_;
};

namespace detail {
template <class T>
task<T> task_promise<T>::get_return_object() noexcept {
  return task<T>(std::coroutine_handle<task_promise<T>>::from_promise(*this));
}
inline task<void> task_promise<void>::get_return_object() noexcept {
  return task<void>(std::coroutine_handle<task_promise<void>>::from_promise(*this));
}

/// A task's result type as stored in tuples and vectors: void becomes std::monostate.
template <class T>
using stored_t = std::conditional_t<std::is_void_v<T>, std::monostate, T>;
}  // namespace detail

}  // namespace duet
