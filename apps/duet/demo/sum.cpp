// The sum 0 + 1 + ... + N: first N = 9 split over the workers ("execution unit 1: 0+1+2+3+4 =
// 10, execution unit 2: 5+6+7+8+9 = 35"), then a large N, timed, against the closed form.
#include <pthread.h>

#include <cstdint>
#include <string>
#include <vector>

#include "demo/demo.hpp"
#include "duet/sched/join.hpp"

namespace duet_cli::demo {

namespace {

// Adds lo + (lo+1) + ... + (hi-1) one number at a time: opaque() stops the compiler from
// replacing the loop by its closed form, so the machine really does the additions.
std::uint64_t sum_range(std::uint64_t lo, std::uint64_t hi) {
  std::uint64_t s = 0;
  for (std::uint64_t i = lo; i < hi; ++i) s = opaque(s + i);
  return s;
}

// Fork-join: halve the range until a piece is at most `grain` numbers long.
std::uint64_t parallel_sum(std::uint64_t lo, std::uint64_t hi, std::uint64_t grain) {
  if (hi - lo <= grain) return sum_range(lo, hi);
  const std::uint64_t mid = lo + (hi - lo) / 2;
  auto [a, b] = duet::join([&] { return parallel_sum(lo, mid, grain); }, [&] { return parallel_sum(mid, hi, grain); });
  return a + b;
}

std::string thread_name() {
  char buf[16] = {};
  pthread_getname_np(pthread_self(), buf, sizeof buf);
  return buf;
}

struct unit {
  std::uint64_t lo = 0, hi = 0, sum = 0;
  std::string ran_on;
};

// Splits lo..hi-1 into units.size() contiguous execution units, each a leaf of a join tree.
void split(std::uint64_t lo, std::uint64_t hi, unit* units, std::size_t parts) {
  if (parts == 1) {
    *units = unit{lo, hi, sum_range(lo, hi), thread_name()};
    return;
  }
  const std::size_t left = parts / 2;
  const std::uint64_t mid = lo + (hi - lo) * left / parts;
  duet::join([&] { split(lo, mid, units, left); }, [&] { split(mid, hi, units + left, parts - left); });
}

void small_story(context& ctx) {
  constexpr std::uint64_t n = 9;
  std::vector<unit> units(std::min<std::size_t>(ctx.workers(), n + 1));
  split(0, n + 1, units.data(), units.size());
  ctx.say("N = 9, split with duet::join into " + std::to_string(units.size()) + " execution unit" +
          (units.size() == 1 ? "" : "s") + ":");
  std::vector<std::string> lines;  // "execution unit 1: 0+1+2+3+4 = 10"
  std::size_t width = 0;
  for (std::size_t i = 0; i < units.size(); ++i) {
    std::string line = "execution unit " + std::to_string(i + 1) + ": ";
    for (std::uint64_t k = units[i].lo; k < units[i].hi; ++k) {
      if (k != units[i].lo) line += '+';
      line += std::to_string(k);
    }
    line += " = " + std::to_string(units[i].sum);
    width = std::max(width, line.size());
    lines.push_back(std::move(line));
  }
  std::uint64_t total = 0;
  std::string grouping;
  bool one_worker = true;
  for (std::size_t i = 0; i < units.size(); ++i) {
    const unit& u = units[i];
    ctx.say("  " + lines[i] + std::string(width - lines[i].size(), ' ') +
            ctx.out().paint("   (ran on " + u.ran_on + ")", tone::dim));
    total += u.sum;
    if (i != 0) grouping += " + ";
    grouping += std::to_string(u.sum);
    one_worker = one_worker && u.ran_on == units[0].ran_on;
  }
  ctx.say("  " + grouping + " = " + ctx.out().paint(std::to_string(total), tone::accent));
  if (units.size() > 1 && one_worker) {
    ctx.say(ctx.out().paint("  (one worker ran them all: join offers the second half to idle workers, and work this",
                            tone::dim));
    ctx.say(
        ctx.out().paint("  small is finished before one can take it; the large N below is split for real)", tone::dim));
  }
  ctx.say("Addition is associative: any grouping gives the same total, so the parts may run in any order");
  ctx.say("(concurrency is that freedom) or at the same time on different cores (parallelism).");
  ctx.check(total == 45, "the sum 0..9 came out as " + std::to_string(total));
}

void large_run(context& ctx) {
  const std::uint64_t n = ctx.scaled(1'000'000'000, 1000);
  const std::uint64_t grain = std::max<std::uint64_t>(1 << 16, n / (64 * ctx.workers()));
  // The closed form N(N+1)/2, modulo 2^64 like the sums themselves.
  const auto expected = static_cast<std::uint64_t>(static_cast<unsigned __int128>(n) * (n + 1) / 2);
  std::uint64_t seq = 0, par = 0;
  const timing t = ctx.compare(
      "sum 0..N", [&] { seq = opaque(sum_range(0, opaque(n) + 1)); },
      [&] { par = opaque(parallel_sum(0, opaque(n) + 1, grain)); });
  const bool ok = seq == expected && par == expected;
  const std::string mod = n > 6'000'000'000 ? " (mod 2^64)" : "";
  if (ok) {
    ctx.say("N = " + group_digits(n) + ": sequential and duet both give " + group_digits(seq) + " = N(N+1)/2" + mod +
            " " + ctx.out().paint("ok", tone::good));
  } else {
    ctx.say("N = " + group_digits(n) + ": sequential " + group_digits(seq) + ", duet " + group_digits(par) +
            ", but N(N+1)/2 = " + group_digits(expected) + mod + " " + ctx.out().paint("WRONG", tone::bad));
  }
  ctx.add({.workload = "sum 0..N",
           .size = "N = " + group_digits(n),
           .sequential_s = t.sequential_s,
           .duet_s = t.duet_s,
           .workers = ctx.workers(),
           .ok = ok,
           .kind = nature::computing,
           .hint = "Independent chunks that share nothing split well."});
}

void run_sum(context& ctx) {
  ctx.heading("sum: 0 + 1 + ... + N, split across workers");
  small_story(ctx);
  large_run(ctx);
}

}  // namespace

section sum_section() {
  return {"sum", "the sum 0+1+...+N split across workers (10 + 35 = 45, then N = 10^9)", &run_sum};
}

}  // namespace duet_cli::demo
