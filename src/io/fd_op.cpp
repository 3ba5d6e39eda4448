#include "duet/io/detail/fd_entry.hpp"

#include <system_error>

#include "loop_state.hpp"

namespace duet::io::detail {

namespace {
void park(fd_op& op) noexcept { (op.for_write ? op.entry->writer : op.entry->reader) = &op; }
}  // namespace

void fd_op::init(fd_entry& e, bool write, bool (*fn)(fd_op*) noexcept) noexcept {
  entry = &e;
  for_write = write;
  attempt = fn;
  arm = [](wait_op* w) noexcept {
    auto* op = static_cast<fd_op*>(w);
    try {
      op->loop->state().register_fd(*op->entry);
    } catch (const std::system_error& ex) {
      op->result = -1;
      op->error = ex.code().value();
      op->complete();
      return;
    }
    if (op->attempt(op))
      op->complete();
    else
      park(*op);
  };
  disarm = [](wait_op* w) noexcept {
    auto* op = static_cast<fd_op*>(w);
    fd_op*& slot = op->for_write ? op->entry->writer : op->entry->reader;
    if (slot == op) slot = nullptr;
  };
}

void fd_op::on_ready() noexcept {
  if (attempt(this))
    complete();
  else
    park(*this);  // spurious: wait for the next edge
}

}  // namespace duet::io::detail
