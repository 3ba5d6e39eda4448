// Fork-join for plain callables, after Rayon's `join`: no coroutine frame, no allocation.
//
//     auto [a, b] = duet::join([&] { return fib(n - 1); }, [&] { return fib(n - 2); });
//
// On a worker of a pool: `g` is pushed on the worker's deque as a job that lives on this stack
// frame, `f` runs here, then `g` is popped back and run inline, unless a thief stole it; then
// the caller helps (runs its own leftovers and steals other work) until `g` is done, and only
// sleeps when there is nothing to help with. From a thread outside every pool the whole join
// moves onto the ambient pool (the runtime's CPU pool, or a process-wide one) and the caller
// blocks. Exceptions: if `f` throws, a `g` that was not stolen is skipped; if it was stolen it
// is waited for (it may use this stack). The first exception (f's, then g's) is rethrown.
#pragma once

#include <exception>
#include <functional>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

#include "duet/core/latch.hpp"
#include "duet/sched/thread_pool.hpp"
#include "duet/sched/worker.hpp"

namespace duet {

namespace detail {

/// void results become std::monostate so that join can return a pair.
template <class F>
using join_value_t =
    std::conditional_t<std::is_void_v<std::invoke_result_t<F&>>, std::monostate, std::invoke_result_t<F&>>;

template <class F>
join_value_t<F> invoke_value(F& f) {
  if constexpr (std::is_void_v<std::invoke_result_t<F&>>) {
    std::invoke(f);
    return {};
  } else {
    return std::invoke(f);
  }
}

/// The stealable half of a join, living on the joining thread's stack.
template <class G>
struct join_job : job {
  explicit join_job(G& g) : fn(g) { run_ = &execute; }
  static void execute(job* self) noexcept {
    auto* j = static_cast<join_job*>(self);
    try {
      j->result.emplace(invoke_value(j->fn));
    } catch (...) {
      j->error = std::current_exception();
    }
    // Read before set(): once the flag is up the joiner may return and this frame is gone.
    worker* thief = tls_worker;
    j->done.set();
    // A joiner that found nothing to help with parks on the pool's eventcount (help_until).
    if (thief != nullptr) thief->pool->sleepers().notify_all();
  }
  G& fn;
  std::optional<join_value_t<G>> result;
  std::exception_ptr error;
  latch_flag done;
};

/// Waits for a stolen job on worker `w`, helping with other work meanwhile.
void help_until(worker& w, latch_flag& done) noexcept;
/// Runs `j` on a worker of `pool` and blocks the calling (non-worker) thread until it is done.
void run_on_pool_and_wait(thread_pool& pool, job& j, latch_flag& done) noexcept;

}  // namespace detail

/// Runs `f` and `g`, potentially in parallel, and returns both results (void → std::monostate).
template <class F, class G>
auto join(F&& f, G&& g) -> std::pair<detail::join_value_t<F>, detail::join_value_t<G>> {
  using A = detail::join_value_t<F>;
  using B = detail::join_value_t<G>;
  detail::worker* w = detail::tls_worker;
  if (w == nullptr) [[unlikely]] {
    // Cold path: move the whole join onto a pool.
    std::optional<std::pair<A, B>> out;
    std::exception_ptr error;
    auto body = [&] {
      try {
        out.emplace(join(f, g));
      } catch (...) {
        error = std::current_exception();
      }
    };
    detail::join_job<decltype(body)> jb(body);
    detail::run_on_pool_and_wait(detail::ambient_pool(), jb, jb.done);
    if (error) std::rethrow_exception(error);
    return std::move(*out);
  }

  detail::join_job<std::remove_reference_t<G>> jb(g);
  w->push(&jb);
  std::optional<A> a;
  std::exception_ptr error;
  try {
    a.emplace(detail::invoke_value(f));
  } catch (...) {
    error = std::current_exception();
  }
  // Take g back. Jobs above it (tasks spawned by f) run first; they would run here anyway.
  for (;;) {
    detail::job* j = w->pop();
    if (j == &jb) {
      if (error) std::rethrow_exception(error);  // g never started: skip it
      return {std::move(*a), detail::invoke_value(g)};
    }
    if (j == nullptr) break;  // g was stolen
    detail::run_job(j);
  }
  if (!jb.done.is_set()) detail::help_until(*w, jb.done);
  if (error) std::rethrow_exception(error);
  if (jb.error) std::rethrow_exception(jb.error);
  return {std::move(*a), std::move(*jb.result)};
}

}  // namespace duet
