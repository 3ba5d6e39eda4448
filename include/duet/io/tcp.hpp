// TCP over IPv4 and IPv6.
//
//     auto listener = duet::tcp_listener::bind(duet::socket_address::parse("127.0.0.1:0"));
//     duet::tcp_stream client = co_await duet::tcp_stream::connect(listener.local_address());
//     duet::tcp_stream server = co_await listener.accept();
//
// Every operation is a cancellable awaitable; errors are std::system_error naming the
// operation ("duet: connect to 127.0.0.1:9: Connection refused").
#pragma once

#include "duet/io/socket.hpp"

namespace duet {

class tcp_stream : public stream_socket {
 public:
  tcp_stream() noexcept = default;
  tcp_stream(int fd, io_loop& loop) : stream_socket(fd, loop) {}

  /// Connects to `addr`. Throws std::system_error (e.g. ECONNREFUSED) naming the address.
  static task<tcp_stream> connect(socket_address addr, io_loop& loop = ambient_loop());
  /// TCP_NODELAY (disable Nagle's algorithm).
  void set_nodelay(bool on);
  /// SO_KEEPALIVE.
  void set_keepalive(bool on);
};

class tcp_listener : public listener_socket {
 public:
  /// Binds and listens (SO_REUSEADDR). Port 0 picks a free port: see local_address().
  /// Throws std::system_error naming the address (e.g. "Address already in use").
  static tcp_listener bind(const socket_address& addr, int backlog = 1024, io_loop& loop = ambient_loop());
  /// Accepts one connection.
  task<tcp_stream> accept();
};

}  // namespace duet
