// TCP over IPv4 and IPv6.
//
//     auto listener = duet::tcp_listener::bind(duet::socket_address::parse("127.0.0.1:0"));
//     duet::tcp_stream client = co_await duet::tcp_stream::connect(listener.local_address());
//     duet::tcp_stream server = co_await listener.accept();
//
// Every operation is a cancellable awaitable; errors are std::system_error naming the
// operation ("duet: connect to 127.0.0.1:9: Connection refused").
#pragma once

#include <span>
#include <string>

#include "duet/io/io_handle.hpp"
#include "duet/io/socket_address.hpp"
#include "duet/task/task.hpp"

namespace duet {

class tcp_stream : public io_handle {
 public:
  tcp_stream() noexcept = default;
  tcp_stream(int fd, io_loop& loop) : io_handle(fd, loop) {}

  /// Connects to `addr`. Throws std::system_error (e.g. ECONNREFUSED) naming the address.
  static task<tcp_stream> connect(socket_address addr, io_loop& loop = ambient_loop());

  /// Reads exactly buf.size() bytes; throws std::system_error(EPIPE-like "unexpected end of
  /// stream") if the peer closes first.
  task<void> read_exact(std::span<std::byte> buf);
  /// Half-close: no more writes; the peer reads end of stream.
  void shutdown_write();
  /// TCP_NODELAY (disable Nagle's algorithm).
  void set_nodelay(bool on);
  /// SO_KEEPALIVE.
  void set_keepalive(bool on);
  [[nodiscard]] socket_address local_address() const;
  [[nodiscard]] socket_address peer_address() const;
};

class tcp_listener : public io_handle {
 public:
  tcp_listener() noexcept = default;
  /// Binds and listens (SO_REUSEADDR). Port 0 picks a free port: see local_address().
  /// Throws std::system_error naming the address (e.g. "Address already in use").
  static tcp_listener bind(const socket_address& addr, int backlog = 1024, io_loop& loop = ambient_loop());
  /// Accepts one connection.
  task<tcp_stream> accept();
  [[nodiscard]] socket_address local_address() const;
};

}  // namespace duet
