// A small HTTP/1.1 server on duet's TCP: keep-alive, pipelining (answers in request order),
// chunked request and response bodies, size limits, routing by method and path, static files,
// timeouts against slow clients, and a graceful stop.
//
//     duet::http::server srv;
//     srv.route("GET", "/hello", [](duet::http::server_request&) -> duet::task<duet::http::server_response> {
//       co_return duet::http::server_response::text(200, "hello world");
//     });
//     srv.static_files("/files/", "/srv/www");
//     srv.listen(duet::socket_address::parse("127.0.0.1:8080"));
//     co_await srv.run();            // until srv.stop() (from any thread, or a signal task)
//
// Each connection is one task on the executor that called run(): on the CPU pool, a
// connection's reads and writes are tried on its worker first and only wait on the io loop
// when the socket is not ready (two thread hops per wait); call run() from the io loop
// (`co_await duet::on(rt.io())`) to keep the connections on the loop's thread instead, or set
// server_options::loops to spread them over io loops, one thread each, as nginx spreads them
// over its worker processes. On a loop, handlers must not compute. bench/http/run_server
// measures these placements. A connection reads a request, awaits its handler, and only then
// looks at the next request, so pipelined requests are answered in order; the responses to
// requests that were already in the buffer are gathered and written together, and a client
// that sends one request at a time costs one read and one write per request (no read that
// fails with EAGAIN: see io_handle::read_some_drained). A malformed request is answered with
// 400 (413/414/431/501/505 for the specific cases) and that connection is closed; the others
// go on. Handler exceptions become 500.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "duet/io/http/message.hpp"
#include "duet/io/http/parser.hpp"
#include "duet/io/io_loop.hpp"
#include "duet/io/socket_address.hpp"
#include "duet/task/task.hpp"

namespace duet::http {

/// A route's handler: a coroutine from the request to the response.
using handler = std::function<task<server_response>(server_request&)>;

/// Options for a server, with designated initialisers.
struct server_options {
  parser_limits limits{};  ///< header and body size limits (431 / 413 beyond them)
  /// From a request's first byte until its headers are in; a client that trickles its headers
  /// slower than this (slow loris) is disconnected.
  std::chrono::milliseconds header_timeout{10'000};
  /// How long a keep-alive connection may sit idle between requests.
  std::chrono::milliseconds idle_timeout{60'000};
  /// Reading a request body, and writing a response (a client that stops reading).
  std::chrono::milliseconds io_timeout{60'000};
  std::string server_name = "duet";  ///< the Server header; empty = none
  /// Where connections run. 0 (the default): on the executor that called run() (see the top
  /// of this file). N >= 1: on io loops, one thread each, like nginx's worker processes: the
  /// loop given to listen() and N - 1 loops the server starts for itself (threads named
  /// "duet-http-K", joined when the server is destroyed); each accepted connection goes to the
  /// next loop in turn and stays there. Handlers then run on a loop thread: they must wait,
  /// not compute (`co_await duet::on(rt.cpu())` for work). On a 2-core machine shared with the
  /// client, 1 or 2 is what bench/http/run_server measures.
  std::size_t loops = 0;
};

/// Counters, for tests and diagnostics (each read is a snapshot).
struct server_stats {
  std::uint64_t connections = 0;   ///< accepted
  std::uint64_t requests = 0;      ///< answered (any status)
  std::uint64_t bad_requests = 0;  ///< refused by the parser (400, 413, 414, 431, 501, 505)
  std::uint64_t timeouts = 0;      ///< connections dropped by a timeout
};

class server {
 public:
  using request = server_request;
  using response = server_response;

  explicit server(const server_options& opts = {});
  /// Stops (see stop()); run() must have returned already or not have been called.
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  /// Answers `method` requests for exactly `path` ("/a/b"; the query is not part of it).
  /// A GET route answers HEAD too. Register routes before run().
  server& route(std::string method, std::string path, handler h);
  /// Answers `method` requests for every path that starts with `prefix`; the rest of the path
  /// is in request::path_rest. The longest matching prefix wins; exact routes win over prefixes.
  server& route_prefix(std::string method, std::string prefix, handler h);
  /// Serves the files under `dir` at `prefix` (GET and HEAD; "/files/a.txt" -> dir/a.txt),
  /// with a Content-Type from the extension. Paths that would leave `dir` (".." segments,
  /// encoded slashes, symbolic links pointing out) are answered 404.
  server& static_files(std::string prefix, const std::filesystem::path& dir);

  /// Binds and listens. Port 0 picks a free port (see local_address()). Throws
  /// std::system_error naming the address.
  void listen(const socket_address& addr, io_loop& loop = ambient_loop());
  /// The address it listens on.
  [[nodiscard]] socket_address local_address() const;

  /// Accepts and serves connections until stop() (or until the calling task is cancelled);
  /// returns once every connection has finished. Call once, after listen().
  task<void> run();

  /// Graceful stop: no new connections; requests in progress finish and get their responses
  /// (with "Connection: close"); idle keep-alive connections are closed. From any thread;
  /// idempotent; run() returns when it is done.
  void stop() noexcept;

  [[nodiscard]] server_stats stats() const noexcept;

  struct state;

 private:
  std::unique_ptr<state> s_;
};

}  // namespace duet::http
