// The awaitable form of every duet::par algorithm: wrap the call, co_await the task.
//
//     duet::task<double> mean(const std::vector<double>& v) {
//       double sum = co_await duet::par::async([&] { return duet::par::reduce(v, 0.0); });
//       co_return sum / v.size();
//     }
//
// Why a wrapper and not a second set of algorithms: on a worker of a CPU pool a par algorithm is
// already non-blocking for the pool. Its joins never block the worker: a worker whose forked half
// was stolen runs other work (help_until) until it comes back. So a coroutine on a CPU worker can
// call the algorithms directly, and async() then runs the call inline, with no hop and no frame
// per element. What must not happen is a call from a thread that is not a CPU worker (an I/O
// loop, a blocking-pool thread): there join would move the work to the CPU pool and *block* that
// thread. From such a thread async() first hops onto the CPU pool (co_await duet::on), runs the
// call there, then hops back to the executor it came from, so the awaiting coroutine continues
// where it was. From a plain thread outside every executor it stays on the CPU pool.
#pragma once

#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

#include "duet/sched/executor.hpp"
#include "duet/sched/thread_pool.hpp"
#include "duet/sched/worker.hpp"
#include "duet/task/on.hpp"
#include "duet/task/task.hpp"

namespace duet::par {

/// A task that runs `f()` (typically a par algorithm) on a CPU worker and returns its result.
/// Lazy, like every duet task: nothing runs until it is awaited. `f` is stored in the task.
template <class F>
task<std::invoke_result_t<F&>> async(F f) {
  executor* home = nullptr;
  if (duet::detail::tls_worker == nullptr) {
    home = duet::detail::current_executor();
    co_await duet::on(duet::detail::ambient_pool());
  }
  std::exception_ptr error;
  if constexpr (std::is_void_v<std::invoke_result_t<F&>>) {
    try {
      f();
    } catch (...) {
      error = std::current_exception();
    }
    if (home != nullptr) co_await duet::on(*home);
    if (error) std::rethrow_exception(error);
  } else {
    std::optional<std::invoke_result_t<F&>> result;
    try {
      result.emplace(f());
    } catch (...) {
      error = std::current_exception();
    }
    if (home != nullptr) co_await duet::on(*home);
    if (error) std::rethrow_exception(error);
    co_return std::move(*result);
  }
}

}  // namespace duet::par
