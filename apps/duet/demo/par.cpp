// The duet::par algorithms (issue 3) beside their sequential std:: twins, on
// the same data: reduce, transform, sort, inclusive_scan and copy_if. One row
// of the closing table each; every duet result is checked equal to the std::
// one.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <numeric>
#include <string>
#include <vector>

#include "demo/demo.hpp"
#include "duet/par/par.hpp"

namespace duet_cli::demo {

namespace {

std::uint64_t splitmix(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/// Prints the row's check and adds it to the closing table.
void report(context& ctx, const char* workload, const std::string& size, const timing& t, bool ok, const char* hint) {
  ctx.say(std::string(workload) + " on " + size + ": duet result equals std::'s " +
          (ok ? ctx.out().paint("ok", tone::good) : ctx.out().paint("WRONG", tone::bad)));
  ctx.add({.workload = workload,
           .size = size,
           .sequential_s = t.sequential_s,
           .duet_s = t.duet_s,
           .workers = ctx.workers(),
           .ok = ok,
           .kind = nature::computing,
           .hint = hint});
}

void run_reduce(context& ctx, std::size_t n) {
  // Small integers held as doubles: every partial sum is exact, so any grouping
  // of the additions (the parallel one included) gives the very same total and
  // the check can ask for equality.
  std::vector<double> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<double>(i % 1000);
  double seq = 0, par = 0;
  const timing t = ctx.compare(
      "par::reduce", [&] { seq = opaque(std::reduce(opaque(v.data()), v.data() + n, 0.0)); },
      [&] { par = opaque(duet::par::reduce(opaque(v.data()), v.data() + n, 0.0)); });
  report(ctx, "par::reduce", group_digits(n) + " doubles", t, seq == par,
         "A sum reads memory once and adds: memory bandwidth sets its speed, "
         "not the cores.");
}

void run_transform(context& ctx, std::size_t n) {
  std::vector<int> in(n), seq(n),
      par(n);  // outputs touched once, outside the timings
  for (std::size_t i = 0; i < n; ++i) in[i] = static_cast<int>(i % 1'000'003);
  auto twice = [](int x) { return x * 2; };
  const timing t = ctx.compare(
      "par::transform", [&] { std::transform(opaque(in.data()), in.data() + n, seq.data(), twice); },
      [&] { duet::par::transform(opaque(in.data()), in.data() + n, par.data(), twice); });
  report(ctx, "par::transform x*2", group_digits(n) + " ints", t, seq == par,
         "A map moves two bytes of memory per byte of arithmetic: "
         "bandwidth-bound past a few cores.");
}

void run_sort(context& ctx, std::size_t n) {
  std::vector<std::uint64_t> in(n), seq(n), par(n);
  std::uint64_t state = 2026;
  for (auto& x : in) x = splitmix(state);
  // Each run sorts a fresh copy of the input: both timings include the same
  // copy (a few ms).
  const timing t = ctx.compare(
      "par::sort",
      [&] {
        std::copy(in.begin(), in.end(), seq.begin());
        std::sort(opaque(seq.data()), seq.data() + n);
      },
      [&] {
        std::copy(in.begin(), in.end(), par.begin());
        duet::par::sort(opaque(par.data()), par.data() + n);
      });
  report(ctx, "par::sort", group_digits(n) + " uint64", t, seq == par,
         "duet sorts integer keys by radix (no comparisons): more than the cores' speed-up.");
}

void run_scan(context& ctx, std::size_t n) {
  std::vector<int> in(n), seq(n), par(n);
  std::uint64_t state = 7;
  for (auto& x : in) x = static_cast<int>(splitmix(state) % 16);  // running totals stay below 2^31
  const timing t = ctx.compare(
      "par::inclusive_scan", [&] { std::inclusive_scan(opaque(in.data()), in.data() + n, seq.data()); },
      [&] { duet::par::inclusive_scan(opaque(in.data()), in.data() + n, par.data()); });
  report(ctx, "par::inclusive_scan", group_digits(n) + " ints", t, seq == par,
         "A prefix sum carries a value from left to right; duet's single sweep "
         "keeps it memory-bound.");
}

void run_filter(context& ctx, std::size_t n) {
  std::vector<int> in(n), seq(n), par(n);
  std::uint64_t state = 11;
  for (auto& x : in) x = static_cast<int>(splitmix(state) >> 33);
  auto even = [](int x) { return x % 2 == 0; };
  std::size_t seq_kept = 0, par_kept = 0;
  const timing t = ctx.compare(
      "par::copy_if",
      [&] {
        seq_kept =
            static_cast<std::size_t>(std::copy_if(opaque(in.data()), in.data() + n, seq.data(), even) - seq.data());
      },
      [&] {
        par_kept = static_cast<std::size_t>(duet::par::copy_if(opaque(in.data()), in.data() + n, par.data(), even) -
                                            par.data());
      });
  const bool ok =
      seq_kept == par_kept && std::equal(seq.begin(), seq.begin() + static_cast<std::ptrdiff_t>(seq_kept), par.begin());
  report(ctx, "par::copy_if (filter)", group_digits(n) + " ints", t, ok,
         "duet's copy is branch-free (std::copy_if mispredicts on random data): more than the cores.");
}

void run_par(context& ctx) {
  ctx.heading("par: the parallel twins of std:: algorithms (duet::par)");
  ctx.say(
      "Rayon's data.par_iter().sum() / .map().collect() / par_sort(): the "
      "same call as std::, split across");
  ctx.say(
      "the workers on demand (lazy binary splitting: work splits only when "
      "a worker is idle).");
  const std::size_t big = ctx.scaled(20'000'000, 1000);
  run_reduce(ctx, big);
  run_transform(ctx, big);
  run_sort(ctx, ctx.scaled(2'000'000, 1000));
  run_scan(ctx, big);
  run_filter(ctx, big);
}

}  // namespace

section par_section() {
  return {"par",
          "duet::par reduce, transform, sort, inclusive_scan, copy_if beside "
          "std:: (20 M elements)",
          &run_par};
}

}  // namespace duet_cli::demo
