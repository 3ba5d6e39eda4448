// std::execution::par and par_unseq: GCC's parallel STL on its oneTBB backend.
#include <algorithm>
#include <execution>
#include <numeric>

#include "peers.hpp"

namespace parbench {
namespace {

void init(int) {}  // thread count: the tbb::global_control set up by tbb_impl.cpp

template <class Policy>
struct with {
  static constexpr Policy policy{};
  static double sum(const double* a, std::size_t n) { return std::reduce(policy, a, a + n, 0.0); }
  static void map(const int* in, int* out, std::size_t n) {
    std::transform(policy, in, in + n, out, [](int x) { return x * 2; });
  }
  static void sort(std::uint64_t* a, std::size_t n) { std::sort(policy, a, a + n); }
  static void scan(const int* in, int* out, std::size_t n) { std::inclusive_scan(policy, in, in + n, out); }
  static std::size_t filter(const int* in, int* out, std::size_t n) {
    return static_cast<std::size_t>(std::copy_if(policy, in, in + n, out, keep) - out);
  }
};

using par = with<std::execution::parallel_policy>;
using unseq = with<std::execution::parallel_unsequenced_policy>;

}  // namespace

const peer pstl_par_peer{"std-par", "std:: algorithms with std::execution::par (libstdc++ PSTL, TBB backend)",
                         init,      par::sum,
                         par::map,  par::sort,
                         par::scan, par::filter};
const peer pstl_unseq_peer{
    "std-unseq",  "the same with std::execution::par_unseq", init, unseq::sum, unseq::map, unseq::sort, unseq::scan,
    unseq::filter};

}  // namespace parbench
