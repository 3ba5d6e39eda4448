// OpenMP tasks (GNU libgomp with g++ -fopenmp): `#pragma omp task` for all but one child, the
// last child inline, then `#pragma omp taskwait`; the root runs in `parallel` + `single`.
#include <omp.h>

#include <cstdint>

#include "workloads.hpp"

namespace fj {

namespace {

std::uint64_t fib(int n, int cutoff) {
  if (n < 2) return static_cast<std::uint64_t>(n);
  if (n < cutoff) return fib_seq(n);
  std::uint64_t a = 0;
#pragma omp task shared(a) firstprivate(n, cutoff)
  a = fib(n - 1, cutoff);
  const std::uint64_t b = fib(n - 2, cutoff);
#pragma omp taskwait
  return a + b;
}

std::uint64_t skynet(std::uint64_t num, std::uint64_t size) {
  if (size == 1) return num;
  const std::uint64_t child = size / 10;
  std::uint64_t parts[10];
  for (std::uint64_t i = 0; i < 9; ++i) {
#pragma omp task shared(parts) firstprivate(i, num, child)
    parts[i] = skynet(num + i * child, child);
  }
  parts[9] = skynet(num + 9 * child, child);
#pragma omp taskwait
  std::uint64_t sum = 0;
  for (std::uint64_t v : parts) sum += v;
  return sum;
}

std::uint64_t queens(std::uint32_t all, board b) {
  if (b.cols == all) return 1;
  std::uint32_t moves[32];
  const int k = queen_moves(all, b.cols, b.d1, b.d2, moves);
  if (k == 0) return 0;
  std::uint64_t parts[32];
  for (int i = 0; i + 1 < k; ++i) {
    const board next = place(all, b, moves[i]);
#pragma omp task shared(parts) firstprivate(i, all, next)
    parts[i] = queens(all, next);
  }
  parts[k - 1] = queens(all, place(all, b, moves[k - 1]));
#pragma omp taskwait
  std::uint64_t sum = 0;
  for (int i = 0; i < k; ++i) sum += parts[i];
  return sum;
}

std::uint64_t tree(std::uint64_t leaves) {
  if (leaves == 1) return 1;
  std::uint64_t a = 0;
#pragma omp task shared(a) firstprivate(leaves)
  a = tree(leaves / 2);
  const std::uint64_t b = tree(leaves - leaves / 2);
#pragma omp taskwait
  return a + b;
}

template <class Body>
runner in_parallel(unsigned threads, Body body) {
  return [threads, body] {
    std::uint64_t result = 0;
#pragma omp parallel num_threads(static_cast<int>(threads)) shared(result)
#pragma omp single
    result = body();
    return result;
  };
}

}  // namespace

std::optional<runner> make_omp(workload w, unsigned threads) {
  const run_params p = params();
  switch (w) {
    case workload::fib:
      return in_parallel(threads, [p] { return fib(p.fib_n, 0); });
    case workload::fib_cut:
    case workload::fib_cut_1w:
      return in_parallel(threads, [p] { return fib(p.fib_n, p.fib_cutoff); });
    case workload::skynet:
      return in_parallel(threads, [p] { return skynet(0, p.skynet_leaves); });
    case workload::nqueens:
      return in_parallel(threads, [p] { return queens((1u << p.queens_n) - 1, board{0, 0, 0}); });
    case workload::spawn_1w:
    case workload::spawn_all:
      return in_parallel(threads, [p] { return tree(p.spawn_leaves); });
  }
  return std::nullopt;
}

}  // namespace fj
