// duet: `duet::join` (plain callables, no coroutine frame) on the runtime's CPU pool, and a
// coroutine variant ("duet-coro") built on `duet::when_all`, reported as a separate row.
#include <cstdint>
#include <memory>
#include <vector>

#include "duet/runtime.hpp"
#include "duet/sched/join.hpp"
#include "duet/task/task.hpp"
#include "duet/task/when_all.hpp"
#include "workloads.hpp"

namespace fj {

namespace {

// ---- duet::join ----

std::uint64_t fib(int n, int cutoff) {
  if (n < 2) return static_cast<std::uint64_t>(n);
  if (n < cutoff) return fib_seq(n);
  auto [a, b] = duet::join([&] { return fib(n - 1, cutoff); }, [&] { return fib(n - 2, cutoff); });
  return a + b;
}

std::uint64_t skynet(std::uint64_t num, std::uint64_t size);

// The children [lo, hi) of a skynet node, forked by binary splitting (join is binary).
std::uint64_t skynet_children(std::uint64_t num, std::uint64_t child, std::uint64_t lo, std::uint64_t hi) {
  if (hi - lo == 1) return skynet(num + lo * child, child);
  const std::uint64_t mid = (lo + hi) / 2;
  auto [a, b] = duet::join([&] { return skynet_children(num, child, lo, mid); },
                           [&] { return skynet_children(num, child, mid, hi); });
  return a + b;
}

std::uint64_t skynet(std::uint64_t num, std::uint64_t size) {
  if (size == 1) return num;
  return skynet_children(num, size / 10, 0, 10);
}

std::uint64_t queens(std::uint32_t all, board b);

// One task per legal placement: the placements [first, last) are forked by binary splitting.
std::uint64_t queens_split(std::uint32_t all, board b, const std::uint32_t* first, const std::uint32_t* last) {
  if (last - first == 1) return queens(all, place(all, b, *first));
  const std::uint32_t* mid = first + (last - first) / 2;
  auto [x, y] =
      duet::join([&] { return queens_split(all, b, first, mid); }, [&] { return queens_split(all, b, mid, last); });
  return x + y;
}

std::uint64_t queens(std::uint32_t all, board b) {
  if (b.cols == all) return 1;
  std::uint32_t moves[32];
  const int k = queen_moves(all, b.cols, b.d1, b.d2, moves);
  if (k == 0) return 0;
  return queens_split(all, b, moves, moves + k);
}

std::uint64_t tree(std::uint64_t leaves) {
  if (leaves == 1) return 1;
  auto [a, b] = duet::join([&] { return tree(leaves / 2); }, [&] { return tree(leaves - leaves / 2); });
  return a + b;
}

// ---- coroutines: when_all ----

duet::task<std::uint64_t> fib_coro(int n, int cutoff) {
  if (n < 2) co_return static_cast<std::uint64_t>(n);
  if (n < cutoff) co_return fib_seq(n);
  auto [a, b] = co_await duet::when_all(fib_coro(n - 1, cutoff), fib_coro(n - 2, cutoff));
  co_return a + b;
}

duet::task<std::uint64_t> skynet_coro(std::uint64_t num, std::uint64_t size) {
  if (size == 1) co_return num;
  std::vector<duet::task<std::uint64_t>> children;
  children.reserve(10);
  const std::uint64_t child = size / 10;
  for (std::uint64_t i = 0; i < 10; ++i) children.push_back(skynet_coro(num + i * child, child));
  std::uint64_t sum = 0;
  for (std::uint64_t v : co_await duet::when_all(std::move(children))) sum += v;
  co_return sum;
}

duet::task<std::uint64_t> queens_coro(std::uint32_t all, board b) {
  if (b.cols == all) co_return 1;
  std::uint32_t moves[32];
  const int k = queen_moves(all, b.cols, b.d1, b.d2, moves);
  std::vector<duet::task<std::uint64_t>> children;
  children.reserve(static_cast<std::size_t>(k));
  for (int i = 0; i < k; ++i) children.push_back(queens_coro(all, place(all, b, moves[i])));
  std::uint64_t sum = 0;
  for (std::uint64_t v : co_await duet::when_all(std::move(children))) sum += v;
  co_return sum;
}

duet::task<std::uint64_t> tree_coro(std::uint64_t leaves) {
  if (leaves == 1) co_return 1;
  auto [a, b] = co_await duet::when_all(tree_coro(leaves / 2), tree_coro(leaves - leaves / 2));
  co_return a + b;
}

// ---- running on the pool ----

duet::task<std::uint64_t> call_on_worker(const std::function<std::uint64_t()>* body) { co_return (*body)(); }

// A runner that enters the runtime once per round (block_on from the main thread), so the
// recursion runs on a worker and join takes its fast path.
runner on_runtime(unsigned threads, std::function<std::uint64_t()> body) {
  auto rt = std::make_shared<duet::runtime>(duet::runtime_options{.cpu_threads = threads});
  auto fn = std::make_shared<std::function<std::uint64_t()>>(std::move(body));
  return [rt, fn] { return rt->block_on(call_on_worker(fn.get())); };
}

// A runner whose root is a coroutine, started by block_on.
template <class MakeTask>
runner on_runtime_coro(unsigned threads, MakeTask make) {
  auto rt = std::make_shared<duet::runtime>(duet::runtime_options{.cpu_threads = threads});
  return [rt, make] { return rt->block_on(make()); };
}

}  // namespace

std::optional<runner> make_duet(workload w, unsigned threads) {
  const run_params p = params();
  switch (w) {
    case workload::fib:
      return on_runtime(threads, [p] { return fib(p.fib_n, 0); });
    case workload::fib_cut:
    case workload::fib_cut_1w:
      return on_runtime(threads, [p] { return fib(p.fib_n, p.fib_cutoff); });
    case workload::skynet:
      return on_runtime(threads, [p] { return skynet(0, p.skynet_leaves); });
    case workload::nqueens:
      return on_runtime(threads, [p] { return queens((1u << p.queens_n) - 1, board{0, 0, 0}); });
    case workload::spawn_1w:
    case workload::spawn_all:
      return on_runtime(threads, [p] { return tree(p.spawn_leaves); });
  }
  return std::nullopt;
}

std::optional<runner> make_duet_coro(workload w, unsigned threads) {
  const run_params p = params();
  switch (w) {
    case workload::fib:
      return on_runtime_coro(threads, [p] { return fib_coro(p.fib_n, 0); });
    case workload::fib_cut:
    case workload::fib_cut_1w:
      return on_runtime_coro(threads, [p] { return fib_coro(p.fib_n, p.fib_cutoff); });
    case workload::skynet:
      return on_runtime_coro(threads, [p] { return skynet_coro(0, p.skynet_leaves); });
    case workload::nqueens:
      return on_runtime_coro(threads, [p] { return queens_coro((1u << p.queens_n) - 1, board{0, 0, 0}); });
    case workload::spawn_1w:
    case workload::spawn_all:
      return on_runtime_coro(threads, [p] { return tree_coro(p.spawn_leaves); });
  }
  return std::nullopt;
}

}  // namespace fj
