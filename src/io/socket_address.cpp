#include "duet/io/socket_address.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/un.h>

#include <charconv>
#include <cstring>
#include <stdexcept>

namespace duet {

namespace {
// Appends the pieces to one string. (Chains of operator+ on std::string trip a false
// -Wrestrict in GCC 12 at -O3.)
template <class... S>
std::string cat(const S&... parts) {
  std::string out;
  (out.append(parts), ...);
  return out;
}
}  // namespace

socket_address socket_address::ip(std::string_view host, std::uint16_t port) {
  socket_address a;
  const std::string h(host);
  auto* v4 = reinterpret_cast<sockaddr_in*>(&a.storage_);
  if (inet_pton(AF_INET, h.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    a.len_ = sizeof(sockaddr_in);
    return a;
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&a.storage_);
  if (inet_pton(AF_INET6, h.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    a.len_ = sizeof(sockaddr_in6);
    return a;
  }
  throw std::invalid_argument(cat("duet::socket_address: '", h, "' is not a numeric IPv4 or IPv6 address"));
}

socket_address socket_address::parse(std::string_view text) {
  const auto bad = [&](const char* why) {
    return std::invalid_argument(cat("duet::socket_address: '", std::string(text), "': ", std::string(why)));
  };
  std::string_view host, port;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      throw bad("expected [v6-address]:port");
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos) throw bad("expected host:port");
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  unsigned p = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
  if (ec != std::errc() || end != port.data() + port.size() || p > 65535 || port.empty())
    throw bad("the port must be a number from 0 to 65535");
  try {
    return ip(host, static_cast<std::uint16_t>(p));
  } catch (const std::invalid_argument&) {
    throw bad("the host must be a numeric IPv4 or IPv6 address (resolve names first)");
  }
}

socket_address socket_address::unix_path(std::string_view path) {
  socket_address a;
  auto* un = reinterpret_cast<sockaddr_un*>(&a.storage_);
  if (path.empty() || path.size() >= sizeof(un->sun_path))
    throw std::invalid_argument(
        cat("duet::socket_address: Unix socket path '", std::string(path), "' is empty or longer than 107 bytes"));
  un->sun_family = AF_UNIX;
  std::memcpy(un->sun_path, path.data(), path.size());
  a.len_ = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + 1);
  return a;
}

socket_address socket_address::from_raw(const sockaddr* sa, socklen_t len) noexcept {
  socket_address a;
  if (len > sizeof(a.storage_)) len = sizeof(a.storage_);
  std::memcpy(&a.storage_, sa, len);
  a.len_ = len;
  return a;
}

std::uint16_t socket_address::port() const noexcept {
  if (family() == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&storage_)->sin_port);
  if (family() == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_port);
  return 0;
}

std::string socket_address::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (family() == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&storage_)->sin_addr, buf, sizeof buf);
    return cat(std::string(buf), ":", std::to_string(port()));
  }
  if (family() == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_addr, buf, sizeof buf);
    return cat("[", std::string(buf), "]:", std::to_string(port()));
  }
  if (family() == AF_UNIX) return reinterpret_cast<const sockaddr_un*>(&storage_)->sun_path;
  return "(unspecified)";
}

}  // namespace duet
