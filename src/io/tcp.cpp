#include "duet/io/tcp.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>

namespace duet {

namespace {
void set_flag(int fd, int level, int opt, bool on, const char* what) {
  const int v = on ? 1 : 0;
  if (::setsockopt(fd, level, opt, &v, sizeof v) != 0) io::detail::fail(errno, what);
}
}  // namespace

task<tcp_stream> tcp_stream::connect(socket_address addr, io_loop& loop) {
  if (addr.family() != AF_INET && addr.family() != AF_INET6)
    throw std::invalid_argument("duet::tcp_stream::connect: " + addr.to_string() + " is not an IP address");
  tcp_stream s;
  static_cast<io_handle&>(s) = co_await io::detail::connect_stream(addr, loop);
  co_return s;
}

void tcp_stream::set_nodelay(bool on) { set_flag(entry().fd, IPPROTO_TCP, TCP_NODELAY, on, "duet: TCP_NODELAY"); }
void tcp_stream::set_keepalive(bool on) { set_flag(entry().fd, SOL_SOCKET, SO_KEEPALIVE, on, "duet: SO_KEEPALIVE"); }

tcp_listener tcp_listener::bind(const socket_address& addr, int backlog, io_loop& loop) {
  if (addr.family() != AF_INET && addr.family() != AF_INET6)
    throw std::invalid_argument("duet::tcp_listener::bind: " + addr.to_string() + " is not an IP address");
  tcp_listener l;
  l.open(addr, backlog, loop);
  return l;
}

task<tcp_stream> tcp_listener::accept() { co_return tcp_stream(co_await accept_fd(), *loop_); }

}  // namespace duet
