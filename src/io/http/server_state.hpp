// Internal: what a server shares between its accept loop, its connections, its timeout reaper
// and stop(). Private to src/io/http/server*.cpp.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "duet/io/http/server.hpp"
#include "duet/io/tcp.hpp"

namespace duet::http {

namespace detail {

struct route_entry {
  std::string method;
  handler h;
};

struct string_hash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

/// What a connection is doing, for the timeout reaper and stop().
enum class phase : std::uint8_t {
  idle,     // waiting for the first byte of the next request: stop() may close it
  reading,  // a request is arriving: stop() lets it finish
  busy,     // the handler runs or the response is being written
  closing,  // stop() or the reaper chose to close it
};

/// One live connection, registered in the server's list while its task runs. The entry lives
/// in the connection's coroutine frame; it is unlinked (under the list's mutex) before the
/// descriptor closes, so the reaper never shuts down a descriptor number that was reused.
struct conn_entry {
  int fd = -1;
  // The now_ns() (coarse monotonic clock) after which the reaper drops the connection; 0 = no
  // limit. Written by the connection, read by the reaper: relaxed, since it is only a hint
  // checked every tick (a stale value drops a connection at most one phase late or early by a
  // tick).
  std::atomic<std::int64_t> deadline{0};
  // Written by the connection, by stop() (a compare-exchange idle -> closing) and by the reaper.
  // The store of `idle` and stop()'s exchange are seq_cst: with the seq_cst store and load of
  // server::state::stopping they form the store-then-load pairs described at
  // connection::one_request(). Every other access is relaxed: the value is the whole message
  // (no other data is published through it), and the shutdown() that follows a winning
  // exchange is what the connection observes.
  std::atomic<phase> state{phase::idle};
  conn_entry* prev = nullptr;  // guarded by server::state::mu
  conn_entry* next = nullptr;  // guarded by server::state::mu
};

/// A TCP listener that hands out the bare descriptor, so that the accept loop can bind each
/// connection to the io loop of its choice (server_options::loops).
class listener : public tcp_listener {
 public:
  listener& operator=(tcp_listener&& l) noexcept {
    static_cast<tcp_listener&>(*this) = std::move(l);
    return *this;
  }
  task<int> accept_raw() { return accept_fd(); }
};

/// Result of routing a request.
struct route_match {
  const handler* h = nullptr;  // null: see status
  int status = 200;            // 404 or 405 when h is null
  std::string allow;           // for 405: the methods the path does answer
  std::string_view rest;       // for prefix routes: the path after the prefix
};

std::int64_t now_ns() noexcept;

/// Appends the status line and headers (and the blank line) of a response.
void write_head(std::string& out, const server_response& r, bool keep_alive, bool http10, bool chunked,
                std::uint64_t length, const std::string& server_name);

/// A handler serving the files under `root` (already canonical).
handler make_static_handler(std::string root);

}  // namespace detail

struct server::state {
  explicit state(const server_options& o) : opts(o) {}

  /// Exact routes first, then the longest prefix; 404 when no path matches, 405 (with Allow)
  /// when the path matches but not the method. HEAD falls back to GET.
  [[nodiscard]] detail::route_match find(std::string_view method, std::string_view path) const;

  void remove(detail::conn_entry& c);  // unlinks c (a connection links itself)
  /// stop(): marks stopping and closes every idle connection.
  void begin_stop() noexcept;
  /// The reaper's tick: drops connections past their deadline.
  void reap() noexcept;

  server_options opts;
  std::unordered_map<std::string, std::vector<detail::route_entry>, detail::string_hash, std::equal_to<>> exact;
  std::vector<std::pair<std::string, std::vector<detail::route_entry>>> prefixes;  // longest first

  detail::listener listener;
  io_loop* loop = nullptr;  // the listener's
  bool running = false;
  std::stop_source stop_source;  // stop() fires it: ends the accept loop

  std::mutex mu;
  detail::conn_entry head;   // sentinel of the connection list (guarded by mu)
  bool stop_marked = false;  // guarded by mu
  // Set by begin_stop() (seq_cst, under mu). Read by a connection going idle (seq_cst, paired
  // with the store: see conn_entry::state) and before each response to decide on "Connection:
  // close" (relaxed: reading false late only means one more keep-alive response; the idle
  // check afterwards catches it).
  std::atomic<bool> stopping{false};

  // Counters: relaxed, they are statistics and order nothing.
  std::atomic<std::uint64_t> n_connections{0}, n_requests{0}, n_bad{0}, n_timeouts{0};

  // The loops the server started (server_options::loops - 1), created by the first run().
  // Last member: destroyed first, joining their threads before the rest of the state goes
  // (a connection's frame may still be finishing there when run() has returned).
  std::vector<std::unique_ptr<io_loop>> own_loops;
};

}  // namespace duet::http
