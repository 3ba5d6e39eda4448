// The embedded test site of `duet serve`, also started in-process by `duet demo`: a list page
// at "/" linking N pages "/country/<i>.html" (the tutorial's 233 country pages), each answered
// after a configurable latency, with optional jitter, injected errors and a cap on requests in
// progress. Page bytes are deterministic (site_page()), so a test or a fetcher can check them.
//
//     duet_cli::site s({.pages = 233, .latency = 59ms});
//     s.start(rt);                        // 127.0.0.1, a free port
//     fetch_all(s.list_url());            // ...
//     s.stop();                           // graceful
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "duet/io/http/server.hpp"
#include "duet/runtime.hpp"

namespace duet_cli {

/// What the site serves and how slowly; designated initialisers.
struct site_options {
  std::size_t pages = 233;                          ///< pages linked from the list page
  std::size_t page_size = std::size_t{100} * 1024;  ///< bytes per page (exact; at least ~150)
  std::chrono::milliseconds latency{590};           ///< each page answers after this long (the tutorial's cost)
  std::chrono::milliseconds jitter{0};              ///< plus a uniform offset in [-jitter, +jitter]
  double error_rate = 0.0;                          ///< this fraction of page requests gets 503 (after the latency)
  std::uint64_t seed = 1;                           ///< seeds jitter and errors (deterministic per page and attempt)
  /// Page requests in progress at most; one beyond the cap is answered 503 at once with
  /// "Retry-After: 1" (shedding, not queueing: a queue would hide overload as latency, while a
  /// 503 is the signal an adaptive client backs off on). 0 = no cap.
  std::size_t max_concurrent = 0;
};

/// The path of page i: "/country/<i>.html".
[[nodiscard]] std::string site_page_path(std::size_t i);
/// Page i's exact bytes (an HTML page of exactly `page_size` bytes, or its minimal skeleton
/// when page_size is smaller than that).
[[nodiscard]] std::string site_page(std::size_t i, std::size_t page_size);
/// The list page's exact bytes: an HTML list linking every page.
[[nodiscard]] std::string site_list_page(std::size_t pages);
/// Parses "590ms", "1.5s", "200us" or a plain number of milliseconds. Throws
/// std::invalid_argument naming the text.
[[nodiscard]] std::chrono::milliseconds parse_duration(std::string_view text);

/// Counters of a running site (snapshots).
struct site_stats {
  std::uint64_t pages_served = 0;  ///< 200 answers for pages
  std::uint64_t errors = 0;        ///< injected 503s
  std::uint64_t rejected = 0;      ///< 503s for requests beyond max_concurrent
  std::uint64_t peak_in_flight = 0;
};

class site {
 public:
  explicit site(const site_options& opts = {});
  /// Stops (and, after start(), waits) if still running. The runtime given to start() or
  /// listen() must outlive the site.
  ~site();
  site(const site&) = delete;
  site& operator=(const site&) = delete;

  /// Binds 127.0.0.1:port (0 = a free port). Throws std::system_error naming the address.
  void listen(std::uint16_t port, duet::io_loop& loop);
  /// Serves until stop(), with the connections on the loop given to listen(); returns when
  /// in-flight requests have finished.
  duet::task<void> run();
  /// listen() on rt's loop and run() in the background on rt's CPU pool.
  void start(duet::runtime& rt, std::uint16_t port = 0);
  /// Graceful stop. After start(), also waits until the site has stopped: call it from a
  /// thread that is not one of the runtime's.
  void stop();

  [[nodiscard]] std::uint16_t port() const;
  /// "http://127.0.0.1:<port>" + path.
  [[nodiscard]] std::string url(std::string_view path = "/") const;
  [[nodiscard]] std::string page_url(std::size_t i) const { return url(site_page_path(i)); }
  [[nodiscard]] const site_options& options() const noexcept { return opts_; }
  [[nodiscard]] site_stats stats() const noexcept;
  duet::http::server& server() noexcept { return server_; }

  struct state;

 private:
  site_options opts_;
  std::shared_ptr<state> state_;
  duet::http::server server_;
  duet::join_handle<void> running_;
  std::uint16_t port_ = 0;
  duet::io_loop* loop_ = nullptr;
};

}  // namespace duet_cli
