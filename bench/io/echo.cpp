// TCP echo over loopback: a duet echo server, and a load generator (also duet) that keeps
// `conns` connections each doing request/response round trips of `size` bytes for `seconds`,
// reporting requests/s and latency percentiles. The same load generator drives every server
// (duet on epoll, duet on io_uring, Boost.Asio) so that only the server differs.
//
//   bench_io_echo server PORT                 (DUET_IO_BACKEND=epoll|io_uring picks the reactor)
//   bench_io_echo client PORT CONNS SECONDS [SIZE]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "duet/duet.hpp"

using clk = std::chrono::steady_clock;

namespace {

duet::task<void> serve(duet::tcp_stream s) {
  s.set_nodelay(true);
  std::array<std::byte, 4096> buf{};
  try {
    for (;;) {
      const std::size_t n = co_await s.read_some(buf);
      if (n == 0) co_return;
      co_await s.write_all(std::span(buf.data(), n));
    }
  } catch (const std::system_error&) {
    // a client that resets is not the server's problem
  }
}

int run_server(int port, duet::runtime& rt) {
  auto body = [&]() -> duet::task<void> {
    co_await duet::on(rt.io());  // an I/O-bound server lives on the loop
    auto l = duet::tcp_listener::bind(duet::socket_address::ip("127.0.0.1", static_cast<std::uint16_t>(port)));
    std::printf("duet echo server (%s) on %s\n", rt.io().backend_name(), l.local_address().to_string().c_str());
    std::fflush(stdout);
    duet::task_group g;
    for (;;) {
      auto s = co_await l.accept();
      g.spawn(serve(std::move(s)));
    }
  };
  rt.block_on(body());
  return 0;
}

duet::task<void> load(duet::socket_address addr, clk::time_point until, std::size_t size,
                      std::vector<std::uint32_t>& lat_us, std::uint64_t& count) {
  auto s = co_await duet::tcp_stream::connect(addr);
  s.set_nodelay(true);
  std::vector<std::byte> out(size, std::byte{'x'}), in(size);
  while (clk::now() < until) {
    const auto t0 = clk::now();
    co_await s.write_all(out);
    co_await s.read_exact(in);
    lat_us.push_back(
        static_cast<std::uint32_t>(std::chrono::duration_cast<std::chrono::microseconds>(clk::now() - t0).count()));
    ++count;
  }
}

int run_client(int port, int conns, double seconds, std::size_t size, duet::runtime& rt) {
  std::vector<std::vector<std::uint32_t>> lats(static_cast<std::size_t>(conns));
  std::vector<std::uint64_t> counts(static_cast<std::size_t>(conns));
  auto body = [&]() -> duet::task<void> {
    co_await duet::on(rt.io());
    const auto addr = duet::socket_address::ip("127.0.0.1", static_cast<std::uint16_t>(port));
    const auto until = clk::now() + std::chrono::duration_cast<clk::duration>(std::chrono::duration<double>(seconds));
    std::vector<duet::task<void>> ts;
    for (int i = 0; i < conns; ++i)
      ts.push_back(load(addr, until, size, lats[static_cast<std::size_t>(i)], counts[static_cast<std::size_t>(i)]));
    co_await duet::when_all(std::move(ts));
  };
  const auto t0 = clk::now();
  rt.block_on(body());
  const double wall = std::chrono::duration<double>(clk::now() - t0).count();
  std::vector<std::uint32_t> all;
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < lats.size(); ++i) {
    all.insert(all.end(), lats[i].begin(), lats[i].end());
    total += counts[i];
  }
  std::sort(all.begin(), all.end());
  auto pct = [&](double p) {
    return all.empty() ? 0u : all[std::min(all.size() - 1, static_cast<std::size_t>(p * all.size()))];
  };
  std::printf("requests=%llu wall=%.2fs rps=%.0f p50_us=%u p99_us=%u\n", static_cast<unsigned long long>(total), wall,
              static_cast<double>(total) / wall, pct(0.50), pct(0.99));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 3 && std::strcmp(argv[1], "server") == 0) {
    duet::runtime rt({.cpu_threads = 1});
    return run_server(std::atoi(argv[2]), rt);
  }
  if (argc >= 5 && std::strcmp(argv[1], "client") == 0) {
    duet::runtime rt({.cpu_threads = 1});
    return run_client(std::atoi(argv[2]), std::atoi(argv[3]), std::atof(argv[4]),
                      argc >= 6 ? static_cast<std::size_t>(std::atol(argv[5])) : 64, rt);
  }
  std::fprintf(stderr, "usage: %s server PORT | client PORT CONNS SECONDS [SIZE]\n", argv[0]);
  return 2;
}
