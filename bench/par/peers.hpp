// The five workloads of issue 3, as one table of functions per implementation.
#pragma once

#include <cstddef>
#include <cstdint>

namespace parbench {

/// One implementation of every workload. Inputs and outputs are preallocated (and touched) by
/// the driver, the same arrays for every implementation.
struct peer {
  const char* name;  ///< column name
  const char* what;  ///< one line: what the column runs
  void (*init)(int threads);
  double (*sum)(const double* a, std::size_t n);                  // sum of doubles
  void (*map)(const int* in, int* out, std::size_t n);            // out[i] = in[i] * 2
  void (*sort)(std::uint64_t* a, std::size_t n);                  // ascending
  void (*scan)(const int* in, int* out, std::size_t n);           // inclusive prefix sum
  std::size_t (*filter)(const int* in, int* out, std::size_t n);  // keep even values, in order
};

/// Kept by the filter workload: even values (half of uniformly random ints). A lambda, so that
/// every implementation gets it inlined.
inline constexpr auto keep = [](int x) -> bool { return (x & 1) == 0; };

/// The copying loop of a filter's last pass over [lo, hi) (pos: where its first kept element
/// goes), branch-free as duet's copy_if: write every element, advance past kept ones, stop at
/// the last kept one (a later write would land in the next range's output). Returns the new pos.
inline std::size_t copy_kept(const int* in, std::size_t lo, std::size_t hi, int* out, std::size_t pos) {
  while (hi > lo && !keep(in[hi - 1])) --hi;
  for (std::size_t i = lo; i < hi; ++i) {
    out[pos] = in[i];
    pos += keep(in[i]) ? 1 : 0;
  }
  return pos;
}

extern const peer duet_peer, tbb_peer, omp_peer, pstl_par_peer, pstl_unseq_peer, seq_peer;

/// All-threads plain read of the array (OpenMP, static halves, integer sum of the bit patterns):
/// the bandwidth limit a memory-bound reduction can reach. Returns a checksum.
std::uint64_t read_all_threads(const double* a, std::size_t n);
/// The same read on the calling thread only.
std::uint64_t read_one_thread(const double* a, std::size_t n);

}  // namespace parbench
