// Routing, static files and the head of a response.
#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <climits>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <stdexcept>

#include "duet/io/file.hpp"
#include "duet/io/http/server.hpp"
#include "server_state.hpp"

namespace duet::http {

using detail::route_entry;
using detail::route_match;

std::string_view reason_phrase(int status) noexcept {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 204:
      return "No Content";
    case 206:
      return "Partial Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 304:
      return "Not Modified";
    case 307:
      return "Temporary Redirect";
    case 308:
      return "Permanent Redirect";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Unknown";
  }
}

namespace {

// The Date header's value (RFC 9110 5.6.7, IMF-fixdate), formatted once per second per thread.
std::string_view http_date() {
  struct cache {
    std::time_t sec = -1;
    std::array<char, 40> text{};
    std::size_t len = 0;
  };
  thread_local cache c;
  const std::time_t now = std::time(nullptr);
  if (now != c.sec) {
    static constexpr std::array<const char*, 7> days{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr std::array<const char*, 12> months{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    std::tm tm{};
    gmtime_r(&now, &tm);
    const int n = std::snprintf(c.text.data(), c.text.size(), "%s, %02d %s %04d %02d:%02d:%02d GMT",
                                days[static_cast<std::size_t>(tm.tm_wday) % 7], tm.tm_mday,
                                months[static_cast<std::size_t>(tm.tm_mon) % 12], tm.tm_year + 1900, tm.tm_hour,
                                tm.tm_min, tm.tm_sec);
    c.len = n > 0 ? static_cast<std::size_t>(n) : 0;
    c.sec = now;
  }
  return {c.text.data(), c.len};
}

void append_number(std::string& out, std::uint64_t v) {
  std::array<char, 24> digits{};
  const auto r = std::to_chars(digits.data(), digits.data() + digits.size(), v);
  out.append(digits.data(), r.ptr);
}

const route_entry* pick(const std::vector<route_entry>& methods, std::string_view method) {
  for (const route_entry& e : methods)
    if (e.method == method) return &e;
  if (method == "HEAD")
    for (const route_entry& e : methods)
      if (e.method == "GET") return &e;
  return nullptr;
}

std::string allow_list(const std::vector<route_entry>& methods) {
  std::string allow;
  bool get = false, head = false;
  for (const route_entry& e : methods) {
    if (!allow.empty()) allow += ", ";
    allow += e.method;
    get = get || e.method == "GET";
    head = head || e.method == "HEAD";
  }
  if (get && !head) allow += ", HEAD";
  return allow;
}

void add_route(std::vector<route_entry>& methods, std::string method, handler h) {
  for (route_entry& e : methods)
    if (e.method == method) {
      e.h = std::move(h);
      return;
    }
  methods.push_back({std::move(method), std::move(h)});
}

}  // namespace

namespace detail {

void write_head(std::string& out, const server_response& r, bool keep_alive, bool http10, bool chunked,
                std::uint64_t length, const std::string& server_name) {
  out.append("HTTP/1.1 ");
  append_number(out, static_cast<std::uint64_t>(r.status));
  out.push_back(' ');
  out.append(reason_phrase(r.status));
  out.append("\r\nDate: ");
  out.append(http_date());
  if (!server_name.empty()) {
    out.append("\r\nServer: ");
    out.append(server_name);
  }
  if (!r.content_type.empty()) {
    out.append("\r\nContent-Type: ");
    out.append(r.content_type);
  }
  if (chunked) {
    out.append("\r\nTransfer-Encoding: chunked");
  } else if (!r.source || r.content_length) {
    out.append("\r\nContent-Length: ");
    append_number(out, length);
  }
  if (!keep_alive)
    out.append("\r\nConnection: close");
  else if (http10)
    out.append("\r\nConnection: keep-alive");
  for (const auto& [name, value] : r.headers) {
    out.append("\r\n");
    out.append(name);
    out.append(": ");
    out.append(value);
  }
  out.append("\r\n\r\n");
}

}  // namespace detail

route_match server::state::find(std::string_view method, std::string_view path) const {
  route_match m;
  if (auto it = exact.find(path); it != exact.end()) {
    if (const route_entry* e = pick(it->second, method)) {
      m.h = &e->h;
      return m;
    }
    m.status = 405;
    m.allow = allow_list(it->second);
    return m;
  }
  for (const auto& [prefix, methods] : prefixes) {
    if (!path.starts_with(prefix)) continue;
    if (const route_entry* e = pick(methods, method)) {
      m.h = &e->h;
      m.rest = path.substr(prefix.size());
      return m;
    }
    m.status = 405;
    m.allow = allow_list(methods);
    return m;
  }
  m.status = 404;
  return m;
}

server& server::route(std::string method, std::string path, handler h) {
  if (path.empty() || path.front() != '/')
    throw std::invalid_argument("duet::http::server::route: path '" + path + "' does not start with '/'");
  add_route(s_->exact[path], std::move(method), std::move(h));
  return *this;
}

server& server::route_prefix(std::string method, std::string prefix, handler h) {
  if (prefix.empty() || prefix.front() != '/')
    throw std::invalid_argument("duet::http::server::route_prefix: prefix '" + prefix + "' does not start with '/'");
  auto& list = s_->prefixes;
  auto it = std::find_if(list.begin(), list.end(), [&](const auto& p) { return p.first == prefix; });
  if (it == list.end()) {
    list.emplace_back(std::move(prefix), std::vector<route_entry>{});
    it = list.end() - 1;
  }
  add_route(it->second, std::move(method), std::move(h));
  std::sort(list.begin(), list.end(), [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
  return *this;
}

server& server::static_files(std::string prefix, const std::filesystem::path& dir) {
  std::error_code ec;
  const std::filesystem::path root = std::filesystem::canonical(dir, ec);
  if (ec || !std::filesystem::is_directory(root, ec))
    throw std::invalid_argument("duet::http::server::static_files: '" + dir.string() + "' is not a directory");
  if (prefix.empty() || prefix.back() != '/') prefix += '/';
  return route_prefix("GET", std::move(prefix), detail::make_static_handler(root.string()));
}

// ---- static files ----

namespace {

std::string_view content_type_of(std::string_view path) {
  const std::size_t dot = path.rfind('.');
  const std::size_t slash = path.rfind('/');
  if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash))
    return "application/octet-stream";
  const std::string_view ext = path.substr(dot + 1);
  struct entry {
    std::string_view ext, type;
  };
  static constexpr std::array<entry, 20> types{{
      {"html", "text/html; charset=utf-8"},
      {"htm", "text/html; charset=utf-8"},
      {"css", "text/css; charset=utf-8"},
      {"js", "text/javascript; charset=utf-8"},
      {"mjs", "text/javascript; charset=utf-8"},
      {"json", "application/json"},
      {"txt", "text/plain; charset=utf-8"},
      {"md", "text/markdown; charset=utf-8"},
      {"xml", "application/xml"},
      {"svg", "image/svg+xml"},
      {"png", "image/png"},
      {"jpg", "image/jpeg"},
      {"jpeg", "image/jpeg"},
      {"gif", "image/gif"},
      {"webp", "image/webp"},
      {"ico", "image/x-icon"},
      {"wasm", "application/wasm"},
      {"pdf", "application/pdf"},
      {"csv", "text/csv; charset=utf-8"},
      {"gz", "application/gzip"},
  }};
  for (const entry& e : types)
    if (iequals(e.ext, ext)) return e.type;
  return "application/octet-stream";
}

// Percent-decodes a path and splits it into segments; false for what could escape the root or
// name something odd: "..", ".", an encoded '/', a NUL, a bad escape.
bool safe_relative_path(std::string_view encoded, std::string& out) {
  out.clear();
  std::string segment;
  auto flush = [&]() -> bool {
    if (segment == ".." || segment == ".") return false;
    if (!segment.empty()) {
      if (!out.empty()) out += '/';
      out += segment;
    }
    segment.clear();
    return true;
  };
  for (std::size_t i = 0; i < encoded.size(); ++i) {
    char c = encoded[i];
    if (c == '/') {
      if (!flush()) return false;
      continue;
    }
    if (c == '%') {
      if (i + 2 >= encoded.size()) return false;
      int v = 0;
      const auto r = std::from_chars(encoded.data() + i + 1, encoded.data() + i + 3, v, 16);
      if (r.ptr != encoded.data() + i + 3) return false;
      c = static_cast<char>(v);
      i += 2;
      if (c == '/' || c == '\0' || c == '\\') return false;
    }
    if (c == '\0') return false;
    segment += c;
  }
  return flush();
}

server_response not_found() { return server_response::text(404, "Not Found\n"); }

}  // namespace

handler detail::make_static_handler(std::string root) {
  return [root = std::move(root)](server_request& req) -> task<server_response> {
    std::string rel;
    if (!safe_relative_path(req.path_rest, rel)) co_return not_found();
    std::string full = rel.empty() ? root : root + "/" + rel;
    // Resolve symbolic links and check the result is still inside the root.
    std::array<char, PATH_MAX> real{};
    if (::realpath(full.c_str(), real.data()) == nullptr) co_return not_found();
    std::string resolved(real.data());
    if (resolved != root && !(resolved.starts_with(root) && resolved[root.size()] == '/')) co_return not_found();
    struct stat st{};
    if (::stat(resolved.c_str(), &st) != 0) co_return not_found();
    if (S_ISDIR(st.st_mode)) {
      resolved += "/index.html";
      if (::stat(resolved.c_str(), &st) != 0) co_return not_found();
    }
    if (!S_ISREG(st.st_mode)) co_return not_found();
    const auto size = static_cast<std::uint64_t>(st.st_size);
    server_response resp{.content_type = std::string(content_type_of(resolved))};
    constexpr std::uint64_t in_memory = 1 << 20;
    if (size <= in_memory) {
      resp.body = co_await read_file(resolved);
      co_return resp;
    }
    // A large file: streamed in pieces with its length known up front.
    auto f = std::make_shared<file>(co_await file::open(resolved));
    auto offset = std::make_shared<std::uint64_t>(0);
    resp.content_length = size;
    resp.source = [f, offset, size]() -> task<std::string> {
      std::string piece(static_cast<std::size_t>(std::min<std::uint64_t>(std::uint64_t{256} * 1024, size - *offset)),
                        '\0');
      if (piece.empty()) co_return piece;
      const std::size_t n = co_await f->read_at(std::as_writable_bytes(std::span(piece)), *offset);
      piece.resize(n);
      *offset += n;
      co_return piece;
    };
    co_return resp;
  };
}

}  // namespace duet::http
