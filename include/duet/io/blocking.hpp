// spawn_blocking: run a call that blocks (getaddrinfo, a legacy library, a synchronous file
// API) on a pool of threads kept apart from the CPU workers and the io loop, and await it.
//
//     auto addrs = co_await duet::spawn_blocking([&] { return resolve(host); });
//
// The pool grows on demand (up to `max_threads`) and idle threads exit after a while. The
// call itself cannot be interrupted; the awaiting task resumes on the executor it came from.
#pragma once

#include <coroutine>
#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <type_traits>

#include "duet/sched/executor.hpp"
#include "duet/sched/thread_pool.hpp"
#include "duet/task/task.hpp"

namespace duet {

namespace io::detail {
class blocking_state;
}

/// Options for a blocking_pool.
struct blocking_options {
  std::size_t max_threads = 512;                   ///< the pool never runs more threads than this
  std::chrono::milliseconds idle_timeout{10'000};  ///< an idle thread exits after this long
};

class blocking_pool final : public executor {
 public:
  explicit blocking_pool(const blocking_options& opts = {});
  /// Waits for queued and running calls to finish, then for the threads to exit.
  ~blocking_pool() override;
  void post(detail::job& j) noexcept override;
  /// Threads currently alive (for tests and diagnostics).
  [[nodiscard]] std::size_t thread_count() const noexcept;

 private:
  std::shared_ptr<io::detail::blocking_state> state_;
};

/// The process-wide blocking pool (created on first use).
blocking_pool& ambient_blocking_pool();

namespace io::detail {
template <class F>
class blocking_awaiter : duet::detail::job {
  using R = std::invoke_result_t<F&>;

 public:
  blocking_awaiter(F& f, blocking_pool& pool) noexcept : f_(f), pool_(pool) { run_ = &execute; }
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> h) noexcept {
    back_.handle = h;
    home_ = duet::detail::current_executor();
    pool_.post(*this);
  }
  R await_resume() {
    if (error_) std::rethrow_exception(error_);
    // NOLINTNEXTLINE(bugprone-unchecked-optional-access): set whenever error_ is not
    if constexpr (!std::is_void_v<R>) return std::move(*value_);
  }

 private:
  static void execute(duet::detail::job* j) noexcept {
    auto* self = static_cast<blocking_awaiter*>(j);
    try {
      if constexpr (std::is_void_v<R>)
        std::invoke(self->f_);
      else
        self->value_.emplace(std::invoke(self->f_));
    } catch (...) {
      self->error_ = std::current_exception();
    }
    // Back to where the task came from; a task that came from no executor continues on the
    // ambient CPU pool rather than occupying this blocking thread.
    executor& home = self->home_ != nullptr ? *self->home_ : duet::detail::ambient_pool();
    home.post(self->back_);
  }

  F& f_;
  blocking_pool& pool_;
  executor* home_ = nullptr;
  duet::detail::resume_job back_;
  std::optional<std::conditional_t<std::is_void_v<R>, char, R>> value_;
  std::exception_ptr error_;
};
}  // namespace io::detail

/// Runs `f()` on the blocking pool and returns its result (or rethrows its exception).
template <class F>
auto spawn_blocking(F f, blocking_pool& pool = ambient_blocking_pool()) -> task<std::invoke_result_t<F&>> {
  co_return co_await io::detail::blocking_awaiter<F>(f, pool);
}

}  // namespace duet
