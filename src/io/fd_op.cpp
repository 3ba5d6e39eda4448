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
void arm_fd(wait_op& w) noexcept {
  auto& op = static_cast<fd_op&>(w);
  op.loop->state().track(op);
  if (op.attempt(&op))
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
