// What TCP and Unix-domain stream sockets share: connect, accept, half-close and addresses.
#pragma once

#include <span>
#include <string>
#include <utility>

#include "duet/io/io_handle.hpp"
#include "duet/io/socket_address.hpp"
#include "duet/task/task.hpp"

namespace duet {

/// A connected stream socket (TCP or Unix-domain).
class stream_socket : public io_handle {
 public:
  stream_socket() noexcept = default;
  stream_socket(int fd, io_loop& loop) : io_handle(fd, loop) {}
  /// Adopts a connected socket.
  explicit stream_socket(io_handle&& h) noexcept : io_handle(std::move(h)) {}

  /// Half-close: no more writes; the peer reads end of stream and may still answer.
  void shutdown_write();
  [[nodiscard]] socket_address local_address() const;
  [[nodiscard]] socket_address peer_address() const;
};

/// A listening socket; accept() yields connected sockets of type S.
class listener_socket : public io_handle {
 public:
  listener_socket() noexcept = default;
  [[nodiscard]] socket_address local_address() const;

 protected:
  /// socket + SO_REUSEADDR (inet) + bind + listen; errors name the address.
  void open(const socket_address& addr, int backlog, io_loop& loop);
  /// Awaits one connection and returns its (non-blocking) descriptor.
  task<int> accept_fd();
};

namespace io::detail {
/// Connects a new stream socket to `addr`; errors name the address.
task<io_handle> connect_stream(const socket_address& addr, io_loop& loop);
/// An address the kernel reports for `fd` (its own, or its peer's).
socket_address name_of(int fd, bool peer);
/// Throws std::system_error(err) with message `what`.
[[noreturn]] void fail(int err, const std::string& what);
}  // namespace io::detail

}  // namespace duet
