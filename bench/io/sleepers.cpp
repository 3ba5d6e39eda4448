// One million tasks, each sleeping one second: wall time and peak RSS per task.
// Usage: bench_io_sleepers [--tasks N] [--seconds S] [--on io|cpu]
//   --on io  (default) the tasks run on the io loop, as an io-bound server's would;
//   --on cpu the tasks run on the CPU pool: every sleep is armed by a cross-thread post.
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "duet/duet.hpp"

namespace {
// Not a parameter of the task: it would add 8 bytes to each of the million frames measured.
std::chrono::steady_clock::time_point first_wake;

long rss_kb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}
}  // namespace

int main(int argc, char** argv) {
  long tasks = 1'000'000;
  double seconds = 1.0;
  bool on_cpu = false;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--tasks") == 0)
      tasks = std::atol(argv[i + 1]);
    else if (std::strcmp(argv[i], "--seconds") == 0)
      seconds = std::atof(argv[i + 1]);
    else if (std::strcmp(argv[i], "--on") == 0)
      on_cpu = std::strcmp(argv[i + 1], "cpu") == 0;
  }
  const long base_kb = rss_kb();
  duet::runtime rt;
  const auto sleep = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(seconds));
  std::atomic<long> woke{0};
  // Where the wall time goes (printed to stderr): spawning, the first wake-up, the last one.
  std::chrono::steady_clock::time_point t_spawned;
  auto body = [&]() -> duet::task<void> {
    // By default the tasks run on the io loop: timers are its job, and nothing here computes.
    if (!on_cpu) co_await duet::on(rt.io());
    duet::task_group g;
    for (long i = 0; i < tasks; ++i) {
      g.spawn([](std::chrono::nanoseconds d, std::atomic<long>& n) -> duet::task<void> {
        co_await duet::sleep_for(d);
        // relaxed: the count is read after g.wait(), which orders it; the first time is
        // written once, by the first task to wake.
        if (n.fetch_add(1, std::memory_order_relaxed) == 0) first_wake = std::chrono::steady_clock::now();
      }(sleep, woke));
    }
    t_spawned = std::chrono::steady_clock::now();
    co_await g.wait();
  };
  const auto t0 = std::chrono::steady_clock::now();
  rt.block_on(body());
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const long peak_kb = rss_kb();
  auto ms = [&](std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double, std::milli>(t - t0).count();
  };
  std::fprintf(stderr, "phases: spawned %.0f ms, first wake %.0f ms, last wake %.0f ms\n", ms(t_spawned),
               ms(first_wake), wall * 1000);
  if (woke.load() != tasks) {
    std::fprintf(stderr, "error: %ld of %ld tasks woke\n", woke.load(), tasks);
    return 1;
  }
  std::printf("duet-%s%s tasks=%ld sleep=%.2fs wall=%.3fs peak_rss=%.1fMB bytes_per_task=%.0f\n",
              rt.io().backend_name(), on_cpu ? "-cpu" : "", tasks, seconds, wall, peak_kb / 1024.0,
              (peak_kb - base_kb) * 1024.0 / static_cast<double>(tasks));
  return 0;
}
