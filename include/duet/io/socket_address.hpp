// An IPv4, IPv6 or Unix-domain socket address.
//
//     auto a = duet::socket_address::parse("127.0.0.1:8080");
//     auto b = duet::socket_address::parse("[::1]:8080");
//     auto c = duet::socket_address::unix_path("/tmp/duet.sock");
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace duet {

class socket_address {
 public:
  socket_address() noexcept = default;
  /// Parses "a.b.c.d:port" or "[v6]:port" (numeric only; resolve names with resolve()).
  /// Throws std::invalid_argument naming the text when it is not such an address.
  static socket_address parse(std::string_view text);
  /// A numeric IPv4 or IPv6 host and a port; throws std::invalid_argument on bad input.
  static socket_address ip(std::string_view host, std::uint16_t port);
  /// A Unix-domain socket path (at most 107 bytes); throws std::invalid_argument otherwise.
  static socket_address unix_path(std::string_view path);
  /// Wraps a raw address returned by the kernel.
  static socket_address from_raw(const sockaddr* sa, socklen_t len) noexcept;

  [[nodiscard]] int family() const noexcept { return storage_.ss_family; }
  [[nodiscard]] std::uint16_t port() const noexcept;
  [[nodiscard]] const sockaddr* data() const noexcept { return reinterpret_cast<const sockaddr*>(&storage_); }
  [[nodiscard]] socklen_t size() const noexcept { return len_; }
  /// "127.0.0.1:8080", "[::1]:8080" or the Unix path.
  [[nodiscard]] std::string to_string() const;

 private:
  sockaddr_storage storage_{};
  socklen_t len_ = 0;
};

}  // namespace duet
