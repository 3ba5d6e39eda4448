#include "duet/io/socket.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <system_error>

namespace duet {

namespace io::detail {

void fail(int err, const std::string& what) { throw std::system_error(err, std::generic_category(), what); }

socket_address name_of(int fd, bool peer) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  const int r = peer ? ::getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len)
                     : ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  if (r != 0) fail(errno, peer ? "duet: getpeername" : "duet: getsockname");
  return socket_address::from_raw(reinterpret_cast<sockaddr*>(&ss), len);
}

namespace {

bool attempt_connect(fd_op* op) noexcept {
  // A second connect() on a socket whose connect is in flight reports its progress: EALREADY
  // or EINPROGRESS while pending, EISCONN once established, or the failure (ECONNREFUSED).
  for (;;) {
    if (::connect(op->entry->fd, static_cast<const sockaddr*>(op->addr), op->addr_len) == 0 || errno == EISCONN) {
      op->result = 0;
      return true;
    }
    if (errno == EINTR) continue;
    if (errno == EINPROGRESS || errno == EALREADY) return false;
    op->error = errno;
    op->result = -1;
    return true;
  }
}

bool attempt_accept(fd_op* op) noexcept {
  for (;;) {
    const int fd = ::accept4(op->entry->fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
      op->result = fd;
      return true;
    }
    if (errno == EINTR || errno == ECONNABORTED) continue;  // a connection that died in the queue
    if (errno == EAGAIN || errno == EWOULDBLOCK) return false;
    op->error = errno;
    op->result = -1;
    return true;
  }
}

}  // namespace

task<io_handle> connect_stream(const socket_address& addr, io_loop& loop) {
  const int raw = ::socket(addr.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (raw < 0) fail(errno, "duet: socket for " + addr.to_string());
  io_handle h(raw, loop);
  std::string what = "duet: connect to " + addr.to_string();
  int err = 0;
  try {
    co_await fd_awaiter(h.entry(), loop, true, &attempt_connect, "duet: connect",
                        {.addr = addr.data(), .addr_len = static_cast<unsigned>(addr.size())});
  } catch (const std::system_error& e) {
    err = e.code().value();
  }
  if (err != 0) fail(err, what);  // name the address in the message
  co_return h;
}

}  // namespace io::detail

void stream_socket::shutdown_write() {
  if (::shutdown(entry().fd, SHUT_WR) != 0) io::detail::fail(errno, "duet: shutdown");
}
socket_address stream_socket::local_address() const { return io::detail::name_of(entry().fd, false); }
socket_address stream_socket::peer_address() const { return io::detail::name_of(entry().fd, true); }

socket_address listener_socket::local_address() const { return io::detail::name_of(entry().fd, false); }

void listener_socket::open(const socket_address& addr, int backlog, io_loop& loop) {
  const int raw = ::socket(addr.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (raw < 0) io::detail::fail(errno, "duet: socket for " + addr.to_string());
  static_cast<io_handle&>(*this) = io_handle(raw, loop);
  if (addr.family() != AF_UNIX) {
    const int one = 1;
    if (::setsockopt(raw, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0)
      io::detail::fail(errno, "duet: SO_REUSEADDR");
  }
  if (::bind(raw, addr.data(), addr.size()) != 0) io::detail::fail(errno, "duet: bind " + addr.to_string());
  if (::listen(raw, backlog) != 0) io::detail::fail(errno, "duet: listen on " + addr.to_string());
}

task<int> listener_socket::accept_fd() {
  co_return static_cast<int>(co_await fd_awaiter(entry(), *loop_, false, &io::detail::attempt_accept, "duet: accept"));
}

}  // namespace duet
