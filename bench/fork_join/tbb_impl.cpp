// oneTBB: `tbb::task_group` in a task_arena of `threads` workers. Each node runs all but one
// child with task_group::run and the last one inline, then waits (the usual TBB fork-join).
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/task_arena.h>
#include <oneapi/tbb/task_group.h>

#include <cstdint>
#include <memory>

#include "workloads.hpp"

namespace fj {

namespace {

std::uint64_t fib(int n, int cutoff) {
  if (n < 2) return static_cast<std::uint64_t>(n);
  if (n < cutoff) return fib_seq(n);
  std::uint64_t a = 0;
  tbb::task_group g;
  g.run([&] { a = fib(n - 1, cutoff); });
  const std::uint64_t b = fib(n - 2, cutoff);
  g.wait();
  return a + b;
}

std::uint64_t skynet(std::uint64_t num, std::uint64_t size) {
  if (size == 1) return num;
  const std::uint64_t child = size / 10;
  std::uint64_t parts[10];
  tbb::task_group g;
  for (std::uint64_t i = 0; i < 9; ++i) g.run([&parts, i, num, child] { parts[i] = skynet(num + i * child, child); });
  parts[9] = skynet(num + 9 * child, child);
  g.wait();
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
  tbb::task_group g;
  for (int i = 0; i + 1 < k; ++i)
    g.run([&parts, &moves, i, all, b] { parts[i] = queens(all, place(all, b, moves[i])); });
  parts[k - 1] = queens(all, place(all, b, moves[k - 1]));
  g.wait();
  std::uint64_t sum = 0;
  for (int i = 0; i < k; ++i) sum += parts[i];
  return sum;
}

std::uint64_t tree(std::uint64_t leaves) {
  if (leaves == 1) return 1;
  std::uint64_t a = 0;
  tbb::task_group g;
  g.run([&] { a = tree(leaves / 2); });
  const std::uint64_t b = tree(leaves - leaves / 2);
  g.wait();
  return a + b;
}

struct tbb_pool {
  explicit tbb_pool(unsigned threads)
      : limit(tbb::global_control::max_allowed_parallelism, threads), arena(static_cast<int>(threads)) {}
  tbb::global_control limit;
  tbb::task_arena arena;
};

template <class Body>
runner in_arena(unsigned threads, Body body) {
  auto pool = std::make_shared<tbb_pool>(threads);
  return [pool, body] { return pool->arena.execute(body); };
}

}  // namespace

std::optional<runner> make_tbb(workload w, unsigned threads) {
  const run_params p = params();
  switch (w) {
    case workload::fib:
      return in_arena(threads, [p] { return fib(p.fib_n, 0); });
    case workload::fib_cut:
    case workload::fib_cut_1w:
      return in_arena(threads, [p] { return fib(p.fib_n, p.fib_cutoff); });
    case workload::skynet:
      return in_arena(threads, [p] { return skynet(0, p.skynet_leaves); });
    case workload::nqueens:
      return in_arena(threads, [p] { return queens((1u << p.queens_n) - 1, board{0, 0, 0}); });
    case workload::spawn_1w:
    case workload::spawn_all:
      return in_arena(threads, [p] { return tree(p.spawn_leaves); });
  }
  return std::nullopt;
}

}  // namespace fj
