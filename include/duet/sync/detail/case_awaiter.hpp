// Internal: the one awaiter behind every sync wait. A plain wait (`co_await rx.recv()`,
// `co_await m.lock()`) is a select over a single case; select() is the same awaiter over
// several. See waiter.hpp for the claim/arm/fire protocol and select.hpp for what a case is.
#pragma once

#include <algorithm>
#include <array>
#include <concepts>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <stop_token>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>

#include "duet/sync/detail/waiter.hpp"
#include "duet/task/cancel.hpp"
#include "duet/task/promise.hpp"

namespace duet::sync {

/// Something select() can wait on; see select.hpp for the contract (and how a timer fits in).
template <class C>
concept select_case = std::move_constructible<C> && requires(C& c, detail::wake_list& wakes, detail::waiter& w) {
  typename C::result_type;
  { c.queue_mutex() } noexcept -> std::same_as<std::mutex&>;
  { c.try_complete(wakes) } -> std::same_as<bool>;
  { c.enqueue(w, 0) } noexcept;
  { c.withdraw() } noexcept;
  { c.take() } -> std::same_as<typename C::result_type>;
};

namespace detail {

/// A pseudo-random start for select's scan, so that an always-ready case cannot starve the rest.
inline std::size_t select_start(std::size_t n) noexcept {
  thread_local std::uint32_t s = 0x2545f491u;
  s ^= s << 13;
  s ^= s >> 17;
  s ^= s << 5;
  return s % n;
}

/// Locks a set of mutexes in address order (each once), so that selects over overlapping
/// channels cannot deadlock; unlocks in reverse order on destruction.
template <std::size_t N>
class lock_all {
 public:
  explicit lock_all(std::array<std::mutex*, N> ms) noexcept : ms_(ms) {
    std::sort(ms_.begin(), ms_.end(), std::less<>());
    n_ = static_cast<std::size_t>(std::unique(ms_.begin(), ms_.end()) - ms_.begin());
    for (std::size_t i = 0; i < n_; ++i) ms_[i]->lock();
  }
  lock_all(const lock_all&) = delete;
  lock_all& operator=(const lock_all&) = delete;
  ~lock_all() {
    for (std::size_t i = n_; i-- > 0;) ms_[i]->unlock();
  }

 private:
  std::array<std::mutex*, N> ms_;
  std::size_t n_ = 0;
};

template <select_case... Cases>
class case_awaiter {
 protected:
  static constexpr std::size_t count = sizeof...(Cases);
  static_assert(count > 0, "duet::sync::select needs at least one case");

 public:
  explicit case_awaiter(Cases... cs) noexcept((std::is_nothrow_move_constructible_v<Cases> && ...))
      : cases_(std::move(cs)...) {}
  case_awaiter(const case_awaiter&) = delete;
  case_awaiter& operator=(const case_awaiter&) = delete;
  // A frame destroyed while suspended here (never resumed) must not leave nodes linked.
  ~case_awaiter() {
    if (enqueued_ && !finished_) withdraw_except(-1);
  }

  bool await_ready() const noexcept { return false; }

  template <class P>
  bool await_suspend(std::coroutine_handle<P> h) {
    const std::stop_token* token = nullptr;
    if constexpr (std::is_base_of_v<duet::detail::promise_base, P>) {
      const duet::detail::promise_base& p = h.promise();
      // Every wait is a cancellation point: a cancelled task does not even try the operation,
      // so nothing is taken from (or given to) the primitive.
      if (p.cancel_requested()) {
        waiter_.complete_inline(waiter::cancelled);
        return false;
      }
      token = p.stop_;
    }
    {
      wake_list wakes;  // declared first: fires after the locks are released
      lock_all<count> lock(mutexes(std::index_sequence_for<Cases...>{}));
      const std::size_t start = count > 1 ? select_start(count) : 0;
      for (std::size_t k = 0; k < count; ++k) {
        const std::size_t i = (start + k) % count;
        if (try_complete_at(i, wakes, std::index_sequence_for<Cases...>{})) {
          waiter_.complete_inline(static_cast<int>(i));
          return false;
        }
      }
      std::apply([this](Cases&... c) { enqueue_all(c...); }, cases_);
      enqueued_ = true;
    }
    return waiter_.arm(h, token);
  }

 protected:
  /// Cleans up after the wait and returns the winning case; throws cancelled_error if the stop
  /// callback (or the cancellation check) won.
  int finish() {
    waiter_.disarm();
    const int won = waiter_.winner();
    if (enqueued_) withdraw_except(won);  // the winner's node was unlinked by its claimer
    finished_ = true;
    if (won == waiter::cancelled) throw cancelled_error();
    return won;
  }

  std::tuple<Cases...> cases_;

 private:
  template <std::size_t... I>
  std::array<std::mutex*, count> mutexes(std::index_sequence<I...>) noexcept {
    return {&std::get<I>(cases_).queue_mutex()...};
  }
  template <std::size_t... I>
  bool try_complete_at(std::size_t i, wake_list& wakes, std::index_sequence<I...>) {
    bool done = false;
    (void)((i == I ? (done = std::get<I>(cases_).try_complete(wakes), true) : false) || ...);
    return done;
  }
  void enqueue_all(Cases&... c) noexcept {
    int i = 0;
    (c.enqueue(waiter_, i++), ...);
  }
  void withdraw_except(int won) noexcept {
    std::apply(
        [won](Cases&... c) {
          int i = 0;
          ((i++ != won ? c.withdraw() : void()), ...);
        },
        cases_);
  }

  waiter waiter_;
  bool enqueued_ = false;
  bool finished_ = false;
};

/// A wait on one case: `co_await` yields that case's result.
template <select_case C>
class [[nodiscard]] wait_one : public case_awaiter<C> {
 public:
  using case_awaiter<C>::case_awaiter;
  typename C::result_type await_resume() {
    this->finish();
    return std::get<0>(this->cases_).take();
  }
};

/// A case's result as a variant alternative: void becomes std::monostate.
template <class R>
using alternative_t = std::conditional_t<std::is_void_v<R>, std::monostate, R>;

/// A wait on several cases: `co_await` yields a variant whose index() is the case that fired.
template <select_case... Cases>
class [[nodiscard]] select_awaiter : public case_awaiter<Cases...> {
 public:
  using result_type = std::variant<alternative_t<typename Cases::result_type>...>;
  using case_awaiter<Cases...>::case_awaiter;

  result_type await_resume() { return take_at<0>(this->finish()); }

 private:
  template <std::size_t I>
  result_type take_at(int won) {
    if constexpr (I + 1 < sizeof...(Cases)) {
      if (won != static_cast<int>(I)) return take_at<I + 1>(won);
    }
    auto& c = std::get<I>(this->cases_);
    if constexpr (std::is_void_v<decltype(c.take())>) {
      c.take();
      return result_type(std::in_place_index<I>);
    } else {
      return result_type(std::in_place_index<I>, c.take());
    }
  }
};

}  // namespace detail
}  // namespace duet::sync
