// The fork-join workloads of issue 2, section 7, shared by every implementation.
//
// Each implementation (duet, oneTBB, OpenMP, sequential; Rayon lives in bench/rayon) provides a
// factory that, given a workload and a thread count, sets up its pool once and returns a
// callable that runs the workload one time and returns its checked result. Parameters are read
// through `params()` (a volatile copy) so the compiler cannot fold the answers at build time.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>

namespace fj {

inline constexpr int fib_n = 32;
inline constexpr int fib_cutoff = 20;  // below this, fib_seq: the "sensible grain" case
inline constexpr std::uint64_t fib_answer = 2'178'309;
inline constexpr std::uint64_t skynet_leaves = 10'000'000;  // 10 children per node, 7 levels
inline constexpr std::uint64_t skynet_answer = 49'999'995'000'000;
inline constexpr int queens_n = 12;
inline constexpr std::uint64_t queens_answer = 14'200;
inline constexpr std::uint64_t spawn_leaves = std::uint64_t{1} << 22;

enum class workload { fib, fib_cut, skynet, nqueens, spawn_1w, spawn_all, fib_cut_1w };

struct workload_info {
  workload id;
  std::string_view name;
  std::string_view what;
  bool one_worker;          // runs on a single worker whatever --threads says
  std::uint64_t expected;   // the checked result
  std::uint64_t per_tasks;  // >0: also report time per task over this many tasks
};

inline constexpr workload_info workloads[] = {
    {workload::fib, "fib", "fib(32), join at every level", false, fib_answer, 0},
    {workload::fib_cut, "fib_cut", "fib(32), sequential below n=20", false, fib_answer, 0},
    {workload::skynet, "skynet", "skynet: 10 children x 7 levels, 1e7 leaves", false, skynet_answer, 0},
    {workload::nqueens, "nqueens", "nqueens(12), a task per legal placement", false, queens_answer, 0},
    {workload::spawn_1w, "spawn_1w", "2^22 empty tasks (join tree), 1 worker", true, spawn_leaves, spawn_leaves},
    {workload::spawn_all, "spawn_all", "2^22 empty tasks (join tree), all workers", false, spawn_leaves, spawn_leaves},
    {workload::fib_cut_1w, "fib_cut_1w", "fib(32), sequential below n=20, 1 worker", true, fib_answer, 0},
};

const workload_info* find_workload(std::string_view name);

/// The workload parameters, read at run time.
struct run_params {
  int fib_n;
  int fib_cutoff;
  std::uint64_t skynet_leaves;
  int queens_n;
  std::uint64_t spawn_leaves;
};
run_params params();

/// Runs the workload once and returns its result.
using runner = std::function<std::uint64_t()>;
/// Sets up an implementation's pool with `threads` workers and returns a runner for `w`, or
/// nothing when the implementation does not have this workload.
using factory = std::optional<runner> (*)(workload w, unsigned threads);

// The implementations (one translation unit each).
std::optional<runner> make_seq(workload w, unsigned threads);
std::optional<runner> make_duet(workload w, unsigned threads);
std::optional<runner> make_duet_coro(workload w, unsigned threads);
std::optional<runner> make_tbb(workload w, unsigned threads);
std::optional<runner> make_omp(workload w, unsigned threads);

// Sequential building blocks, compiled once (seq.cpp) so that every implementation's cutoff
// calls exactly the same code as the sequential baseline.
std::uint64_t fib_seq(int n);
std::uint64_t skynet_seq(std::uint64_t num, std::uint64_t size);
std::uint64_t queens_seq(std::uint32_t all, std::uint32_t cols, std::uint32_t d1, std::uint32_t d2);
std::uint64_t tree_seq(std::uint64_t leaves);

/// The legal placements of the next queen, as single bits; returns how many.
inline int queen_moves(std::uint32_t all, std::uint32_t cols, std::uint32_t d1, std::uint32_t d2,
                       std::uint32_t (&out)[32]) {
  int k = 0;
  for (std::uint32_t avail = all & ~(cols | d1 | d2); avail != 0; avail &= avail - 1) out[k++] = avail & -avail;
  return k;
}

/// The board after placing the queen `bit` in the next row.
struct board {
  std::uint32_t cols, d1, d2;
};
inline board place(std::uint32_t all, board b, std::uint32_t bit) {
  return {b.cols | bit, ((b.d1 | bit) << 1) & all, (b.d2 | bit) >> 1};
}

}  // namespace fj
