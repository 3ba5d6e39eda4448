// Work that waits: a TCP echo server and 100 clients on loopback, all in progress at once on
// the io loop; a timeout around the whole exchange; a child process whose output we read.
#include <cstdio>
#include <numeric>
#include <string>

#include "duet/duet.hpp"

using namespace std::chrono_literals;

duet::task<void> echo(duet::tcp_stream s) {
  std::array<std::byte, 1024> buf{};
  for (std::size_t n; (n = co_await s.read_some(buf)) != 0;) co_await s.write_all(std::span(buf.data(), n));
}

duet::task<std::size_t> client(duet::socket_address server, int id) {
  auto s = co_await duet::tcp_stream::connect(server);
  const std::string msg = "hello from client " + std::to_string(id);
  co_await s.write_all(msg);
  std::string reply(msg.size(), '\0');
  co_await s.read_exact(std::as_writable_bytes(std::span(reply)));
  co_return reply == msg ? 1 : 0;
}

duet::task<int> main_task() {
  auto listener = duet::tcp_listener::bind(duet::socket_address::parse("127.0.0.1:0"));
  auto server = duet::spawn([](duet::tcp_listener& l) -> duet::task<void> {
    duet::task_group conns;
    for (int i = 0; i < 100; ++i) conns.spawn(echo(co_await l.accept()));
    co_await conns.wait();
  }(listener));

  std::vector<duet::task<std::size_t>> clients;
  clients.reserve(100);
  for (int i = 0; i < 100; ++i) clients.push_back(client(listener.local_address(), i));
  auto ok = co_await duet::timeout(duet::when_all(std::move(clients)), 10s);
  co_await server;
  const std::size_t good = std::accumulate(ok.begin(), ok.end(), std::size_t{0});
  std::printf("%zu of 100 clients got their echo\n", good);

  const duet::command cmd{.program = "echo", .args = {"a child process says hi"}};
  const duet::output out = co_await duet::run(cmd);
  std::printf("child: %s", out.out.c_str());
  co_return good == 100 && out.status.success() && out.out == "a child process says hi\n" ? 0 : 1;
}

int main() {
  duet::runtime rt;
  return rt.block_on(main_task());
}
