// Recursive fork-join: fib(n) with duet::join at every level above a cutoff, plain recursion
// below it, against the plain recursive function.
#include <cmath>
#include <cstdint>
#include <string>

#include "demo/demo.hpp"
#include "duet/sched/join.hpp"

namespace duet_cli::demo {

namespace {

std::uint64_t fib(unsigned n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

std::uint64_t parallel_fib(unsigned n, unsigned cutoff) {
  if (n < cutoff) return fib(n);
  auto [a, b] = duet::join([&] { return parallel_fib(n - 1, cutoff); }, [&] { return parallel_fib(n - 2, cutoff); });
  return a + b;
}

std::uint64_t fib_by_loop(unsigned n) {
  std::uint64_t a = 0, b = 1;
  for (unsigned i = 0; i < n; ++i) {
    const std::uint64_t next = a + b;
    a = b;
    b = next;
  }
  return a;
}

void run_fib(context& ctx) {
  // fib(n) costs ~phi^n calls: scaling the work by s adds log_phi(s) to n.
  const double phi = (1 + std::sqrt(5.0)) / 2;
  const double shift = std::round(std::log(ctx.opts().scale) / std::log(phi));
  const auto n = static_cast<unsigned>(std::clamp(38.0 + shift, 5.0, 48.0));
  constexpr unsigned cutoff = 20;
  ctx.heading("fib(" + std::to_string(n) + "): recursive fork-join");
  ctx.say("fib(n) = fib(n-1) + fib(n-2), the two calls as duet::join's two halves; below n = " +
          std::to_string(cutoff) + " plain recursion,");
  ctx.say("so that each task does enough work to pay for being scheduled.");
  std::uint64_t seq = 0, par = 0;
  const timing t =
      ctx.compare("fib", [&] { seq = opaque(fib(opaque(n))); }, [&] { par = opaque(parallel_fib(opaque(n), cutoff)); });
  const std::uint64_t expected = fib_by_loop(n);
  const bool ok = seq == expected && par == expected;
  ctx.say("fib(" + std::to_string(n) + ") = " + std::to_string(par) + " (by a loop: " + std::to_string(expected) +
          ") " + (ok ? ctx.out().paint("ok", tone::good) : ctx.out().paint("WRONG", tone::bad)));
  ctx.add({.workload = "fib fork-join",
           .size = "fib(" + std::to_string(n) + ")",
           .sequential_s = t.sequential_s,
           .duet_s = t.duet_s,
           .workers = ctx.workers(),
           .ok = ok,
           .kind = nature::computing,
           .hint = "The cutoff keeps each task big enough to pay for scheduling it."});
}

}  // namespace

section fib_section() { return {"fib", "recursive fork-join: fib(n) with duet::join above a cutoff", &run_fib}; }

}  // namespace duet_cli::demo
