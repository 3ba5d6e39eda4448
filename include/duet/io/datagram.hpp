// Datagram sockets: UDP over IPv4/IPv6, and the base Unix-domain datagram sockets share.
//
//     auto s = duet::udp_socket::bind(duet::socket_address::parse("127.0.0.1:0"));
//     co_await s.send_to(bytes, peer);
//     auto [n, from] = co_await s.recv_from(buffer);
#pragma once

#include <span>
#include <utility>

#include "duet/io/io_handle.hpp"
#include "duet/io/socket_address.hpp"
#include "duet/task/task.hpp"

namespace duet {

class datagram_socket : public io_handle {
 public:
  datagram_socket() noexcept = default;
  datagram_socket(int fd, io_loop& loop) : io_handle(fd, loop) {}

  /// Sends one datagram to `to`; returns the bytes sent.
  task<std::size_t> send_to(std::span<const std::byte> data, socket_address to);
  /// Receives one datagram (truncated to buf.size()); returns its size and sender.
  task<std::pair<std::size_t, socket_address>> recv_from(std::span<std::byte> buf);
  [[nodiscard]] socket_address local_address() const;
};

class udp_socket : public datagram_socket {
 public:
  udp_socket() noexcept = default;
  /// Binds to `addr` (port 0 picks a free port).
  static udp_socket bind(const socket_address& addr, io_loop& loop = ambient_loop());
};

}  // namespace duet
