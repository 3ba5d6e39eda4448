// A small HTTP/1.1 server on duet's TCP for the client's tests: canned replies chosen by a
// handler, keep-alive, and counts of what it saw (connections accepted, requests, clients that
// hung up while it was delaying a reply). It is deliberately simple (Content-Length bodies
// only) and independent of duet::http::server, so that the client is tested against a peer
// written apart from it.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "duet/duet.hpp"
#include "duet/io/http/client.hpp"

namespace http_test {

/// A request as the server parsed it.
struct seen_request {
  std::string method;
  std::string target;  ///< path and query, as sent
  std::vector<duet::http::header_field> headers;
  std::string body;
  [[nodiscard]] std::string header(std::string_view name) const;
};

/// What the server does with a request.
struct reply {
  int status = 200;
  std::string body{};
  std::vector<duet::http::header_field> headers{};
  std::chrono::milliseconds delay{0};  ///< wait this long before answering (watching for a hang-up)
  bool reset = false;                  ///< answer nothing: close the connection with a TCP RST
  bool close = false;                  ///< "Connection: close" and close after answering
};

/// Called on the loop's thread, once per request.
using handler = std::function<reply(const seen_request&)>;

class test_server {
 public:
  /// Listens on 127.0.0.1 (a free port) and serves on `loop` until destroyed.
  test_server(duet::io_loop& loop, handler h);
  /// Stops serving and waits for every connection task to end. Call from a thread that is not
  /// one of the runtime's.
  ~test_server();
  test_server(const test_server&) = delete;
  test_server& operator=(const test_server&) = delete;

  /// "http://127.0.0.1:PORT" + path.
  [[nodiscard]] std::string url(std::string_view path = "/") const;
  [[nodiscard]] int port() const noexcept { return port_; }

  struct counters {
    std::atomic<int> accepts{0};
    std::atomic<int> requests{0};
    std::atomic<int> hangups{0};  ///< clients that closed while a reply was being delayed
  };
  [[nodiscard]] int accepts() const noexcept { return c_->accepts.load(); }
  [[nodiscard]] int requests() const noexcept { return c_->requests.load(); }
  [[nodiscard]] int hangups() const noexcept { return c_->hangups.load(); }

 private:
  std::shared_ptr<counters> c_ = std::make_shared<counters>();
  int port_ = 0;
  duet::join_handle<void> task_;
};

/// Waits (bounded: `limit`, in 5 ms steps) until `pred()` holds; returns whether it did.
bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds limit = std::chrono::seconds(10));

/// `prefix` followed by the decimal digits of `n` (out of line: g++ 12 reports a false
/// -Wrestrict in `"literal" + std::to_string(n)` once inlined at -O3).
std::string cat(std::string_view prefix, long long n);

/// Deterministic pseudo-random bytes (so a failure shows where the bytes differ).
std::string pattern_bytes(std::size_t n, unsigned seed);

}  // namespace http_test
