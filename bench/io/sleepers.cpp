// One million tasks, each sleeping one second: wall time and peak RSS per task.
// Usage: bench_io_sleepers [--tasks N] [--seconds S]
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "duet/duet.hpp"

namespace {
long rss_kb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}
}  // namespace

int main(int argc, char** argv) {
  long tasks = 1'000'000;
  double seconds = 1.0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--tasks") == 0)
      tasks = std::atol(argv[i + 1]);
    else if (std::strcmp(argv[i], "--seconds") == 0)
      seconds = std::atof(argv[i + 1]);
  }
  const long base_kb = rss_kb();
  duet::runtime rt;
  const auto sleep = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(seconds));
  long woke = 0;
  auto body = [&]() -> duet::task<void> {
    // The tasks run on the io loop: timers are its job, and nothing here computes.
    co_await duet::on(rt.io());
    duet::task_group g;
    for (long i = 0; i < tasks; ++i) {
      g.spawn([](std::chrono::nanoseconds d, long& n) -> duet::task<void> {
        co_await duet::sleep_for(d);
        ++n;  // every task resumes on the loop thread: no race
      }(sleep, woke));
    }
    co_await g.wait();
  };
  const auto t0 = std::chrono::steady_clock::now();
  rt.block_on(body());
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const long peak_kb = rss_kb();
  if (woke != tasks) {
    std::fprintf(stderr, "error: %ld of %ld tasks woke\n", woke, tasks);
    return 1;
  }
  std::printf("duet-%s tasks=%ld sleep=%.2fs wall=%.3fs peak_rss=%.1fMB bytes_per_task=%.0f\n", rt.io().backend_name(),
              tasks, seconds, wall, peak_kb / 1024.0, (peak_kb - base_kb) * 1024.0 / static_cast<double>(tasks));
  return 0;
}
