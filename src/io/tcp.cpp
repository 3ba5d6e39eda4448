#include "duet/io/tcp.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <system_error>

namespace duet {

namespace {

[[noreturn]] void fail(int err, const std::string& what) {
  throw std::system_error(err, std::generic_category(), what);
}

int new_socket(int family) {
  const int fd = ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) fail(errno, "duet: socket");
  return fd;
}

bool attempt_connect(io::detail::fd_op* op) noexcept {
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

bool attempt_accept(io::detail::fd_op* op) noexcept {
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

socket_address name_of(int fd, bool peer) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  const int r = peer ? ::getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len)
                     : ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  if (r != 0) fail(errno, peer ? "duet: getpeername" : "duet: getsockname");
  return socket_address::from_raw(reinterpret_cast<sockaddr*>(&ss), len);
}

void set_flag(int fd, int level, int opt, bool on, const char* what) {
  const int v = on ? 1 : 0;
  if (::setsockopt(fd, level, opt, &v, sizeof v) != 0) fail(errno, what);
}

}  // namespace

task<tcp_stream> tcp_stream::connect(socket_address addr, io_loop& loop) {
  tcp_stream s(new_socket(addr.family()), loop);
  const std::string what = "duet: connect to " + addr.to_string();
  try {
    co_await fd_awaiter(s.entry(), loop, true, &attempt_connect, "duet: connect",
                        {.addr = addr.data(), .addr_len = static_cast<unsigned>(addr.size())});
  } catch (const std::system_error& e) {
    fail(e.code().value(), what);  // name the address in the message
  }
  co_return s;
}

task<void> tcp_stream::read_exact(std::span<std::byte> buf) {
  std::size_t got = 0;
  while (got < buf.size()) {
    const std::size_t n = co_await read_some(buf.subspan(got));
    if (n == 0)
      fail(ECONNRESET, "duet: read_exact: the peer closed the stream after " + std::to_string(got) + " of " +
                           std::to_string(buf.size()) + " bytes");
    got += n;
  }
}

void tcp_stream::shutdown_write() {
  if (::shutdown(entry().fd, SHUT_WR) != 0) fail(errno, "duet: shutdown");
}
void tcp_stream::set_nodelay(bool on) { set_flag(entry().fd, IPPROTO_TCP, TCP_NODELAY, on, "duet: TCP_NODELAY"); }
void tcp_stream::set_keepalive(bool on) { set_flag(entry().fd, SOL_SOCKET, SO_KEEPALIVE, on, "duet: SO_KEEPALIVE"); }
socket_address tcp_stream::local_address() const { return name_of(entry().fd, false); }
socket_address tcp_stream::peer_address() const { return name_of(entry().fd, true); }

tcp_listener tcp_listener::bind(const socket_address& addr, int backlog, io_loop& loop) {
  tcp_listener l;
  static_cast<io_handle&>(l) = io_handle(new_socket(addr.family()), loop);
  set_flag(l.entry().fd, SOL_SOCKET, SO_REUSEADDR, true, "duet: SO_REUSEADDR");
  if (::bind(l.entry().fd, addr.data(), addr.size()) != 0) fail(errno, "duet: bind " + addr.to_string());
  if (::listen(l.entry().fd, backlog) != 0) fail(errno, "duet: listen on " + addr.to_string());
  return l;
}

task<tcp_stream> tcp_listener::accept() {
  const std::size_t fd = co_await fd_awaiter(entry(), *loop_, false, &attempt_accept, "duet: accept");
  co_return tcp_stream(static_cast<int>(fd), *loop_);
}

socket_address tcp_listener::local_address() const { return name_of(entry().fd, false); }

}  // namespace duet
