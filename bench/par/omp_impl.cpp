// OpenMP (libgomp), the usual idioms: `parallel for simd reduction`, `parallel for simd`, and for
// scan and filter the classic static two-pass form (per-thread totals, a prefix over them, then a
// second pass with offsets; the filter's copy loop branch-free, as duet's). OpenMP has no sort: each thread std::sorts
// a static slice, then slices are merged pairwise (std::merge), pairs in parallel, until one run remains.
#include <omp.h>

#include <algorithm>
#include <bit>
#include <memory>
#include <vector>

#include "peers.hpp"

namespace parbench {
namespace {

void init(int threads) { omp_set_num_threads(threads); }

double sum(const double* a, std::size_t n) {
  double s = 0.0;
#pragma omp parallel for simd reduction(+ : s) schedule(static)
  for (std::size_t i = 0; i < n; ++i) s += a[i];
  return s;
}

void map(const int* in, int* out, std::size_t n) {
#pragma omp parallel for simd schedule(static)
  for (std::size_t i = 0; i < n; ++i) out[i] = in[i] * 2;
}

// [begin, end) of thread t's static slice.
std::pair<std::size_t, std::size_t> slice(std::size_t n, int t, int p) {
  return {n * static_cast<std::size_t>(t) / static_cast<std::size_t>(p),
          n * static_cast<std::size_t>(t + 1) / static_cast<std::size_t>(p)};
}

void sort(std::uint64_t* a, std::size_t n) {
  const int p = omp_get_max_threads();
  std::vector<std::size_t> bounds(static_cast<std::size_t>(p) + 1);
  for (int t = 0; t <= p; ++t) bounds[static_cast<std::size_t>(t)] = slice(n, t, p).first;
  bounds[static_cast<std::size_t>(p)] = n;
#pragma omp parallel for schedule(static, 1)
  for (int t = 0; t < p; ++t)
    std::sort(a + bounds[static_cast<std::size_t>(t)], a + bounds[static_cast<std::size_t>(t) + 1]);
  if (p == 1) return;
  auto buffer = std::make_unique_for_overwrite<std::uint64_t[]>(n);
  std::uint64_t* src = a;
  std::uint64_t* dst = buffer.get();
  for (std::size_t width = 1; width < static_cast<std::size_t>(p); width *= 2) {
    const std::size_t runs = static_cast<std::size_t>(p);
#pragma omp parallel for schedule(dynamic, 1)
    for (std::size_t r = 0; r < runs; r += 2 * width) {
      const std::size_t lo = bounds[r], mid = bounds[std::min(r + width, runs)],
                        hi = bounds[std::min(r + 2 * width, runs)];
      std::merge(src + lo, src + mid, src + mid, src + hi, dst + lo);
    }
    std::swap(src, dst);
  }
  if (src != a) std::copy(src, src + n, a);
}

void scan(const int* in, int* out, std::size_t n) {
  std::vector<int> total(static_cast<std::size_t>(omp_get_max_threads()) + 1, 0);
#pragma omp parallel
  {
    const int t = omp_get_thread_num(), p = omp_get_num_threads();
    const auto [lo, hi] = slice(n, t, p);
    int s = 0;
#pragma omp simd reduction(+ : s)
    for (std::size_t i = lo; i < hi; ++i) s += in[i];
    total[static_cast<std::size_t>(t) + 1] = s;
#pragma omp barrier
    int acc = 0;
    for (int k = 0; k <= t; ++k) acc += total[static_cast<std::size_t>(k)];
    for (std::size_t i = lo; i < hi; ++i) out[i] = acc += in[i];
  }
}

std::size_t filter(const int* in, int* out, std::size_t n) {
  std::vector<std::size_t> count(static_cast<std::size_t>(omp_get_max_threads()) + 1, 0);
#pragma omp parallel
  {
    const int t = omp_get_thread_num(), p = omp_get_num_threads();
    const auto [lo, hi] = slice(n, t, p);
    std::size_t c = 0;
    for (std::size_t i = lo; i < hi; ++i) c += keep(in[i]) ? 1 : 0;
    count[static_cast<std::size_t>(t) + 1] = c;
#pragma omp barrier
    std::size_t pos = 0;
    for (int k = 0; k <= t; ++k) pos += count[static_cast<std::size_t>(k)];
    copy_kept(in, lo, hi, out, pos);
  }
  std::size_t total = 0;
  for (std::size_t c : count) total += c;
  return total;
}

}  // namespace

std::uint64_t read_all_threads(const double* a, std::size_t n) {
  std::uint64_t s = 0;
#pragma omp parallel for simd reduction(+ : s) schedule(static)
  for (std::size_t i = 0; i < n; ++i) s += std::bit_cast<std::uint64_t>(a[i]);
  return s;
}

std::uint64_t read_one_thread(const double* a, std::size_t n) {
  std::uint64_t s = 0;
#pragma omp simd reduction(+ : s)
  for (std::size_t i = 0; i < n; ++i) s += std::bit_cast<std::uint64_t>(a[i]);
  return s;
}

const peer omp_peer{
    "omp", "OpenMP (libgomp): parallel for simd, static two-pass scan/filter, sort+merge", init, sum, map, sort, scan,
    filter};

}  // namespace parbench
