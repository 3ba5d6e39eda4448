// oneTBB: parallel_reduce / parallel_for / parallel_sort / parallel_scan, default (auto)
// partitioner, written as the oneTBB documentation shows them (the filter's copy loop branch-free,
// as duet's).
#include <tbb/blocked_range.h>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>
#include <tbb/parallel_reduce.h>
#include <tbb/parallel_scan.h>
#include <tbb/parallel_sort.h>

#include <functional>
#include <memory>
#include <numeric>

#include "peers.hpp"

namespace parbench {
namespace {

using range = tbb::blocked_range<std::size_t>;
std::unique_ptr<tbb::global_control> limit;  // also limits the std::execution peers (same TBB)

void init(int threads) {
  limit = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism,
                                                static_cast<std::size_t>(threads));
}

double sum(const double* a, std::size_t n) {
  return tbb::parallel_reduce(
      range(0, n), 0.0, [a](const range& r, double acc) { return std::reduce(a + r.begin(), a + r.end(), acc); },
      std::plus<>{});
}

void map(const int* in, int* out, std::size_t n) {
  tbb::parallel_for(range(0, n), [in, out](const range& r) {
    for (std::size_t i = r.begin(); i < r.end(); ++i) out[i] = in[i] * 2;
  });
}

void sort(std::uint64_t* a, std::size_t n) { tbb::parallel_sort(a, a + n); }

void scan(const int* in, int* out, std::size_t n) {
  tbb::parallel_scan(
      range(0, n), 0,
      [in, out](const range& r, int acc, bool is_final) {
        if (is_final) {
          for (std::size_t i = r.begin(); i < r.end(); ++i) out[i] = acc += in[i];
        } else {
          for (std::size_t i = r.begin(); i < r.end(); ++i) acc += in[i];
        }
        return acc;
      },
      std::plus<>{});
}

std::size_t filter(const int* in, int* out, std::size_t n) {
  return tbb::parallel_scan(
      range(0, n), std::size_t{0},
      [in, out](const range& r, std::size_t count, bool is_final) {
        if (is_final) {
          count = copy_kept(in, r.begin(), r.end(), out, count);
        } else {
          for (std::size_t i = r.begin(); i < r.end(); ++i) count += keep(in[i]) ? 1 : 0;
        }
        return count;
      },
      std::plus<>{});
}

}  // namespace

const peer tbb_peer{"tbb", "oneTBB parallel_reduce/for/sort/scan (auto partitioner)", init, sum, map, sort, scan,
                    filter};

}  // namespace parbench
