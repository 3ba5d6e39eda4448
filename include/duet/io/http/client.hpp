// HTTP client on libcurl's multi-socket interface, driven by duet's io loop (no polling
// thread, no curl_multi_perform loop): curl tells us which sockets to watch and when its
// timer fires; the loop tells curl when a socket is ready.
//
//     auto page = co_await duet::http::get("http://127.0.0.1:8080/");
//     auto r = co_await duet::http::send(
//         duet::http::request::get(url).header("Accept", "text/html").with_timeout(2s).retries(3));
//
// Many requests in flight share one curl multi handle per client (connection reuse, HTTP/1.1
// keep-alive). Errors are duet::http::error naming the URL and what went wrong ("duet: GET
// http://127.0.0.1:9/: Failed to connect to 127.0.0.1 port 9 ...: Couldn't connect to
// server"); an HTTP status >= 400 is not an error: it comes back in response::status.
// Cancelling the awaiting task (duet::timeout, a task_group stop, join_handle::cancel) removes
// the transfer from curl at once and throws duet::cancelled_error.
//
// For code that runs no io loop (a thread per request, a process per request), fetch_blocking()
// performs the same request with the same options on curl's blocking interface.
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

/// One header line, name and value as sent (no trailing CR/LF).
struct header_field {
  std::string name;
  std::string value;
};

/// Retries for transient failures: connection errors, timeouts of one attempt, resets, and the
/// statuses 429, 502, 503, 504. Before try n+1 it waits uniformly in [0, min(max_delay,
/// base_delay * 2^(n-1))] ("full jitter", Brooker, AWS Architecture Blog 2015). Retry-After is
/// not read.
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
  bool keep_body = true;      ///< false: the body is counted (response::body_bytes), not kept

  /// GET `url`.
  static request get(std::string url) { return request{.url = std::move(url)}; }
  /// POST `body` to `url` (send a Content-Type header if the server needs one).
  static request post(std::string url, std::string body) {
    return request{.method = "POST", .url = std::move(url), .body = std::move(body)};
  }
  /// Any method: `request::make("PUT", url, body)`.
  ///
  /// With g++ 12, build a request in a named variable, or pass a plain factory call
  /// (`send(request::get(url).with_timeout(2s))`), rather than `co_await send(request{.method =
  /// ...})` or `co_await send(cond ? a : b)`: g++ 12 frees some temporaries of a co_await
  /// expression twice (a crash in free()); clang is fine.
  static request make(std::string method, std::string url, std::string body = {}) {
    return request{.method = std::move(method), .url = std::move(url), .body = std::move(body)};
  }
  /// Adds a header (sent as given; curl adds Host, User-Agent, Accept itself).
  request& header(std::string name, std::string value) & {
    headers.push_back({std::move(name), std::move(value)});
    return *this;
  }
  request&& header(std::string name, std::string value) && {
    return std::move(header(std::move(name), std::move(value)));
  }
  /// Limits each attempt (connect to last byte).
  request&& with_timeout(std::chrono::milliseconds t) && {
    timeout = t;
    return std::move(*this);
  }
  /// Limits each attempt's connection set-up.
  request&& with_connect_timeout(std::chrono::milliseconds t) && {
    connect_timeout = t;
    return std::move(*this);
  }
  /// Limits the whole request: every attempt and every backoff wait together.
  request&& with_total_timeout(std::chrono::milliseconds t) && {
    total_timeout = t;
    return std::move(*this);
  }
  /// Tries up to `attempts` times in all (with the default backoff).
  request&& retries(int attempts) && {
    retry.attempts = attempts;
    return std::move(*this);
  }
  /// Sets the whole retry policy.
  request&& with_retry(const retry_policy& p) && {
    retry = p;
    return std::move(*this);
  }
  /// Follows at most `max` redirects; 0 = do not follow (a 3xx comes back as the response).
  request&& redirects(int max) && {
    follow_redirects = max > 0;
    max_redirects = max;
    return std::move(*this);
  }
  /// Streams the body into `path` (created or truncated; truncated again for each attempt).
  request&& to_file(std::string path) && {
    output_path = std::move(path);
    return std::move(*this);
  }
  /// Reads the body to the end but keeps only its size (response::body_bytes): for a caller
  /// that wants the status or the timing, or a download check, without holding every page.
  request&& discard_body() && {
    keep_body = false;
    return std::move(*this);
  }
};

/// What the server answered (the final response, after redirects and retries).
struct response {
  int status = 0;                       ///< HTTP status, e.g. 200 or 404
  std::vector<header_field> headers{};  ///< the final response's headers, in order
  std::string body{};                   ///< empty when streamed to a file or discarded
  std::string effective_url{};          ///< after redirects
  std::size_t body_bytes = 0;           ///< bytes of body received (also when streamed to a file)
  int attempts = 1;                     ///< tries it took
  std::chrono::nanoseconds elapsed{0};  ///< the last attempt's time, connect to last byte (curl's total time)
  /// The first header with this name (case-insensitive), or nullopt.
  [[nodiscard]] std::optional<std::string_view> header(std::string_view name) const;
};

/// A transfer that failed (no HTTP response): bad URL, DNS, connect, timeout, reset.
/// kind: bad_url (malformed, unsupported scheme), resolve (unknown host name), connect
/// (refused, unreachable), timeout (an attempt's or the total timeout), transfer (reset, the
/// connection closed mid-response), file (output_path cannot be written), cancelled (the
/// client shut down while the request was in flight: destroyed, or its io loop stopped),
/// other (TLS, too many redirects...). A cancelled *task* gets duet::cancelled_error instead.
class error : public std::runtime_error {
 public:
  enum class kind : std::uint8_t { bad_url, connect, timeout, transfer, file, cancelled, other, resolve };
  error(kind k, const std::string& what) : std::runtime_error(what), kind_(k) {}
  [[nodiscard]] kind code() const noexcept { return kind_; }
  /// True for failures worth retrying (connect, timeout, transfer).
  [[nodiscard]] bool transient() const noexcept {
    return kind_ == kind::connect || kind_ == kind::timeout || kind_ == kind::transfer;
  }

 private:
  kind kind_;
};

/// Options for a client (fetch_blocking uses user_agent only).
struct client_options {
  std::size_t max_connections_per_host = 0;  ///< 0 = no limit
  std::size_t max_total_connections = 0;     ///< open connections, all hosts; 0 = no limit
  std::string user_agent = "duet-http/0.1";
  /// Bytes curl reads per recv() for each transfer (CURLOPT_BUFFERSIZE); 0 = curl's 16 KB.
  /// Bigger takes fewer calls for big bodies (64 KB: ~8% less client CPU on 100 KB pages) and
  /// costs that much memory per transfer in flight (and per idle pooled handle, up to 1,024).
  std::size_t receive_buffer = 0;
};

/// A connection pool and curl multi handle bound to one io loop. Requests may be sent from any
/// task on any executor; the transfer is driven on the loop and the task resumes where it was.
class client {
 public:
  /// A client whose transfers `loop` drives.
  explicit client(const client_options& opts = {}, io_loop& loop = ambient_loop());
  /// Shuts the client down on its loop (without waiting): requests still in flight fail with
  /// error kind::cancelled, curl's connections close.
  ~client();
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  /// Sends `r`, following redirects and retrying as it asks. Throws duet::http::error when no
  /// response came; cancelling the awaiting task removes the transfer from curl at once and
  /// throws duet::cancelled_error. The task shares the client's state, so it may outlive the
  /// client object (it then fails with kind::cancelled).
  task<response> send(request r);
  /// send(request::get(url)).
  task<response> get(std::string url) { return send(request::get(std::move(url))); }

  /// Transfers currently added to curl (for tests and progress displays; any thread).
  [[nodiscard]] std::size_t active_transfers() const noexcept;
  /// The loop that drives this client's transfers.
  [[nodiscard]] io_loop& loop() const noexcept;

  struct state;  ///< internal

 private:
  std::shared_ptr<state> s_;
};

/// The process-wide client. It runs on an io loop of its own (a thread started on first use,
/// never stopped), so that it outlives every runtime; tasks still resume where they were.
client& default_client();
/// default_client().get(url).
inline task<response> get(std::string url) { return default_client().get(std::move(url)); }
/// default_client().send(r).
inline task<response> send(request r) { return default_client().send(std::move(r)); }

/// The same request on curl's blocking interface, for a thread (or process) per request:
/// redirects, timeouts, retries with backoff (the thread sleeps) and output_path as send().
/// Each thread keeps one curl handle, so sequential calls on a thread reuse its connections.
/// Throws duet::http::error like send().
response fetch_blocking(const request& r, const client_options& opts = {});

}  // namespace duet::http
