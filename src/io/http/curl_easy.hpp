// Private to src/io/http: what the asynchronous client (client.cpp) and the blocking helper
// (client_blocking.cpp) share: one attempt's curl easy handle, configured from a
// duet::http::request, the callbacks that collect its response, and the retry arithmetic.
//
// The callbacks run on the thread that drives the handle: the client's io loop (inside
// curl_multi_socket_action) or fetch_blocking's caller (inside curl_easy_perform). Writes to
// output_path are plain write() calls on that thread: a regular file's write goes to the page
// cache and does not wait for the disk.
#pragma once

#include <curl/curl.h>

#include <chrono>
#include <optional>
#include <string>

#include "duet/io/http/client.hpp"

namespace duet::http::detail {

/// curl_global_init, once per process, before the first handle (it is not thread-safe itself).
void global_init();

/// "duet: GET http://host/path: " — the prefix of every error message about `r`.
std::string describe(const request& r);

/// One attempt of a request: an easy handle configured from it and what its callbacks collect.
class easy_transfer {
 public:
  /// Configures a new handle, or `reuse` (reset first; kept open afterwards: a blocking
  /// thread's handle keeps its connections). `attempt_timeout` 0 = none. Throws
  /// duet::http::error (kind::file when output_path cannot be opened).
  easy_transfer(const request& r, const client_options& o, std::chrono::milliseconds attempt_timeout,
                CURL* reuse = nullptr);
  ~easy_transfer();
  easy_transfer(const easy_transfer&) = delete;
  easy_transfer& operator=(const easy_transfer&) = delete;

  [[nodiscard]] CURL* handle() const noexcept { return easy_; }
  /// False for a `reuse` handle: release_handle() leaves it open for its owner.
  [[nodiscard]] bool owns_handle() const noexcept { return owned_; }
  /// After the transfer ended with `rc`, on the driving thread, while the handle is open:
  /// records the result and reads status, effective URL and time from curl.
  void collect(CURLcode rc) noexcept;
  /// Frees the handle now (if this object owns it), on the driving thread.
  void release_handle() noexcept;

  [[nodiscard]] CURLcode result() const noexcept { return rc_; }
  /// The response (after a collect(CURLE_OK)).
  [[nodiscard]] response take_response() { return std::move(resp_); }
  /// The error for a failed transfer (after a collect(rc != CURLE_OK)).
  [[nodiscard]] error make_error() const;

 private:
  static std::size_t on_body(char* p, std::size_t size, std::size_t n, void* self) noexcept;
  static std::size_t on_header(char* p, std::size_t size, std::size_t n, void* self) noexcept;

  const request& req_;
  CURL* easy_ = nullptr;
  bool owned_ = true;
  curl_slist* headers_ = nullptr;
  int fd_ = -1;         // output_path, when streaming
  int file_errno_ = 0;  // why a write to output_path failed
  CURLcode rc_ = CURLE_OK;
  response resp_;
  char errbuf_[CURL_ERROR_SIZE] = {};
};

/// True for statuses worth another attempt: 429, 502, 503, 504.
[[nodiscard]] constexpr bool retryable_status(int status) noexcept {
  return status == 429 || status == 502 || status == 503 || status == 504;
}

/// The wait before attempt `failed + 1`: "full jitter" (Brooker, "Exponential Backoff And
/// Jitter", AWS Architecture Blog, 2015): uniform in [0, min(max_delay, base * 2^(failed-1))].
[[nodiscard]] std::chrono::milliseconds backoff(const retry_policy& p, int failed);

/// The error for a request that ran out of total_timeout, naming the last failure if any.
[[nodiscard]] error total_timeout_error(const request& r, int attempts, const std::string& last);

/// `e` with "(attempt N of M)" appended when this was not the first try.
[[nodiscard]] error with_attempts(const error& e, int attempt, int of);

/// The retry rules both clients (async and blocking) share; only how they wait differs.
///     for (;;) { auto limit = s.begin_attempt(); ...run the attempt...;
///                if (auto done = s.finish(resp, err)) return *done; wait(s.wait()); }
class retry_schedule {
 public:
  explicit retry_schedule(const request& r);
  /// Starts the next attempt and returns its time limit (0 = none): the per-attempt timeout,
  /// cut to what the total timeout leaves. Throws the total-timeout error when nothing is left.
  [[nodiscard]] std::chrono::milliseconds begin_attempt();
  /// After the attempt: the response to return, or nullopt to try again after wait(). Throws
  /// the error that ends the request.
  [[nodiscard]] std::optional<response> finish(std::optional<response> resp, const std::optional<error>& err);
  /// The backoff before the next attempt (valid after finish() returned nullopt).
  [[nodiscard]] std::chrono::milliseconds wait() const noexcept { return wait_; }

 private:
  const request& r_;
  std::chrono::steady_clock::time_point deadline_;
  bool bounded_;
  int attempts_;
  int attempt_ = 0;
  bool total_bounds_it_ = false;
  std::chrono::milliseconds wait_{0};
  std::string last_failure_;
};

}  // namespace duet::http::detail
