// The event loop: one thread that waits on the kernel (epoll) for sockets, pipes and timers,
// and runs the tasks that were waiting for them. Work that waits lives here; work that
// computes belongs on the CPU pool (`co_await duet::on(rt.cpu())`).
//
// Threading rules:
//  * Every wait (readiness of a descriptor, a timer) is armed, completed and cancelled on the
//    loop's own thread, so the loop's tables need no locks.
//  * A task resumes on the executor it was running on when it started waiting (its "home"):
//    a task on the loop stays on the loop; a CPU task that sleeps comes back to the CPU pool.
//  * post() from the loop's thread appends to a local queue; from other threads to a mutex-
//    protected queue plus an eventfd write that wakes epoll_wait (at most one per batch).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "duet/sched/executor.hpp"

namespace duet::io::detail {
class loop_state;
struct wait_op;
}  // namespace duet::io::detail

namespace duet {

/// Options for an io_loop.
struct loop_options {
  std::string name = "duet-io";  ///< thread name, visible in `top -H`
  /// "epoll", "io_uring" or empty for the default: $DUET_IO_BACKEND if set, else io_uring
  /// where the kernel allows it, else epoll. Throws if the one asked for is unavailable.
  std::string backend{};
};

class io_loop final : public executor {
 public:
  explicit io_loop(const loop_options& opts = {});
  /// Cancels every pending wait (the waiting tasks see cancelled_error), runs what is queued,
  /// and joins the thread.
  ~io_loop() override;

  void post(duet::detail::job& j) noexcept override;
  [[nodiscard]] bool stopping() const noexcept override;

  /// Stops as described at the destructor. Idempotent.
  void shutdown() noexcept;

  /// "epoll" or "io_uring".
  [[nodiscard]] const char* backend_name() const noexcept;

  /// True on this loop's thread.
  [[nodiscard]] bool on_loop_thread() const noexcept;

  /// Internal: the loop's tables (used by the awaitables, on the loop's thread only).
  [[nodiscard]] io::detail::loop_state& state() noexcept { return *state_; }

 private:
  std::unique_ptr<io::detail::loop_state> state_;
};

/// The loop that timers and sockets use by default: the calling thread's loop, else the most
/// recently created runtime's, else a process-wide loop created on first use.
io_loop& ambient_loop();

}  // namespace duet

namespace duet::io::detail {
void set_ambient_loop(io_loop* l) noexcept;
void clear_ambient_loop(io_loop* l) noexcept;
}  // namespace duet::io::detail
