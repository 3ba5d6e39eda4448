// The request a server handler receives and the response it returns.
//
//     duet::task<duet::http::server_response> hello(duet::http::server_request& req) {
//       co_return duet::http::server_response::text(200, "hello " + std::string(req.path));
//     }
//
// The client (client.hpp) has its own request/response types, so these carry a `server_`
// prefix; inside a handler `http::server::request` / `http::server::response` read the same.
// A request's string_views point into its connection's buffer: they stay valid until the
// handler's task finishes (copy what must outlive it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "duet/task/task.hpp"

namespace duet::http {

/// One header line of a request, as received (the name keeps its case; compare with iequals).
struct header_view {
  std::string_view name;
  std::string_view value;
};

/// ASCII case-insensitive equality (header names, tokens such as "chunked" or "close").
[[nodiscard]] bool iequals(std::string_view a, std::string_view b) noexcept;

/// The reason phrase for a status code ("Not Found"), or "Unknown".
[[nodiscard]] std::string_view reason_phrase(int status) noexcept;

/// A request as the server parsed it.
struct server_request {
  std::string_view method;  ///< "GET", "POST", ... (case-sensitive, as RFC 9110 says)
  std::string_view target;  ///< the request-target as sent: "/a/b?x=1"
  std::string_view path;    ///< target without the query, still percent-encoded: "/a/b"
  std::string_view query;   ///< after '?', without it; empty when absent
  int version_minor = 1;    ///< HTTP/1.<minor>
  std::span<const header_view> headers;
  std::string_view body;   ///< the whole body (de-chunked when it came chunked)
  bool keep_alive = true;  ///< what the client asked for (Connection header and version)
  /// For routes registered by prefix: the part of `path` after the prefix.
  std::string_view path_rest;

  /// The first header with this name (case-insensitive), or nullopt.
  [[nodiscard]] std::optional<std::string_view> header(std::string_view name) const noexcept {
    for (const header_view& h : headers)
      if (iequals(h.name, name)) return h.value;
    return std::nullopt;
  }
};

/// A response body produced piece by piece (sent with chunked transfer coding unless the
/// response sets content_length): each call returns the next piece; an empty piece ends it.
using body_source = std::function<task<std::string>()>;

/// What a handler returns.
struct server_response {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body{};
  /// Extra header lines, sent as given (Date, Server, Content-Length, Content-Type,
  /// Transfer-Encoding and Connection are the server's own).
  std::vector<std::pair<std::string, std::string>> headers{};
  /// When set, the body comes from here, not from `body`.
  body_source source{};
  /// With `source`: the total length when known (sent as Content-Length, no chunking).
  std::optional<std::uint64_t> content_length{};
  /// Close the connection after this response.
  bool close = false;

  /// A plain-text response.
  static server_response text(int status, std::string body) {
    return server_response{.status = status, .body = std::move(body)};
  }
  /// An HTML page.
  static server_response html(std::string body, int status = 200) {
    return server_response{.status = status, .content_type = "text/html; charset=utf-8", .body = std::move(body)};
  }
  /// A streamed body, sent chunked.
  static server_response stream(body_source src, std::string content_type = "application/octet-stream") {
    return server_response{.content_type = std::move(content_type), .source = std::move(src)};
  }
  server_response& header(std::string name, std::string value) & {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
  }
  server_response&& header(std::string name, std::string value) && {
    return std::move(header(std::move(name), std::move(value)));
  }
};

}  // namespace duet::http
