// duet::runtime owns the executors; `rt.block_on(main_task())` is the usual entry point, like
// #[tokio::main] or asyncio.run.
//
//     int main() {
//       duet::runtime rt;                       // one CPU worker per core + one io loop
//       return rt.block_on(async_main());
//     }
//
// Tasks start on the CPU pool; I/O awaitables (sleep_for, sockets) are driven by the io loop
// and resume the task where it was. `co_await duet::on(rt.io())` / `on(rt.cpu())` move a task.
#pragma once

#include <cstddef>
#include <string>
#include <utility>

#include "duet/io/io_loop.hpp"
#include "duet/sched/thread_pool.hpp"
#include "duet/task/spawn.hpp"
#include "duet/task/task.hpp"

namespace duet {

/// Options for a runtime, with designated initialisers: `duet::runtime rt({.cpu_threads = 4});`
struct runtime_options {
  std::size_t cpu_threads = 0;  ///< CPU workers; 0 = one per hardware thread
  std::string name = "duet";    ///< thread name prefix: duet-cpu-N, duet-io
};

class runtime {
 public:
  explicit runtime(const runtime_options& opts = {});
  /// Cancels what is still running (tasks see cancelled_error at their next suspension point:
  /// pending sleeps and socket waits end at once), runs what is queued to completion or
  /// cancellation, and joins the threads.
  ~runtime();
  runtime(const runtime&) = delete;
  runtime& operator=(const runtime&) = delete;

  /// The work-stealing CPU pool: where computing work runs.
  thread_pool& cpu() noexcept { return cpu_; }
  /// The event loop: where waiting work (sockets, timers, processes) is driven.
  io_loop& io() noexcept { return io_; }

  /// Runs `t` on the runtime and blocks the calling thread until it finishes; returns its value
  /// or rethrows its exception. Must not be called from one of the runtime's own threads.
  template <class T>
  T block_on(task<T> t) {
    return duet::spawn(cpu_, std::move(t)).get();
  }

  /// Starts `t` on the CPU pool.
  template <class T>
  join_handle<T> spawn(task<T> t) {
    return duet::spawn(cpu_, std::move(t));
  }

 private:
  thread_pool cpu_;
  io_loop io_;
};

}  // namespace duet
