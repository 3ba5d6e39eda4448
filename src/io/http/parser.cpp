// The request parser's state machine (see parser.hpp). Each call resumes at pos_, so bytes that
// trickle in one at a time cost O(1) each, never a rescan of the buffer.
#include "duet/io/http/parser.hpp"

#include <algorithm>
#include <array>
#include <limits>

namespace duet::http {

namespace {

// RFC 9110 5.6.2: tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_"
// / "`" / "|" / "~" / DIGIT / ALPHA.
constexpr std::array<bool, 256> make_tchar() {
  std::array<bool, 256> t{};
  for (int c = '0'; c <= '9'; ++c) t[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) t[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = true;
  for (char c : std::string_view("!#$%&'*+-.^_`|~")) t[static_cast<unsigned char>(c)] = true;
  return t;
}
constexpr std::array<bool, 256> tchar = make_tchar();

constexpr bool is_tchar(unsigned char c) noexcept { return tchar[c]; }
// field-vchar / obs-text (RFC 9110 5.5), plus SP and HTAB inside a value.
constexpr bool is_field_char(unsigned char c) noexcept { return c == '\t' || (c >= 0x20 && c != 0x7f); }
// Characters allowed in a request-target: visible US-ASCII (RFC 3986 plus what browsers send).
constexpr bool is_target_char(unsigned char c) noexcept { return c > 0x20 && c < 0x7f; }

int hex_value(unsigned char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Calls f(token) for each comma-separated, trimmed, non-empty element of a list header.
template <class F>
void for_each_token(std::string_view list, F f) {
  while (!list.empty()) {
    const std::size_t comma = list.find(',');
    const std::string_view item = trim(list.substr(0, comma));
    if (!item.empty()) f(item);
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    unsigned char x = static_cast<unsigned char>(a[i]), y = static_cast<unsigned char>(b[i]);
    if (x >= 'A' && x <= 'Z') x = static_cast<unsigned char>(x + 32);
    if (y >= 'A' && y <= 'Z') y = static_cast<unsigned char>(y + 32);
    if (x != y) return false;
  }
  return true;
}

void request_parser::reset() noexcept {
  state_ = s_start;
  pos_ = 0;
  method_off_ = method_len_ = target_off_ = target_len_ = version_off_ = 0;
  name_off_ = name_len_ = value_off_ = value_end_ = 0;
  body_off_ = 0;
  content_length_ = chunk_left_ = 0;
  trailer_bytes_ = 0;
  chunked_ = expect_continue_ = chunk_size_seen_ = false;
  error_status_ = 0;
  error_message_ = "";
  header_pos_.clear();
  headers_.clear();
  body_.clear();
  req_ = server_request{};
}

parse_status request_parser::fail(int status, const char* message) noexcept {
  state_ = s_error;
  error_status_ = status;
  error_message_ = message;
  return parse_status::error;
}

parse_status request_parser::parse(std::string_view buf) {
  if (state_ == s_error) return parse_status::error;
  if (state_ == s_done) return parse_status::done;
  if (buf.size() > std::numeric_limits<std::uint32_t>::max() && state_ < first_body_state)
    return fail(431, "request header too large");
  if (state_ < first_body_state) {
    const parse_status st = parse_head(buf);
    if (st != parse_status::done) return st;
    // The head is complete; the body, if any, may already be in buf too.
  }
  if (state_ == s_body_length) {
    if (buf.size() - body_off_ < content_length_) return parse_status::need_more;
    pos_ = body_off_ + content_length_;
    return finish(buf);
  }
  return parse_chunked(buf);
}

parse_status request_parser::parse_head(std::string_view buf) {
  const auto* p = reinterpret_cast<const unsigned char*>(buf.data());
  // Never look past the header limit: an endless header line is refused once it passes it.
  const std::size_t end = std::min(buf.size(), limits_.max_header_bytes);
  std::size_t i = pos_;
  for (; i < end; ++i) {
    const unsigned char c = p[i];
    switch (state_) {
      case s_start:  // RFC 9112 2.2: ignore empty lines before the request line
        if (c == '\r' || c == '\n') continue;
        if (!is_tchar(c)) return fail(400, "request line does not start with a method");
        method_off_ = static_cast<std::uint32_t>(i);
        state_ = s_method;
        break;
      case s_method:
        if (is_tchar(c)) continue;
        if (c != ' ') return fail(400, "method contains an invalid character");
        method_len_ = static_cast<std::uint32_t>(i - method_off_);
        target_off_ = static_cast<std::uint32_t>(i + 1);
        state_ = s_target;
        break;
      case s_target:
        if (is_target_char(c)) continue;
        if (c != ' ') return fail(400, "request target contains an invalid character");
        target_len_ = static_cast<std::uint32_t>(i - target_off_);
        if (target_len_ == 0) return fail(400, "empty request target");
        version_off_ = static_cast<std::uint32_t>(i + 1);
        state_ = s_version;
        break;
      case s_version: {
        if (c != '\r' && c != '\n') {
          if (i - version_off_ >= 8) return fail(400, "malformed HTTP version");
          continue;
        }
        const std::string_view v = buf.substr(version_off_, i - version_off_);
        if (v.size() != 8 || v.substr(0, 5) != "HTTP/" || v[6] != '.' || v[5] < '0' || v[5] > '9' || v[7] < '0' ||
            v[7] > '9')
          return fail(400, "malformed HTTP version");
        if (v[5] != '1') return fail(505, "only HTTP/1.x is supported");
        req_.version_minor = v[7] - '0';
        state_ = c == '\r' ? s_line_lf : s_header_start;
        break;
      }
      case s_line_lf:
        if (c != '\n') return fail(400, "CR not followed by LF");
        state_ = s_header_start;
        break;
      case s_header_start:
        if (c == '\r') {
          state_ = s_headers_end_lf;
        } else if (c == '\n') {
          pos_ = i + 1;
          return on_headers_done(buf);
        } else if (c == ' ' || c == '\t') {
          return fail(400, "obsolete line folding in a header");
        } else if (is_tchar(c)) {
          if (header_pos_.size() >= limits_.max_headers) return fail(431, "too many header lines");
          name_off_ = static_cast<std::uint32_t>(i);
          state_ = s_name;
        } else {
          return fail(400, "header name contains an invalid character");
        }
        break;
      case s_name:
        if (is_tchar(c)) continue;
        if (c == ' ' || c == '\t') return fail(400, "whitespace between a header name and its colon");
        if (c != ':') return fail(400, "header line without a colon");
        name_len_ = static_cast<std::uint32_t>(i - name_off_);
        value_off_ = value_end_ = static_cast<std::uint32_t>(i + 1);
        state_ = s_value_ows;
        break;
      case s_value_ows:
        if (c == ' ' || c == '\t') {
          value_off_ = value_end_ = static_cast<std::uint32_t>(i + 1);
          continue;
        }
        state_ = s_value;
        [[fallthrough]];
      case s_value:
        if (c == '\r' || c == '\n') {
          header_pos_.push_back({name_off_, name_len_, value_off_, value_end_ - value_off_});
          state_ = c == '\r' ? s_header_lf : s_header_start;
          continue;
        }
        if (!is_field_char(c)) return fail(400, "header value contains a control character");
        if (c != ' ' && c != '\t') value_end_ = static_cast<std::uint32_t>(i + 1);
        break;
      case s_header_lf:
        if (c != '\n') return fail(400, "CR not followed by LF");
        state_ = s_header_start;
        break;
      case s_headers_end_lf:
        if (c != '\n') return fail(400, "CR not followed by LF");
        pos_ = i + 1;
        return on_headers_done(buf);
      default:
        return fail(400, "internal parser state");  // unreachable
    }
  }
  pos_ = i;
  if (buf.size() >= limits_.max_header_bytes)
    return state_ <= s_version ? fail(414, "request line too long") : fail(431, "request header too large");
  return parse_status::need_more;
}

bool request_parser::check_target(std::string_view target) noexcept {
  std::string_view path;
  if (target.front() == '/') {
    path = target;
  } else if (target == "*") {
    if (req_.method != "OPTIONS") return false;
    path = target;
  } else {
    // absolute-form (RFC 9112 3.2.2): a server MUST accept it; the path starts after the authority.
    const std::size_t scheme_end = target.find("://");
    if (scheme_end == std::string_view::npos ||
        !(iequals(target.substr(0, scheme_end), "http") || iequals(target.substr(0, scheme_end), "https")))
      return false;
    const std::size_t slash = target.find_first_of("/?", scheme_end + 3);
    if (slash == scheme_end + 3) return false;  // no host
    path = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
    if (path.front() == '?') {
      req_.query = path.substr(1);
      req_.path = "/";
      return true;
    }
  }
  const std::size_t q = path.find('?');
  req_.path = path.substr(0, q);
  req_.query = q == std::string_view::npos ? std::string_view() : path.substr(q + 1);
  return true;
}

parse_status request_parser::on_headers_done(std::string_view buf) {
  req_.method = buf.substr(method_off_, method_len_);
  req_.target = buf.substr(target_off_, target_len_);
  if (!check_target(req_.target)) return fail(400, "malformed request target");

  bool has_length = false, has_te = false, te_chunked_last = false;
  int hosts = 0;
  bool conn_close = false, conn_keep_alive = false;
  headers_.clear();
  for (const header_pos& h : header_pos_) {
    const header_view hv{buf.substr(h.name_off, h.name_len), buf.substr(h.value_off, h.value_len)};
    headers_.push_back(hv);
    const std::string_view n = hv.name;
    if (iequals(n, "content-length")) {
      const std::string_view v = hv.value;
      if (v.empty() || v.size() > 18) return fail(400, "invalid Content-Length");
      std::uint64_t len = 0;
      for (char ch : v) {
        if (ch < '0' || ch > '9') return fail(400, "invalid Content-Length");
        len = len * 10 + static_cast<std::uint64_t>(ch - '0');
      }
      if (has_length && len != content_length_) return fail(400, "conflicting Content-Length headers");
      has_length = true;
      content_length_ = len;
    } else if (iequals(n, "transfer-encoding")) {
      // Codings apply in order; chunked must come last, and it is the only one we decode.
      bool other = false;
      for_each_token(hv.value, [&](std::string_view t) {
        if (iequals(t, "chunked")) {
          if (te_chunked_last) other = true;  // chunked twice
          te_chunked_last = true;
        } else {
          other = true;
          te_chunked_last = false;
        }
      });
      if (other) return fail(501, "only the chunked transfer coding is supported");
      has_te = true;
    } else if (iequals(n, "host")) {
      ++hosts;
    } else if (iequals(n, "connection")) {
      for_each_token(hv.value, [&](std::string_view t) {
        if (iequals(t, "close")) conn_close = true;
        if (iequals(t, "keep-alive")) conn_keep_alive = true;
      });
    } else if (iequals(n, "expect")) {
      if (iequals(trim(hv.value), "100-continue")) expect_continue_ = true;
    }
  }
  if (hosts > 1) return fail(400, "more than one Host header");
  if (hosts == 0 && req_.version_minor >= 1) return fail(400, "HTTP/1.1 request without a Host header");
  if (has_te && has_length) return fail(400, "both Content-Length and Transfer-Encoding");
  if (has_te && !te_chunked_last) return fail(400, "Transfer-Encoding does not end with chunked");
  if (has_te && req_.version_minor == 0) return fail(400, "Transfer-Encoding in an HTTP/1.0 request");
  if (content_length_ > limits_.max_body_bytes) return fail(413, "request body too large");
  req_.keep_alive = req_.version_minor >= 1 ? !conn_close : (conn_keep_alive && !conn_close);
  req_.headers = headers_;
  body_off_ = pos_;
  chunked_ = has_te;
  state_ = chunked_ ? s_chunk_size : s_body_length;
  return parse_status::done;  // "the head is done": parse() goes on with the body
}

parse_status request_parser::parse_chunked(std::string_view buf) {
  const auto* p = reinterpret_cast<const unsigned char*>(buf.data());
  std::size_t i = pos_;
  while (i < buf.size()) {
    const unsigned char c = p[i];
    switch (state_) {
      case s_chunk_size: {
        const int h = hex_value(c);
        if (h >= 0) {
          if (chunk_left_ > (std::numeric_limits<std::uint64_t>::max() >> 4)) return fail(400, "chunk size overflows");
          chunk_left_ = chunk_left_ * 16 + static_cast<std::uint64_t>(h);
          chunk_size_seen_ = true;
          ++i;
          continue;
        }
        if (!chunk_size_seen_) return fail(400, "chunk without a size");
        if (body_.size() + chunk_left_ > limits_.max_body_bytes) return fail(413, "request body too large");
        if (c == ';' || c == ' ' || c == '\t') {
          state_ = s_chunk_ext;
        } else if (c == '\r') {
          state_ = s_chunk_size_lf;
        } else if (c == '\n') {
          state_ = chunk_left_ == 0 ? s_trailer_start : s_chunk_data;
        } else {
          return fail(400, "invalid chunk size");
        }
        ++i;
        break;
      }
      case s_chunk_ext:  // chunk extensions carry nothing we use: skip them
        if (c == '\r') {
          state_ = s_chunk_size_lf;
        } else if (c == '\n') {
          state_ = chunk_left_ == 0 ? s_trailer_start : s_chunk_data;
        } else if (!is_field_char(c)) {
          return fail(400, "control character in a chunk extension");
        }
        ++i;
        break;
      case s_chunk_size_lf:
        if (c != '\n') return fail(400, "CR not followed by LF");
        state_ = chunk_left_ == 0 ? s_trailer_start : s_chunk_data;
        ++i;
        break;
      case s_chunk_data: {
        const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(chunk_left_, buf.size() - i));
        body_.append(buf.data() + i, n);
        chunk_left_ -= n;
        i += n;
        if (chunk_left_ == 0) state_ = s_chunk_data_cr;
        break;
      }
      case s_chunk_data_cr:
        if (c == '\r') {
          state_ = s_chunk_data_lf;
        } else if (c == '\n') {
          state_ = s_chunk_size;
          chunk_size_seen_ = false;
        } else {
          return fail(400, "chunk data longer than its size");
        }
        ++i;
        break;
      case s_chunk_data_lf:
        if (c != '\n') return fail(400, "CR not followed by LF");
        state_ = s_chunk_size;
        chunk_size_seen_ = false;
        ++i;
        break;
      case s_trailer_start:
        if (c == '\r') {
          state_ = s_trailer_end_lf;
        } else if (c == '\n') {
          pos_ = i + 1;
          return finish(buf);
        } else if (is_tchar(c)) {
          state_ = s_trailer_line;  // trailer fields are allowed and ignored
        } else {
          return fail(400, "malformed trailer");
        }
        ++i;
        break;
      case s_trailer_line:
        if (c == '\n') {
          state_ = s_trailer_start;
        } else if (c != '\r' && !is_field_char(c)) {
          return fail(400, "control character in a trailer");
        }
        ++i;
        break;
      case s_trailer_end_lf:
        if (c != '\n') return fail(400, "CR not followed by LF");
        pos_ = i + 1;
        return finish(buf);
      default:
        return fail(400, "internal parser state");  // unreachable
    }
    if (state_ == s_trailer_start || state_ == s_trailer_line || state_ == s_trailer_end_lf) {
      if (++trailer_bytes_ > limits_.max_header_bytes) return fail(431, "trailer section too large");
    }
  }
  pos_ = i;
  return parse_status::need_more;
}

parse_status request_parser::finish(std::string_view buf) {
  // Rebuild the views from offsets: buf may have moved since the headers were parsed.
  req_.method = buf.substr(method_off_, method_len_);
  req_.target = buf.substr(target_off_, target_len_);
  check_target(req_.target);
  for (std::size_t k = 0; k < header_pos_.size(); ++k)
    headers_[k] = {buf.substr(header_pos_[k].name_off, header_pos_[k].name_len),
                   buf.substr(header_pos_[k].value_off, header_pos_[k].value_len)};
  req_.headers = headers_;
  req_.body = chunked_ ? std::string_view(body_) : buf.substr(body_off_, content_length_);
  state_ = s_done;
  return parse_status::done;
}

}  // namespace duet::http
