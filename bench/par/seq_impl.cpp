// Sequential std:: algorithms: the baseline for speed-ups.
#include <algorithm>
#include <numeric>

#include "peers.hpp"

namespace parbench {
namespace {

void init(int) {}
double sum(const double* a, std::size_t n) { return std::reduce(a, a + n, 0.0); }
void map(const int* in, int* out, std::size_t n) {
  std::transform(in, in + n, out, [](int x) { return x * 2; });
}
void sort(std::uint64_t* a, std::size_t n) { std::sort(a, a + n); }
void scan(const int* in, int* out, std::size_t n) { std::inclusive_scan(in, in + n, out); }
std::size_t filter(const int* in, int* out, std::size_t n) {
  return static_cast<std::size_t>(std::copy_if(in, in + n, out, keep) - out);
}

}  // namespace

const peer seq_peer{
    "seq", "sequential std:: (reduce, transform, sort, inclusive_scan, copy_if)", init, sum, map, sort, scan, filter};

}  // namespace parbench
