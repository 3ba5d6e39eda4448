#include "duet/io/datagram.hpp"

#include <sys/socket.h>

#include <cerrno>

#include "duet/io/socket.hpp"

namespace duet {

namespace {

bool attempt_send_to(io::detail::fd_op* op) noexcept {
  for (;;) {
    const ssize_t n =
        ::sendto(op->entry->fd, op->data, op->size, MSG_NOSIGNAL, static_cast<const sockaddr*>(op->addr), op->addr_len);
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

bool attempt_recv_from(io::detail::fd_op* op) noexcept {
  for (;;) {
    auto len = static_cast<socklen_t>(op->out_addr_len);
    const ssize_t n = ::recvfrom(op->entry->fd, op->data, op->size, 0, static_cast<sockaddr*>(op->out_addr), &len);
    if (n >= 0) {
      op->out_addr_len = len;
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

}  // namespace

task<std::size_t> datagram_socket::send_to(std::span<const std::byte> data, socket_address to) {
  co_return co_await fd_awaiter(entry(), *loop_, true, &attempt_send_to, "duet: sendto",
                                {.data = const_cast<std::byte*>(data.data()),
                                 .size = data.size(),
                                 .addr = to.data(),
                                 .addr_len = static_cast<unsigned>(to.size())});
}

task<std::pair<std::size_t, socket_address>> datagram_socket::recv_from(std::span<std::byte> buf) {
  sockaddr_storage from{};
  fd_awaiter op(entry(), *loop_, false, &attempt_recv_from, "duet: recvfrom",
                {.data = buf.data(), .size = buf.size(), .out_addr = &from, .out_addr_len = sizeof from});
  const std::size_t n = co_await op;
  co_return std::pair{n, socket_address::from_raw(reinterpret_cast<const sockaddr*>(&from), op.out_addr_len())};
}

socket_address datagram_socket::local_address() const { return io::detail::name_of(entry().fd, false); }

udp_socket udp_socket::bind(const socket_address& addr, io_loop& loop) {
  const int fd = ::socket(addr.family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) io::detail::fail(errno, "duet: socket");
  udp_socket s;
  static_cast<io_handle&>(s) = io_handle(fd, loop);
  if (::bind(fd, addr.data(), addr.size()) != 0) io::detail::fail(errno, "duet: bind " + addr.to_string());
  return s;
}

}  // namespace duet
