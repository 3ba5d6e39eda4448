// Recursive fork-join, after Rayon's `join`: fib(n - 1) and fib(n - 2) as the two halves of
// duet::join. The caller runs the first half; the second is offered to idle workers and, if
// none takes it, run by the caller too. Below a cutoff, plain recursion: a task should do
// enough work to pay for scheduling it.
#include <cinttypes>
#include <cstdint>
#include <cstdio>

#include "duet/duet.hpp"

std::uint64_t fib(unsigned n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

std::uint64_t parallel_fib(unsigned n) {
  if (n < 20) return fib(n);  // the cutoff
  auto [a, b] = duet::join([&] { return parallel_fib(n - 1); }, [&] { return parallel_fib(n - 2); });
  return a + b;
}

int main() {
  duet::runtime rt({.cpu_threads = 2});
  const std::uint64_t got = parallel_fib(32);

  std::uint64_t a = 0, b = 1;  // the same number by a loop, to check
  for (int i = 0; i < 32; ++i) {
    const std::uint64_t next = a + b;
    a = b;
    b = next;
  }
  std::printf("fib(32) = %" PRIu64 " (by a loop: %" PRIu64 ")\n", got, a);
  const bool ok = got == a && got == 2'178'309;
  std::puts(ok ? "ok" : "WRONG");
  return ok ? 0 : 1;
}
