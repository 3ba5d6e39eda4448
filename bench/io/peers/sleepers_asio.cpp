// One Boost.Asio C++20 coroutine per task, each waiting on its own steady_timer: the Asio
// reference for bench/io/sleepers (a single-threaded io_context, like duet's io loop).
#include <sys/resource.h>

#include <utility>  // Boost 1.74 asio/awaitable.hpp uses std::exchange without including it

#include <boost/asio.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>

namespace asio = boost::asio;

static long rss_kb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

int main(int argc, char** argv) {
  if (argc < 3) return 2;
  const long n = std::atol(argv[1]);
  const double secs = std::atof(argv[2]);
  const long base = rss_kb();
  asio::io_context ctx(1);
  long woke = 0;
  const auto d = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(secs));
  const auto t0 = std::chrono::steady_clock::now();
  for (long i = 0; i < n; ++i)
    asio::co_spawn(
        ctx,
        [&woke, d]() -> asio::awaitable<void> {
          asio::steady_timer t(co_await asio::this_coro::executor, d);
          co_await t.async_wait(asio::use_awaitable);
          ++woke;
        },
        asio::detached);
  ctx.run();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const long peak = rss_kb();
  if (woke != n) return 1;
  std::printf("asio tasks=%ld wall=%.3fs peak_rss=%.1fMB bytes_per_task=%.0f\n", n, wall, peak / 1024.0,
              (peak - base) * 1024.0 / static_cast<double>(n));
}
