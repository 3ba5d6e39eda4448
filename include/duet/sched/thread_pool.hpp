// The work-stealing CPU pool: one Chase-Lev deque per worker, a global FIFO for work that comes
// from outside, randomised stealing, and idle workers parked on an eventcount.
//
// Scheduling rules:
//  * post() from one of this pool's workers pushes to that worker's deque (LIFO: hot caches,
//    depth-first); from any other thread it goes to the global queue.
//  * A worker looks for work in this order: its own deque, the global queue, the deques of the
//    other workers starting at a random victim. Every 61st job it checks the global queue first
//    so outside submissions are never starved by a busy deque.
//  * A worker whose search fails spins briefly, then parks on the eventcount; pushing work
//    wakes one parked worker. A push to a worker's own deque skips the wake-up's fence when no
//    worker is parked (the usual case under load); that is safe because the owner of a
//    non-empty deque never parks, so the job always runs.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "duet/sched/executor.hpp"

namespace duet {

namespace detail {
struct worker;
class pool_state;
}  // namespace detail

/// Options for a thread_pool; use designated initialisers: `thread_pool p({.threads = 4});`
struct pool_options {
  std::size_t threads = 0;        ///< number of workers; 0 = std::thread::hardware_concurrency()
  std::string name = "duet-cpu";  ///< thread name prefix, visible in `top -H` as duet-cpu-N
};

class thread_pool final : public executor {
 public:
  explicit thread_pool(const pool_options& opts = {});
  /// Runs everything still queued (tasks observe stopping() as cancellation), then joins.
  ~thread_pool() override;

  void post(detail::job& j) noexcept override;
  void post_fifo(detail::job& j) noexcept override;
  [[nodiscard]] bool stopping() const noexcept override;

  /// Number of worker threads.
  [[nodiscard]] std::size_t size() const noexcept;
  /// Begins shutdown and waits for the workers to drain the queues and exit. Idempotent.
  void shutdown() noexcept;

  /// Internal: the shared state the scheduler's inline paths (join) use.
  [[nodiscard]] detail::pool_state& state() noexcept { return *state_; }

 private:
  std::unique_ptr<detail::pool_state> state_;
};

namespace detail {
/// The pool that plain calls (join, par algorithms) use from a thread outside every pool: the
/// most recently created runtime's CPU pool, else a process-wide pool created on first use.
thread_pool& ambient_pool();
/// Registers the pool that ambient_pool() prefers (done by duet::runtime).
void set_ambient_pool(thread_pool* p) noexcept;
/// Unregisters `p` if it is the registered one.
void clear_ambient_pool(thread_pool* p) noexcept;
}  // namespace detail

}  // namespace duet
