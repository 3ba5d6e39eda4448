#include <system_error>

#include "duet/io/detail/fd_entry.hpp"
#include "loop_state.hpp"

namespace duet::io::detail {

namespace {
// Records `op` as the descriptor's waiter and asks the backend to report readiness. A backend
// that cannot watch the descriptor fails the operation with its error.
void park(fd_op& op) noexcept {
  try {
    op.loop->state().kernel->want(*op.entry, op.for_write);
  } catch (const std::system_error& ex) {
    op.result = -1;
    op.error = ex.code().value();
    op.complete();
    return;
  }
  (op.for_write ? op.entry->writer : op.entry->reader) = &op;
}
}  // namespace

void fd_op::init(fd_entry& e, bool write, bool (*fn)(fd_op*) noexcept) noexcept {
  entry = &e;
  for_write = write;
  attempt = fn;
}

// On the loop thread: try again (readiness may have come since the caller's try), and only
// then wait. No wait of the backend separates this try from the registration (fd_entry.hpp).
//
// A read_some_drained() skips that try when no readable report was dropped since the caller's
// drained read: each byte that arrived after that read made the kernel queue a report
// (epoll: an edge per arrival, or the current state at registration; io_uring: the poll is
// level-triggered) that no epoll_wait has taken yet, so the parked reader will get it. Only
// reports taken while no reader was parked could be lost, and those set missed_read. At most
// one reader is pending per descriptor, so nobody clears the flag between the caller's read
// and this check.
void arm_fd(wait_op& w) noexcept {
  auto& op = static_cast<fd_op&>(w);
  op.loop->state().track(op);
  bool try_now = true;
  if (!op.for_write) {
    try_now = !op.wait_first || op.entry->missed_read;
    op.entry->missed_read = false;
  }
  if (try_now && op.attempt(&op))
    op.complete();
  else
    park(op);
}

void disarm_fd(wait_op& w) noexcept {
  auto& op = static_cast<fd_op&>(w);
  fd_op*& slot = op.for_write ? op.entry->writer : op.entry->reader;
  if (slot == &op) slot = nullptr;
  op.loop->state().untrack(op);
}

void fd_op::on_ready() noexcept {
  if (attempt(this))
    complete();
  else
    park(*this);  // spurious: wait again
}

}  // namespace duet::io::detail
