// when_all / when_any: run tasks concurrently and combine them (tokio::join! / asyncio.gather,
// and tokio::select! over futures of one type).
//
//     auto [a, b] = co_await duet::when_all(fetch(x), fetch(y));
//     std::vector<page> pages = co_await duet::when_all(std::move(fetches));
//     auto [index, first] = co_await duet::when_any(std::move(mirrors));
//
// Children run as a task_group: the first failure cancels the rest and is rethrown after all
// have finished. when_any returns the first *successful* result and cancels the others; it
// waits for them to stop before returning (nothing outlives the call). If every child fails,
// the first failure is rethrown.
#pragma once

#include <atomic>
#include <cstddef>
#include <exception>
#include <optional>
#include <stdexcept>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "duet/task/task_group.hpp"

namespace duet {

namespace detail {
template <class T>
task<void> store_into(task<T> t, std::optional<stored_t<T>>& slot) {
  if constexpr (std::is_void_v<T>) {
    co_await std::move(t);
    slot.emplace();
  } else {
    slot.emplace(co_await std::move(t));
  }
}

template <class T>
struct any_state {
  std::atomic<bool> won{false};
  std::optional<std::pair<std::size_t, stored_t<T>>> result;
  std::exception_ptr first_error;
  std::atomic<bool> has_error{false};
};

template <class T>
task<void> race_one(task<T> t, std::size_t index, any_state<T>& st, task_group& g) {
  try {
    std::optional<stored_t<T>> v;
    co_await store_into(std::move(t), v);
    // acq_rel: one winner; its write of `result` is published by the group's completion.
    if (!st.won.exchange(true, std::memory_order_acq_rel)) {
      st.result.emplace(index, std::move(*v));
      g.cancel();
    }
  } catch (...) {
    // acq_rel: only the first failure is kept.
    if (!st.has_error.exchange(true, std::memory_order_acq_rel)) st.first_error = std::current_exception();
  }
}
}  // namespace detail

/// Runs every task concurrently; returns their results in order (void → std::monostate).
template <class... T>
task<std::tuple<detail::stored_t<T>...>> when_all(task<T>... tasks) {
  std::tuple<std::optional<detail::stored_t<T>>...> slots;
  {
    task_group g(co_await this_task::stop_token());
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      (g.spawn(detail::store_into(std::move(tasks), std::get<I>(slots))), ...);
    }(std::index_sequence_for<T...>{});
    co_await g.wait();
  }
  co_return std::apply([](auto&... s) { return std::tuple<detail::stored_t<T>...>(std::move(*s)...); }, slots);
}

/// Runs every task of the vector concurrently; returns their results in order.
template <class T>
task<std::vector<detail::stored_t<T>>> when_all(std::vector<task<T>> tasks) {
  std::vector<std::optional<detail::stored_t<T>>> slots(tasks.size());
  {
    task_group g(co_await this_task::stop_token());
    for (std::size_t i = 0; i < tasks.size(); ++i) g.spawn(detail::store_into(std::move(tasks[i]), slots[i]));
    co_await g.wait();
  }
  std::vector<detail::stored_t<T>> out;
  out.reserve(slots.size());
  for (auto& s : slots) out.push_back(std::move(*s));
  co_return out;
}

/// Runs the tasks concurrently; returns {index, value} of the first to succeed and cancels the
/// rest. Throws std::invalid_argument for an empty vector.
template <class T>
task<std::pair<std::size_t, detail::stored_t<T>>> when_any(std::vector<task<T>> tasks) {
  if (tasks.empty()) throw std::invalid_argument("duet::when_any: no tasks");
  detail::any_state<T> st;
  // race_one catches everything its child throws, so the group can only fail with the
  // cancelled_error of a child that was cancelled before its first run (the winner cancelled
  // it, or our parent was cancelled): not a failure when there is a winner.
  std::exception_ptr not_started;
  {
    task_group g(co_await this_task::stop_token());
    for (std::size_t i = 0; i < tasks.size(); ++i) g.spawn(detail::race_one(std::move(tasks[i]), i, st, g));
    try {
      co_await g.wait();
    } catch (...) {
      not_started = std::current_exception();
    }
  }
  if (st.result) co_return std::move(*st.result);
  if (st.first_error) std::rethrow_exception(st.first_error);
  if (not_started) std::rethrow_exception(not_started);
  throw cancelled_error();
}

/// Variadic form of when_any for tasks of one type.
template <class T, class... Ts>
  requires(std::is_same_v<T, Ts> && ...)
task<std::pair<std::size_t, detail::stored_t<T>>> when_any(task<T> first, task<Ts>... rest) {
  std::vector<task<T>> v;
  v.reserve(1 + sizeof...(rest));
  v.push_back(std::move(first));
  (v.push_back(std::move(rest)), ...);
  return when_any(std::move(v));
}

}  // namespace duet
