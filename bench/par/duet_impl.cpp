// duet::par, called from plain code on the main thread: the work moves onto the runtime's CPU
// pool (the ambient pool) and the caller waits, as any user's call would.
#include <memory>

#include "duet/par/par.hpp"
#include "duet/runtime.hpp"
#include "peers.hpp"

namespace parbench {
namespace {

std::unique_ptr<duet::runtime> rt;

void init(int threads) {
  rt = std::make_unique<duet::runtime>(duet::runtime_options{.cpu_threads = static_cast<std::size_t>(threads)});
}

double sum(const double* a, std::size_t n) { return duet::par::reduce(a, a + n, 0.0); }

void map(const int* in, int* out, std::size_t n) {
  duet::par::transform(in, in + n, out, [](int x) { return x * 2; });
}

void sort(std::uint64_t* a, std::size_t n) { duet::par::sort(a, a + n); }

void scan(const int* in, int* out, std::size_t n) { duet::par::inclusive_scan(in, in + n, out); }

std::size_t filter(const int* in, int* out, std::size_t n) {
  return static_cast<std::size_t>(duet::par::copy_if(in, in + n, out, keep) - out);
}

}  // namespace

const peer duet_peer{"duet", "duet::par on duet::runtime's CPU pool, called from main", init, sum, map, sort, scan,
                     filter};

}  // namespace parbench
