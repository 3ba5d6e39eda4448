// HTTP client on libcurl's multi-socket interface, driven by duet's io loop (no polling
// thread, no curl_multi_perform loop): curl tells us which sockets to watch and when its
// timer fires; the loop tells curl when a socket is ready.
//
//     auto page = co_await duet::http::get("http://127.0.0.1:8080/");
//     auto r = co_await duet::http::client().send(
//         duet::http::request::get(url).header("Accept", "text/html").timeout(2s).retries(3));
//
// Many requests in flight share one curl multi handle per client (connection reuse, HTTP/1.1
// keep-alive). Errors are duet::http::error naming the URL and what went wrong ("duet: GET
// http://127.0.0.1:9/: Couldn't connect to server"); an HTTP status >= 400 is not an error: it
// comes back in response::status.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "duet/io/io_loop.hpp"
#include "duet/task/task.hpp"

namespace duet::http {

struct header_field {
  std::string name;
  std::string value;
};

/// Retries for transient failures: connection errors, timeouts of one attempt, 429, 502, 503,
/// 504. Waits base * 2^attempt (capped at max_delay), with "full jitter" (uniform in [0, wait]).
struct retry_policy {
  int attempts = 1;  ///< total tries, 1 = no retry
  std::chrono::milliseconds base_delay{100};
  std::chrono::milliseconds max_delay{5000};
};

/// One request; build it with the fluent setters.
struct request {
  std::string method = "GET";
  std::string url{};
  std::vector<header_field> headers{};
  std::string body{};
  std::chrono::milliseconds timeout{0};          ///< per attempt, whole transfer; 0 = none
  std::chrono::milliseconds connect_timeout{0};  ///< 0 = curl's default
  std::chrono::milliseconds total_timeout{0};    ///< all attempts and backoff together; 0 = none
  bool follow_redirects = true;
  int max_redirects = 10;
  retry_policy retry{};
  std::string output_path{};  ///< when set, the body is streamed to this file, not kept in memory

  static request get(std::string url) { return request{.url = std::move(url)}; }
  static request post(std::string url, std::string body) {
    return request{.method = "POST", .url = std::move(url), .body = std::move(body)};
  }
  request& header(std::string name, std::string value) & {
    headers.push_back({std::move(name), std::move(value)});
    return *this;
  }
  request&& header(std::string name, std::string value) && {
    return std::move(header(std::move(name), std::move(value)));
  }
  request&& with_timeout(std::chrono::milliseconds t) && {
    timeout = t;
    return std::move(*this);
  }
  request&& retries(int attempts) && {
    retry.attempts = attempts;
    return std::move(*this);
  }
  request&& to_file(std::string path) && {
    output_path = std::move(path);
    return std::move(*this);
  }
};

struct response {
  int status = 0;
  std::vector<header_field> headers{};
  std::string body{};                   ///< empty when the request streamed to a file
  std::string effective_url{};          ///< after redirects
  std::size_t body_bytes = 0;           ///< bytes of body received (also when streamed to a file)
  int attempts = 1;                     ///< tries it took
  std::chrono::nanoseconds elapsed{0};  ///< the successful attempt's time, first byte sent to last received
  /// The first header with this name (case-insensitive), or nullopt.
  [[nodiscard]] std::optional<std::string_view> header(std::string_view name) const;
};

/// A transfer that failed (no HTTP response): bad URL, DNS, connect, timeout, reset.
class error : public std::runtime_error {
 public:
  enum class kind : std::uint8_t { bad_url, connect, timeout, transfer, file, cancelled, other };
  error(kind k, const std::string& what) : std::runtime_error(what), kind_(k) {}
  [[nodiscard]] kind code() const noexcept { return kind_; }
  /// True for failures worth retrying (connect, timeout, transfer).
  [[nodiscard]] bool transient() const noexcept {
    return kind_ == kind::connect || kind_ == kind::timeout || kind_ == kind::transfer;
  }

 private:
  kind kind_;
};

struct client_options {
  std::size_t max_connections_per_host = 0;  ///< 0 = no limit
  std::string user_agent = "duet-http/0.1";
};

/// A connection pool and curl multi handle bound to one io loop. Requests may be sent from any
/// task on any executor; the transfer is driven on the loop and the task resumes where it was.
class client {
 public:
  explicit client(const client_options& opts = {}, io_loop& loop = ambient_loop());
  ~client();
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  /// Sends `r`, following redirects and retrying as it asks. Cancelling the awaiting task aborts
  /// the transfer.
  task<response> send(request r);
  task<response> get(std::string url) { return send(request::get(std::move(url))); }

  struct state;

 private:
  std::shared_ptr<state> s_;
};

/// The process-wide client on the ambient loop.
client& default_client();
inline task<response> get(std::string url) { return default_client().get(std::move(url)); }
inline task<response> send(request r) { return default_client().send(std::move(r)); }

}  // namespace duet::http
