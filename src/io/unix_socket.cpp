#include "duet/io/unix_socket.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace duet {

namespace {
std::pair<int, int> socket_pair(int type) {
  int fds[2];
  if (::socketpair(AF_UNIX, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) != 0)
    io::detail::fail(errno, "duet: socketpair");
  return {fds[0], fds[1]};
}
}  // namespace

task<unix_stream> unix_stream::connect(std::string path, io_loop& loop) {
  unix_stream s;
  static_cast<io_handle&>(s) = co_await io::detail::connect_stream(socket_address::unix_path(path), loop);
  co_return s;
}

std::pair<unix_stream, unix_stream> unix_stream::pair(io_loop& loop) {
  auto [a, b] = socket_pair(SOCK_STREAM);
  return {unix_stream(a, loop), unix_stream(b, loop)};
}

unix_listener unix_listener::bind(const std::string& path, bool replace_stale, int backlog, io_loop& loop) {
  const auto addr = socket_address::unix_path(path);
  struct stat st{};
  if (replace_stale && ::lstat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) ::unlink(path.c_str());
  unix_listener l;
  l.open(addr, backlog, loop);
  l.path_ = path;
  return l;
}

unix_listener::~unix_listener() {
  if (!path_.empty() && is_open()) ::unlink(path_.c_str());
}

task<unix_stream> unix_listener::accept() { co_return unix_stream(co_await accept_fd(), *loop_); }

unix_datagram unix_datagram::bind(const std::string& path, io_loop& loop) {
  const auto addr = socket_address::unix_path(path);
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) io::detail::fail(errno, "duet: socket");
  unix_datagram d;
  static_cast<io_handle&>(d) = io_handle(fd, loop);
  if (::bind(fd, addr.data(), addr.size()) != 0) io::detail::fail(errno, "duet: bind " + path);
  return d;
}

unix_datagram unix_datagram::unbound(io_loop& loop) {
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) io::detail::fail(errno, "duet: socket");
  unix_datagram d;
  static_cast<io_handle&>(d) = io_handle(fd, loop);
  return d;
}

std::pair<unix_datagram, unix_datagram> unix_datagram::pair(io_loop& loop) {
  auto [a, b] = socket_pair(SOCK_DGRAM);
  unix_datagram x, y;
  static_cast<io_handle&>(x) = io_handle(a, loop);
  static_cast<io_handle&>(y) = io_handle(b, loop);
  return {std::move(x), std::move(y)};
}

}  // namespace duet
