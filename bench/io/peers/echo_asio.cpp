// A Boost.Asio echo server with C++20 coroutines on one thread: the reference for
// bench/io/echo (same protocol: echo whatever arrives).
#include <utility>  // Boost 1.74 asio/awaitable.hpp uses std::exchange without including it

#include <boost/asio.hpp>
#include <cstdio>
#include <cstdlib>

namespace asio = boost::asio;
using asio::ip::tcp;

static asio::awaitable<void> serve(tcp::socket s) {
  s.set_option(tcp::no_delay(true));
  char buf[4096];
  try {
    for (;;) {
      const std::size_t n = co_await s.async_read_some(asio::buffer(buf), asio::use_awaitable);
      co_await asio::async_write(s, asio::buffer(buf, n), asio::use_awaitable);
    }
  } catch (const std::exception&) {
  }
}

static asio::awaitable<void> listen(tcp::acceptor& a) {
  for (;;) asio::co_spawn(a.get_executor(), serve(co_await a.async_accept(asio::use_awaitable)), asio::detached);
}

int main(int argc, char** argv) {
  const int port = argc > 1 ? std::atoi(argv[1]) : 0;
  asio::io_context ctx(1);
  tcp::acceptor a(ctx, tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)));
  std::printf("asio echo server on 127.0.0.1:%d\n", a.local_endpoint().port());
  std::fflush(stdout);
  asio::co_spawn(ctx, listen(a), asio::detached);
  ctx.run();
}
