// Test support for the HTTP server: a server running on its own runtime, and a plain blocking
// client on POSIX sockets (a peer that shares no code with the server).
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "duet/duet.hpp"
#include "duet/io/http/server.hpp"

namespace http_test {

/// A server on 127.0.0.1:<free port>, served by its own runtime until the object dies.
class running_server {
 public:
  explicit running_server(const std::function<void(duet::http::server&)>& setup,
                          const duet::http::server_options& opts = {})
      : srv_(opts) {
    setup(srv_);
    srv_.listen(duet::socket_address::parse("127.0.0.1:0"), rt_.io());
    port_ = srv_.local_address().port();  // before the clients' threads read it
    run_ = rt_.spawn(srv_.run());
  }
  ~running_server() { stop(); }
  running_server(const running_server&) = delete;
  running_server& operator=(const running_server&) = delete;

  /// Stops gracefully and waits until run() has returned.
  void stop() {
    if (!run_.valid()) return;
    srv_.stop();
    run_.get();
    run_ = {};
  }
  [[nodiscard]] std::uint16_t port() const { return port_; }
  [[nodiscard]] std::string url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(port()) + std::string(path);
  }
  duet::http::server& server() { return srv_; }
  duet::runtime& rt() { return rt_; }

 private:
  duet::runtime rt_{{.cpu_threads = 2}};
  duet::http::server srv_;
  duet::join_handle<void> run_;
  std::uint16_t port_ = 0;
};

/// A connected blocking socket with 10 s send/receive timeouts (the bound of every wait).
/// Every call retries on EINTR: with the io_uring backend, the thread that created a runtime
/// can get task-work notifications that interrupt its blocking socket calls, and calls on a
/// socket with a timeout are not restarted by the kernel (signal(7)).
class client {
 public:
  explicit client(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    timeval tv{10, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connect_error_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 ? 0 : errno;
  }
  ~client() { ::close(fd_); }
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  [[nodiscard]] int connect_error() const { return connect_error_; }
  [[nodiscard]] int fd() const { return fd_; }

  /// Sends every byte; false if the peer is gone.
  bool send(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  struct reply {
    int status = 0;
    std::map<std::string, std::string> headers;  // names in lower case
    std::string body;
    bool complete = false;  // a whole response arrived
    [[nodiscard]] std::string header(const std::string& lower_name) const {
      auto it = headers.find(lower_name);
      return it == headers.end() ? std::string() : it->second;
    }
  };

  /// Reads one response (framed by Content-Length, chunked coding, or the end of the stream).
  reply read_reply(bool head_request = false) {
    reply r;
    std::size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos)
      if (!fill()) return r;
    const std::string head = buf_.substr(0, end);
    buf_.erase(0, end + 4);
    if (head.size() < 12 || head.compare(0, 9, "HTTP/1.1 ") != 0) return r;
    r.status = std::stoi(head.substr(9, 3));
    std::size_t pos = head.find("\r\n");
    while (pos != std::string::npos) {
      const std::size_t next = head.find("\r\n", pos + 2);
      const std::string line = head.substr(pos + 2, next == std::string::npos ? std::string::npos : next - pos - 2);
      const std::size_t colon = line.find(':');
      if (colon != std::string::npos) {
        std::string name = line.substr(0, colon);
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        std::string value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.erase(0, 1);
        r.headers[name] = value;
      }
      pos = next;
    }
    if (head_request || r.status == 100 || r.status == 204 || r.status == 304) {
      r.complete = true;
      return r;
    }
    if (r.headers.count("content-length")) {
      const std::size_t len = std::stoul(r.headers["content-length"]);
      while (buf_.size() < len)
        if (!fill()) return r;
      r.body = buf_.substr(0, len);
      buf_.erase(0, len);
      r.complete = true;
    } else if (r.header("transfer-encoding") == "chunked") {
      for (;;) {
        std::size_t eol;
        while ((eol = buf_.find("\r\n")) == std::string::npos)
          if (!fill()) return r;
        const std::size_t size = std::stoul(buf_.substr(0, eol), nullptr, 16);
        while (buf_.size() < eol + 2 + size + 2)
          if (!fill()) return r;
        r.body.append(buf_, eol + 2, size);
        buf_.erase(0, eol + 2 + size + 2);
        if (size == 0) break;
      }
      r.complete = true;
    } else {
      while (fill()) {
      }
      r.body = std::move(buf_);
      buf_.clear();
      r.complete = true;
    }
    return r;
  }

  /// Sends a request and reads its response.
  reply exchange(std::string_view request, bool head_request = false) {
    if (!send(request)) return {};
    return read_reply(head_request);
  }

  /// True when the server has closed the connection (end of stream or reset) within the
  /// receive timeout; bytes that arrive first are discarded.
  bool closed_by_peer() {
    buf_.clear();
    for (int i = 0; i < 1000; ++i) {
      char tmp[4096];
      const ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
      if (n == 0) return true;
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return errno == ECONNRESET;
    }
    return false;
  }

  /// True when the server closed the connection already (no waiting).
  bool closed_now() {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 0) <= 0) return false;
    char tmp[1];
    const ssize_t n = ::recv(fd_, tmp, 1, MSG_PEEK | MSG_DONTWAIT);
    return n == 0 || (n < 0 && errno == ECONNRESET);
  }

 private:
  bool fill() {
    char tmp[16384];
    ssize_t n;
    do n = ::recv(fd_, tmp, sizeof tmp, 0);
    while (n < 0 && errno == EINTR);
    if (n <= 0) return false;
    buf_.append(tmp, static_cast<std::size_t>(n));
    return true;
  }

  int fd_ = -1;
  int connect_error_ = 0;
  std::string buf_;
};

inline std::string get(std::string_view path, std::string_view extra = "") {
  return "GET " + std::string(path) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + std::string(extra) + "\r\n";
}

}  // namespace http_test
