// Signals as awaitables, so that a server can stop gracefully on Ctrl-C:
//
//     co_await duet::signal(SIGINT);      // suspends until SIGINT arrives
//     server.stop();
//
// The first call for a signal installs a handler for it (process-wide, for the rest of the
// process's life) that writes to a pipe; deliveries that arrive while nobody awaits are kept
// and complete the next await. Each delivery wakes one awaiting task.
#pragma once

#include "duet/io/io_loop.hpp"
#include "duet/task/task.hpp"

namespace duet {

/// Waits for the next delivery of `signo`; returns `signo`. Throws std::invalid_argument for
/// a signal that cannot be caught (SIGKILL, SIGSTOP) or is out of range.
task<int> signal(int signo, io_loop& loop = ambient_loop());

}  // namespace duet
