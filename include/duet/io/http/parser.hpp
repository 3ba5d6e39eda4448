// An incremental HTTP/1.1 request parser (RFC 9112), used by the server.
//
// Why our own parser: Debian 12 ships no llhttp, and http-parser (libhttp-parser-dev 2.9) is
// archived and unmaintained upstream, so duet carries this small one instead (~400 lines, a
// byte-at-a-time state machine) and fuzzes it with libFuzzer (fuzz/http_parser_fuzz.cpp, built
// with -DDUET_BUILD_FUZZ=ON and clang++-19).
//
//     duet::http::request_parser p;
//     // the caller keeps every byte of the request in one buffer and calls parse() again
//     // each time more arrives; only the new bytes are examined
//     switch (p.parse(buffer)) {
//       case parse_status::need_more: ...read more...
//       case parse_status::done: handle(p.request()); buffer.erase(0, p.consumed()); p.reset();
//       case parse_status::error: answer p.error_status() (400, 413, 414, 431, 501, 505), close
//     }
//
// Strict where RFC 9112 says a server MUST reject (whitespace before a header's colon, obs-fold
// lines, both Content-Length and Transfer-Encoding, conflicting Content-Lengths, a missing Host
// in HTTP/1.1); lenient where it allows (bare LF line ends, empty lines before the request line).
// Transfer codings other than "chunked" are refused with 501; chunked bodies are decoded into
// the parser's own buffer, other bodies are views into the caller's.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "duet/io/http/message.hpp"

namespace duet::http {

/// Size limits, checked while parsing (so an oversized request is refused early).
struct parser_limits {
  std::size_t max_header_bytes = std::size_t{16} * 1024;  ///< request line + headers; beyond: 431 (414 in the line)
  std::size_t max_headers = 64;                           ///< header lines; beyond: 431
  std::uint64_t max_body_bytes = std::uint64_t{8} * 1024 * 1024;  ///< beyond: 413
};

enum class parse_status : std::uint8_t { need_more, done, error };

class request_parser {
 public:
  explicit request_parser(const parser_limits& limits = {}) : limits_(limits) {}

  /// Parses the request whose first byte is buf[0]. Between calls the caller may append bytes
  /// and move the buffer, but must pass the bytes of earlier calls unchanged. Bytes after the
  /// request (a pipelined next request) are left alone: see consumed().
  parse_status parse(std::string_view buf);

  /// After done: the request. Its views point into the `buf` of the last parse() call (and
  /// into this parser for a chunked body): valid until that buffer changes or reset().
  [[nodiscard]] const server_request& request() const noexcept { return req_; }
  /// After done: how many bytes of `buf` the request took.
  [[nodiscard]] std::size_t consumed() const noexcept { return pos_; }
  /// True once the request line and headers are in (the body may still be arriving).
  [[nodiscard]] bool headers_complete() const noexcept { return state_ >= first_body_state; }
  /// After the headers: the client sent "Expect: 100-continue" and waits before the body.
  [[nodiscard]] bool expects_continue() const noexcept { return expect_continue_; }
  /// After error: the status to answer with (400, 413, 414, 431, 501 or 505).
  [[nodiscard]] int error_status() const noexcept { return error_status_; }
  /// After error: what was wrong, for logs and the 400 page ("header name contains a space").
  [[nodiscard]] const char* error_message() const noexcept { return error_message_; }

  /// Readies the parser for the next request (keeps its buffers' capacity).
  void reset() noexcept;

 private:
  struct header_pos {
    std::uint32_t name_off, name_len, value_off, value_len;
  };
  enum state : std::uint8_t {
    s_start,
    s_method,
    s_target,
    s_version,
    s_line_lf,
    s_header_start,
    s_name,
    s_value_ows,
    s_value,
    s_header_lf,
    s_headers_end_lf,
    // body states: everything from here on is after the headers
    s_body_length,
    s_chunk_size,
    s_chunk_ext,
    s_chunk_size_lf,
    s_chunk_data,
    s_chunk_data_cr,
    s_chunk_data_lf,
    s_trailer_start,
    s_trailer_line,
    s_trailer_end_lf,
    s_done,
    s_error,
  };
  static constexpr state first_body_state = s_body_length;

  parse_status fail(int status, const char* message) noexcept;
  parse_status parse_head(std::string_view buf);
  parse_status parse_chunked(std::string_view buf);
  parse_status on_headers_done(std::string_view buf);
  parse_status finish(std::string_view buf);
  bool check_target(std::string_view target) noexcept;

  parser_limits limits_;
  state state_ = s_start;
  std::size_t pos_ = 0;  // next byte of buf to examine
  // Offsets into buf of the parts found so far.
  std::uint32_t method_off_ = 0, method_len_ = 0, target_off_ = 0, target_len_ = 0, version_off_ = 0;
  std::uint32_t name_off_ = 0, name_len_ = 0, value_off_ = 0, value_end_ = 0;
  std::size_t body_off_ = 0;
  std::uint64_t content_length_ = 0;
  std::uint64_t chunk_left_ = 0;
  std::size_t trailer_bytes_ = 0;
  bool chunked_ = false;
  bool expect_continue_ = false;
  bool chunk_size_seen_ = false;
  int error_status_ = 0;
  const char* error_message_ = "";
  std::vector<header_pos> header_pos_;
  std::vector<header_view> headers_;
  std::string body_;  // a de-chunked body
  server_request req_;
};

}  // namespace duet::http
