// Unix-domain sockets: stream (like TCP, on a filesystem path; faster than loopback TCP for
// processes on one machine) and datagram.
//
//     auto l = duet::unix_listener::bind("/tmp/app.sock");
//     auto c = co_await duet::unix_stream::connect("/tmp/app.sock");
//     auto [a, b] = duet::unix_stream::pair();          // connected, e.g. parent and child
#pragma once

#include <string>
#include <utility>

#include "duet/io/datagram.hpp"
#include "duet/io/socket.hpp"

namespace duet {

class unix_stream : public stream_socket {
 public:
  unix_stream() noexcept = default;
  unix_stream(int fd, io_loop& loop) : stream_socket(fd, loop) {}
  /// Connects to the socket at `path`.
  static task<unix_stream> connect(std::string path, io_loop& loop = ambient_loop());
  /// Two connected sockets (socketpair).
  static std::pair<unix_stream, unix_stream> pair(io_loop& loop = ambient_loop());
};

class unix_listener : public listener_socket {
 public:
  /// Binds to `path` and listens. With `replace_stale`, an existing socket file at `path` is
  /// removed first (only a socket: other files are never deleted).
  static unix_listener bind(const std::string& path, bool replace_stale = false, int backlog = 1024,
                            io_loop& loop = ambient_loop());
  unix_listener() noexcept = default;
  unix_listener(unix_listener&&) noexcept = default;
  unix_listener& operator=(unix_listener&&) noexcept = default;
  /// Closes and removes the socket file.
  ~unix_listener();
  task<unix_stream> accept();

 private:
  std::string path_;
};

/// A Unix-domain datagram socket (message boundaries kept, reliable on one machine).
class unix_datagram : public datagram_socket {
 public:
  unix_datagram() noexcept = default;
  /// Bound to `path`, to receive messages sent there.
  static unix_datagram bind(const std::string& path, io_loop& loop = ambient_loop());
  /// Unbound: can send to bound sockets (and receive replies only via pair()).
  static unix_datagram unbound(io_loop& loop = ambient_loop());
  /// Two connected datagram sockets.
  static std::pair<unix_datagram, unix_datagram> pair(io_loop& loop = ambient_loop());
};

}  // namespace duet
