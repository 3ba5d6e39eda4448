#include "test_server.hpp"

#include <sys/socket.h>

#include <array>
#include <cctype>
#include <random>
#include <system_error>
#include <thread>

namespace http_test {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

const char* reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 204:
      return "No Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 307:
      return "Temporary Redirect";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "Status";
  }
}

// Reads more bytes into `buf`; false at end of stream.
duet::task<bool> read_more(duet::tcp_stream& s, std::string& buf) {
  std::array<std::byte, 16384> tmp{};
  const std::size_t n = co_await s.read_some(tmp);
  buf.append(reinterpret_cast<const char*>(tmp.data()), n);
  co_return n != 0;
}

// Reads until the client hangs up (true). Bytes that arrive meanwhile (a next request) are kept.
duet::task<bool> until_hangup(duet::tcp_stream& s, std::string& buf) {
  try {
    while (co_await read_more(s, buf)) {
    }
  } catch (const std::system_error&) {  // reset by the client: a hang-up too
  }
  co_return true;
}

// One request from `buf` (reading more as needed); false when the client closed first.
duet::task<bool> read_request(duet::tcp_stream& s, std::string& buf, seen_request& out) {
  std::size_t end = 0;
  while ((end = buf.find("\r\n\r\n")) == std::string::npos)
    if (!co_await read_more(s, buf)) co_return false;
  std::string_view head(buf.data(), end);
  const std::size_t eol = head.find("\r\n");
  const std::string_view line = head.substr(0, eol);
  const std::size_t sp1 = line.find(' ');
  const std::size_t sp2 = line.find(' ', sp1 + 1);
  out = {};
  out.method = std::string(line.substr(0, sp1));
  out.target = std::string(line.substr(sp1 + 1, sp2 - sp1 - 1));
  std::size_t length = 0;
  std::size_t pos = eol == std::string_view::npos ? head.size() : eol + 2;
  while (pos < head.size()) {
    std::size_t next = head.find("\r\n", pos);
    if (next == std::string_view::npos) next = head.size();
    const std::string_view h = head.substr(pos, next - pos);
    if (const std::size_t colon = h.find(':'); colon != std::string_view::npos) {
      std::string_view value = h.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      out.headers.push_back({std::string(h.substr(0, colon)), std::string(value)});
      if (iequals(h.substr(0, colon), "Content-Length")) length = std::stoul(std::string(value));
    }
    pos = next + 2;
  }
  const std::size_t total = end + 4 + length;
  while (buf.size() < total)
    if (!co_await read_more(s, buf)) co_return false;
  out.body = buf.substr(end + 4, length);
  buf.erase(0, total);
  co_return true;
}

duet::task<void> serve_connection(duet::tcp_stream s, const handler& h, std::shared_ptr<test_server::counters> c) {
  std::string buf;
  try {
    for (;;) {
      seen_request req;
      if (!co_await read_request(s, buf, req)) co_return;
      c->requests.fetch_add(1);
      const reply rep = h(req);
      if (rep.delay.count() > 0) {
        bool hung_up = false;
        try {
          hung_up = co_await duet::timeout(until_hangup(s, buf), rep.delay);
        } catch (const duet::timeout_error&) {  // the delay elapsed: answer
        }
        if (hung_up) {
          c->hangups.fetch_add(1);
          co_return;
        }
      }
      if (rep.reset) {
        linger lg{1, 0};  // the close below sends RST instead of FIN
        ::setsockopt(s.native_handle(), SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
        co_return;
      }
      std::string out = http_test::cat("HTTP/1.1 ", rep.status) + " " + reason(rep.status) + "\r\n";
      out += http_test::cat("Content-Length: ", rep.body.size()) + "\r\n";
      for (const auto& f : rep.headers) out += f.name + ": " + f.value + "\r\n";
      if (rep.close) out += "Connection: close\r\n";
      out += "\r\n";
      if (req.method != "HEAD") out += rep.body;
      co_await s.write_all(out);
      if (rep.close) co_return;
    }
  } catch (const std::exception&) {  // a client that went away mid-write, or the server stopping
  }
}

duet::task<void> serve(duet::tcp_listener l, handler h, std::shared_ptr<test_server::counters> c) {
  duet::task_group g(co_await duet::this_task::stop_token());
  try {
    for (;;) {
      duet::tcp_stream s = co_await l.accept();
      c->accepts.fetch_add(1);
      g.spawn(serve_connection(std::move(s), h, c));
    }
  } catch (const std::exception&) {  // cancelled: the server is being destroyed
  }
  g.cancel();
  try {
    co_await g.wait();
  } catch (const std::exception&) {
  }
}

}  // namespace

std::string seen_request::header(std::string_view name) const {
  for (const auto& f : headers)
    if (iequals(f.name, name)) return f.value;
  return {};
}

test_server::test_server(duet::io_loop& loop, handler h) {
  auto l = duet::tcp_listener::bind(duet::socket_address::parse("127.0.0.1:0"), 1024, loop);
  port_ = l.local_address().port();
  task_ = duet::spawn(loop, serve(std::move(l), std::move(h), c_));
}

test_server::~test_server() {
  task_.cancel();
  try {
    task_.get();
  } catch (const std::exception&) {
  }
}

std::string test_server::url(std::string_view path) const {
  return http_test::cat("http://127.0.0.1:", port_) + std::string(path);
}

bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

std::string cat(std::string_view prefix, long long n) {
  std::string s(prefix);
  s += std::to_string(n);
  return s;
}

std::string pattern_bytes(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (char& ch : s) ch = static_cast<char>(rng() & 0xff);
  return s;
}

}  // namespace http_test
