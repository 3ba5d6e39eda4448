// The "hello world" HTTP server of bench/http/run_server: duet::http::server answering
// GET / with "Hello, World!" (the body nginx returns in the same benchmark).
//   server_hello [--port P] [--threads N] [--on-loop] [--loops N] [--backend epoll|io_uring]
// --backend sets DUET_IO_BACKEND for every loop of the process (the runtime's and the
// server's own): nginx waits with epoll, and duet's default is io_uring where available.
// Prints "listening on PORT" once ready; stops on SIGINT/SIGTERM.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "duet/duet.hpp"
#include "duet/io/http/server.hpp"

namespace {

duet::task<void> stop_on(int signo, duet::http::server& s) {
  co_await duet::signal(signo);
  s.stop();
}

duet::task<void> serve(duet::http::server& s, duet::io_loop& loop, bool on_loop) {
  // With --on-loop the connections are tasks on the io loop's thread (one thread, like one
  // nginx worker); by default they are tasks on the CPU pool, whose workers try each socket
  // call themselves and only wait on the loop when the socket is not ready.
  if (on_loop) co_await duet::on(loop);
  auto a = duet::spawn(stop_on(SIGINT, s));
  auto b = duet::spawn(stop_on(SIGTERM, s));
  co_await s.run();
  a.detach();
  b.detach();
}

}  // namespace

int main(int argc, char** argv) {
  int port = 0;
  std::size_t threads = 0;
  bool on_loop = false;
  std::size_t loops = 0;  // server_options::loops: 0 = connections where run() runs
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--port") == 0 && i + 1 < argc) {
      port = std::atoi(argv[++i]);
    } else if (std::strcmp(argv[i], "--threads") == 0 && i + 1 < argc) {
      threads = static_cast<std::size_t>(std::atoi(argv[++i]));
    } else if (std::strcmp(argv[i], "--on-loop") == 0) {
      on_loop = true;
    } else if (std::strcmp(argv[i], "--loops") == 0 && i + 1 < argc) {
      loops = static_cast<std::size_t>(std::atoi(argv[++i]));
    } else if (std::strcmp(argv[i], "--backend") == 0 && i + 1 < argc) {
      ::setenv("DUET_IO_BACKEND", argv[++i], 1);  // before the first loop exists
    } else {
      std::fprintf(stderr, "usage: %s [--port P] [--threads N] [--on-loop] [--loops N] [--backend B]\n", argv[0]);
      return 2;
    }
  }
  duet::runtime rt({.cpu_threads = threads});
  duet::http::server s({.server_name = "duet", .loops = loops});
  s.route("GET", "/", [](duet::http::server_request&) -> duet::task<duet::http::server_response> {
    co_return duet::http::server_response::text(200, "Hello, World!");
  });
  s.listen(duet::socket_address::ip("127.0.0.1", static_cast<std::uint16_t>(port)), rt.io());
  std::printf("listening on %u\n", static_cast<unsigned>(s.local_address().port()));
  std::fflush(stdout);
  rt.block_on(serve(s, rt.io(), on_loop));
  return 0;
}
