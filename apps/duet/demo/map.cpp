// map(x * 2) over a large vector: Rayon's `data.par_iter().map(|x| x * 2).collect()`, written
// with duet::join halving the index range down to a grain.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "demo/demo.hpp"
#include "duet/sched/join.hpp"

namespace duet_cli::demo {

namespace {

void map_range(const int* in, int* out, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[i] = in[i] * 2;
}

void parallel_map(const int* in, int* out, std::size_t n, std::size_t grain) {
  if (n <= grain) {
    map_range(in, out, n);
    return;
  }
  const std::size_t half = n / 2;
  duet::join([&] { parallel_map(in, out, half, grain); },
             [&] { parallel_map(in + half, out + half, n - half, grain); });
}

bool doubled(const std::vector<int>& in, const std::vector<int>& out) {
  for (std::size_t i = 0; i < in.size(); ++i)
    if (out[i] != in[i] * 2) return false;
  return true;
}

void run_map(context& ctx) {
  const std::size_t n = ctx.scaled(50'000'000, 1000);
  constexpr std::size_t grain = 1 << 15;  // 32 Ki ints: 128 KiB in, 128 KiB out per leaf
  ctx.heading("map: x * 2 over a vector of " + group_digits(n) + " ints");
  ctx.say("Rayon: data.par_iter().map(|x| x * 2).collect();  duet: duet::join halving the range to " +
          group_digits(grain) + " elements");
  std::vector<int> in(n);
  for (std::size_t i = 0; i < n; ++i) in[i] = static_cast<int>(i % 1'000'003);
  std::vector<int> out(n);  // allocated and touched once, outside the timings

  const timing t = ctx.compare(
      "map x*2", [&] { map_range(opaque(in.data()), out.data(), n); },
      [&] { parallel_map(opaque(in.data()), out.data(), n, grain); });
  const bool par_ok = doubled(in, out);
  map_range(in.data(), out.data(), n);  // once more, untimed, to check the sequential result
  const bool seq_ok = doubled(in, out);
  ctx.say("every element doubled: " +
          std::string(seq_ok && par_ok ? ctx.out().paint("ok", tone::good) : ctx.out().paint("WRONG", tone::bad)));
  ctx.say("A map moves two bytes of memory for every byte of arithmetic: past a few cores, memory bandwidth");
  ctx.say("rather than the number of workers sets the speed.");
  ctx.add({.workload = "map x*2",
           .size = group_digits(n) + " ints",
           .sequential_s = t.sequential_s,
           .duet_s = t.duet_s,
           .workers = ctx.workers(),
           .ok = seq_ok && par_ok,
           .kind = nature::computing,
           .hint = "Memory bandwidth, more than the number of cores, limits a map."});
}

}  // namespace

section map_section() { return {"map", "map(x * 2) over a large vector (Rayon's par_iter().map())", &run_map}; }

}  // namespace duet_cli::demo
