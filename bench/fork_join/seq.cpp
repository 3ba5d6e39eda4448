// The sequential baseline: the same recursions with no scheduler at all.
#include "workloads.hpp"

namespace fj {

namespace {
// volatile: the compiler must read the parameters at run time, so no answer is folded.
volatile int v_fib_n = fib_n;
volatile int v_fib_cutoff = fib_cutoff;
volatile std::uint64_t v_skynet_leaves = skynet_leaves;
volatile int v_queens_n = queens_n;
volatile std::uint64_t v_spawn_leaves = spawn_leaves;
}  // namespace

run_params params() { return {v_fib_n, v_fib_cutoff, v_skynet_leaves, v_queens_n, v_spawn_leaves}; }

const workload_info* find_workload(std::string_view name) {
  for (const auto& w : workloads)
    if (w.name == name) return &w;
  return nullptr;
}

std::uint64_t fib_seq(int n) {
  if (n < 2) return static_cast<std::uint64_t>(n);
  return fib_seq(n - 1) + fib_seq(n - 2);
}

std::uint64_t skynet_seq(std::uint64_t num, std::uint64_t size) {
  if (size == 1) return num;
  std::uint64_t sum = 0;
  const std::uint64_t child = size / 10;
  for (std::uint64_t i = 0; i < 10; ++i) sum += skynet_seq(num + i * child, child);
  return sum;
}

std::uint64_t queens_seq(std::uint32_t all, std::uint32_t cols, std::uint32_t d1, std::uint32_t d2) {
  if (cols == all) return 1;
  std::uint32_t moves[32];
  const int k = queen_moves(all, cols, d1, d2, moves);
  std::uint64_t sum = 0;
  for (int i = 0; i < k; ++i) {
    const board b = place(all, {cols, d1, d2}, moves[i]);
    sum += queens_seq(all, b.cols, b.d1, b.d2);
  }
  return sum;
}

std::uint64_t tree_seq(std::uint64_t leaves) {
  if (leaves == 1) return 1;
  return tree_seq(leaves / 2) + tree_seq(leaves - leaves / 2);
}

std::optional<runner> make_seq(workload w, unsigned /*threads*/) {
  const run_params p = params();
  switch (w) {
    case workload::fib:
    case workload::fib_cut:
    case workload::fib_cut_1w:
      return [p] { return fib_seq(p.fib_n); };
    case workload::skynet:
      return [p] { return skynet_seq(0, p.skynet_leaves); };
    case workload::nqueens:
      return [p] { return queens_seq((1u << p.queens_n) - 1, 0, 0, 0); };
    case workload::spawn_1w:
    case workload::spawn_all:
      return [p] { return tree_seq(p.spawn_leaves); };
  }
  return std::nullopt;
}

}  // namespace fj
