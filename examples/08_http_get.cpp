// HTTP requests as tasks: 50 pages fetched at once through one duet::http::client (libcurl
// driven by the io loop), from a minimal keep-alive server on loopback started here, so the
// example needs no network. Also: a request with a timeout and retries, and a 404 that is a
// response, not an error.
#include <cstdio>
#include <string>
#include <string_view>

#include "duet/duet.hpp"
#include "duet/io/http/client.hpp"

using namespace std::chrono_literals;

// Answers every GET on one connection with "page <path>" (keep-alive), 404 for /missing.
duet::task<void> serve_connection(duet::tcp_stream s) {
  std::string buf;
  std::array<std::byte, 4096> chunk{};
  for (;;) {
    std::size_t end;
    while ((end = buf.find("\r\n\r\n")) == std::string::npos) {
      const std::size_t n = co_await s.read_some(chunk);
      if (n == 0) co_return;
      buf.append(reinterpret_cast<const char*>(chunk.data()), n);
    }
    const std::size_t p = buf.find(' ') + 1;
    const std::string path = buf.substr(p, buf.find(' ', p) - p);
    buf.erase(0, end + 4);
    const bool found = path != "/missing";
    const std::string body = found ? "page " + path : "not found";
    co_await s.write_all((found ? "HTTP/1.1 200 OK\r\n" : "HTTP/1.1 404 Not Found\r\n") +
                         ("Content-Length: " + std::to_string(body.size())) + "\r\n\r\n" + body);
  }
}

// Accepts until cancelled; cancelling it also cancels the connections (their task group).
duet::task<void> serve(duet::tcp_listener& l) {
  duet::task_group conns(co_await duet::this_task::stop_token());
  for (;;) conns.spawn(serve_connection(co_await l.accept()));
}

duet::task<int> main_task(duet::io_loop& io) {
  auto listener = duet::tcp_listener::bind(duet::socket_address::parse("127.0.0.1:0"));
  const std::string base = "http://127.0.0.1:" + std::to_string(listener.local_address().port());
  auto server = duet::spawn(io, serve(listener));

  duet::http::client http({}, io);
  std::vector<duet::task<duet::http::response>> pages;
  pages.reserve(50);
  for (int i = 0; i < 50; ++i) pages.push_back(http.get(base + "/page/" + std::to_string(i)));
  auto responses = co_await duet::when_all(std::move(pages));  // all 50 in flight at once
  int good = 0;
  for (int i = 0; i < 50; ++i) good += responses[i].body == "page /page/" + std::to_string(i);
  std::printf("%d of 50 pages fetched concurrently\n", good);

  auto req = duet::http::request::get(base + "/missing").with_timeout(2s).retries(3);
  auto missing = co_await http.send(std::move(req));
  std::printf("GET /missing: HTTP %d after %d attempt(s) (a 404 is a response, not retried)\n", missing.status,
              missing.attempts);

  server.cancel();
  try {
    co_await server;
  } catch (const duet::cancelled_error&) {
    std::printf("server stopped\n");
  }
  co_return good == 50 && missing.status == 404 && missing.attempts == 1 ? 0 : 1;
}

int main() {
  duet::runtime rt;
  return rt.block_on(main_task(rt.io()));
}
