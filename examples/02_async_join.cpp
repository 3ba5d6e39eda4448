// Waiting for several tasks at once: duet::when_all, like Tokio's `join!(a, b)` or Python's
// `asyncio.gather(*tasks)`.
//
// With ONE worker, the two tasks below are still both in progress at once: each step ends with
// co_await duet::yield(), which lets the other task run. That is concurrency without
// parallelism (one core, many tasks in flight). The log shows the steps interleave.
#include <cstdio>
#include <mutex>
#include <string>
#include <vector>

#include "duet/duet.hpp"

struct step_log {
  std::mutex mu;
  std::string text;
  void add(const std::string& s) {
    std::lock_guard lock(mu);
    text += s + " ";
  }
};

duet::task<int> worker(const char* name, int steps, step_log& log) {
  int done = 0;
  for (int i = 1; i <= steps; ++i) {
    log.add(name + std::to_string(i));
    co_await duet::yield();  // give way: another task may run now
    ++done;
  }
  co_return done;
}

duet::task<int> square(int x) { co_return x* x; }

duet::task<bool> async_main() {
  step_log log;
  // tokio::join!(worker("a", 3), worker("b", 3))
  auto [a, b] = co_await duet::when_all(worker("a", 3, log), worker("b", 3, log));
  std::printf("when_all(a, b) -> (%d, %d); steps: %s\n", a, b, log.text.c_str());

  // asyncio.gather(*(square(x) for x in range(5))): results come back in order.
  std::vector<duet::task<int>> tasks;
  tasks.reserve(5);
  for (int x = 0; x < 5; ++x) tasks.push_back(square(x));
  std::vector<int> squares = co_await duet::when_all(std::move(tasks));
  std::printf("when_all(vector) -> [");
  for (int s : squares) std::printf(" %d", s);
  std::printf(" ]\n");

  co_return a == 3 && b == 3 && squares == std::vector<int>{0, 1, 4, 9, 16};
}

int main() {
  duet::runtime rt({.cpu_threads = 1});  // one worker: concurrency, no parallelism
  const bool ok = rt.block_on(async_main());
  std::puts(ok ? "ok" : "WRONG");
  return ok ? 0 : 1;
}
