// Structured concurrency: duet::scope returns only when every task spawned into it has finished.
// If one fails, its siblings are cancelled (they stop at their next suspension point) and the
// error is rethrown from the scope, as Python's asyncio.TaskGroup or Kotlin's coroutineScope.
#include <atomic>
#include <cstdio>
#include <stdexcept>
#include <string>

#include "duet/duet.hpp"

duet::task<void> add_one(std::atomic<int>& count) {
  count.fetch_add(1);
  co_return;
}

duet::task<void> long_job(std::atomic<int>& steps) {
  for (int i = 0; i < 1'000'000; ++i) {
    co_await duet::yield();  // a suspension point: a cancelled task stops here
    steps.fetch_add(1);
  }
}

duet::task<void> failing_job() {
  co_await duet::yield();
  throw std::runtime_error("disk full");
}

duet::task<bool> async_main() {
  // 1. Every child finishes before the scope returns.
  std::atomic<int> count{0};
  co_await duet::scope([&](duet::task_group& g) -> duet::task<void> {
    for (int i = 0; i < 3; ++i) g.spawn(add_one(count));
    co_return;
  });
  std::printf("scope with 3 children: count = %d after the scope\n", count.load());

  // 2. The first error cancels the siblings and comes out of the scope.
  std::atomic<int> steps{0};
  std::string caught;
  try {
    co_await duet::scope([&](duet::task_group& g) -> duet::task<void> {
      g.spawn(long_job(steps));
      g.spawn(failing_job());
      co_return;
    });
  } catch (const std::runtime_error& e) {
    caught = e.what();
  }
  std::printf("scope with a failing child: caught \"%s\"; its sibling stopped after %d of 1,000,000 steps\n",
              caught.c_str(), steps.load());

  co_return count == 3 && caught == "disk full" && steps < 1'000'000;
}

int main() {
  duet::runtime rt({.cpu_threads = 2});
  const bool ok = rt.block_on(async_main());
  std::puts(ok ? "ok" : "WRONG");
  return ok ? 0 : 1;
}
