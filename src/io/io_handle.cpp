#include "duet/io/io_handle.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <string>

#include "loop_state.hpp"

namespace duet {

namespace {

bool attempt_read(io::detail::fd_op* op) noexcept {
  for (;;) {
    const ssize_t n = ::read(op->entry->fd, op->data, op->size);
    if (n >= 0) {
      op->result = n;
      return true;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return false;
    op->error = errno;
    op->result = -1;
    return true;
  }
}

bool attempt_write(io::detail::fd_op* op) noexcept {
  while (op->done < op->size) {
    // send() with MSG_NOSIGNAL on sockets so a closed peer gives EPIPE, not SIGPIPE; write()
    // on other descriptors (pipes: SIGPIPE is ignored process-wide by io_handle's first use).
    ssize_t n = ::send(op->entry->fd, op->data + op->done, op->size - op->done, MSG_NOSIGNAL);
    if (n < 0 && errno == ENOTSOCK) n = ::write(op->entry->fd, op->data + op->done, op->size - op->done);
    if (n >= 0) {
      op->done += static_cast<std::size_t>(n);
      continue;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return false;
    op->error = errno;
    op->result = -1;
    return true;
  }
  op->result = static_cast<ssize_t>(op->done);
  return true;
}

// Frees an entry on the loop thread, after the loop has handled every event it may already
// hold for it, and fails the operations still waiting on it.
struct closer : duet::detail::job {
  io::detail::fd_entry* e;
  io_loop* loop;
  closer(io::detail::fd_entry* entry, io_loop* l) : e(entry), loop(l) {
    run_ = [](duet::detail::job* j) noexcept {
      auto* self = static_cast<closer*>(j);
      for (io::detail::fd_op* op : {self->e->reader, self->e->writer}) {
        if (op == nullptr) continue;
        op->error = EBADF;
        op->result = -1;
        op->complete();
      }
      // Deregister before closing (see backend::forget).
      self->loop->state().kernel->forget(*self->e);
      ::close(self->e->fd);
      delete self->e;
      delete self;
    };
  }
};

}  // namespace

io_handle::io_handle(int fd, io_loop& loop) : loop_(&loop) {
  if (fd < 0) throw std::invalid_argument("duet::io_handle: invalid descriptor");
  const int flags = fcntl(fd, F_GETFL);
  if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
    const int e = errno;
    ::close(fd);
    throw std::system_error(e, std::generic_category(), "duet: make descriptor non-blocking");
  }
  e_ = std::make_unique<io::detail::fd_entry>();
  e_->fd = fd;
}

void io_handle::close() noexcept {
  if (!e_) return;
  io::detail::fd_entry* e = e_.release();
  // acquire: pairs with the release in fd_awaiter::await_suspend.
  if (!e->loop_owned.load(std::memory_order_acquire) && !loop_->on_loop_thread()) {
    ::close(e->fd);  // the loop never saw it: close now, so the peer sees it at once
    delete e;
    return;
  }
  // The entry belongs to the loop thread (its waiters and the backend's registration point at
  // it, and only that thread may read them): close there. A loop that has exited runs the
  // job here, inline.
  // NOLINTNEXTLINE(bugprone-unhandled-exception-at-new): bad_alloc in close() terminates
  auto* c = new closer(e, loop_);
  if (loop_->on_loop_thread())
    c->run();
  else
    loop_->post(*c);
}

io::detail::fd_entry& io_handle::entry() const {
  if (!e_) throw std::logic_error("duet: operation on a closed handle");
  return *e_;
}

fd_awaiter io_handle::read_some(std::span<std::byte> buf) {
  return {entry(), *loop_, false, &attempt_read, "duet: read", {.data = buf.data(), .size = buf.size()}};
}

fd_awaiter io_handle::read_some_drained(std::span<std::byte> buf) {
  return {entry(),       *loop_,       false,
          &attempt_read, "duet: read", {.data = buf.data(), .size = buf.size(), .wait_first = true}};
}

task<void> io_handle::read_exact(std::span<std::byte> buf) {
  std::size_t got = 0;
  while (got < buf.size()) {
    const std::size_t n = co_await read_some(buf.subspan(got));
    if (n == 0)
      throw std::system_error(ECONNRESET, std::generic_category(),
                              "duet: read_exact: the stream ended after " + std::to_string(got) + " of " +
                                  std::to_string(buf.size()) + " bytes");
    got += n;
  }
}

fd_awaiter io_handle::write_all(std::span<const std::byte> buf) {
  // The awaiter never writes through the pointer; fd_op's buffer is shared with reads.
  return {entry(),        *loop_,        true,
          &attempt_write, "duet: write", {.data = const_cast<std::byte*>(buf.data()), .size = buf.size()}};
}

}  // namespace duet
