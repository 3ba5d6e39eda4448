// An executor is *where* tasks run: a set of threads with a queue discipline. The CPU pool is
// one; the I/O loop and the blocking pool (later layers) are others. Everything that schedules
// work (spawn, on(), yield(), join) talks to this interface.
#pragma once

#include "duet/core/job.hpp"

namespace duet {

class executor {
 public:
  executor() = default;
  executor(const executor&) = delete;
  executor& operator=(const executor&) = delete;
  virtual ~executor() = default;

  /// Schedules `j` to run soon on one of this executor's threads (LIFO-local where possible).
  virtual void post(detail::job& j) noexcept = 0;
  /// Schedules `j` behind the work already queued: what yield() uses, for fairness.
  virtual void post_fifo(detail::job& j) noexcept { post(j); }
  /// True while shutting down: tasks should treat it as cancellation.
  [[nodiscard]] virtual bool stopping() const noexcept { return false; }
};

namespace detail {
/// The executor whose thread is calling, or nullptr on a thread that belongs to none.
executor* current_executor() noexcept;
/// Marks the calling thread as belonging to `ex` (used by executors' threads as they start).
void set_current_executor(executor* ex) noexcept;
}  // namespace detail

}  // namespace duet
