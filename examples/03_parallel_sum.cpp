// The sum 0 + 1 + ... + 9 = 45, split over two execution units with duet::join:
// "execution unit 1: 0+1+2+3+4 = 10, execution unit 2: 5+6+7+8+9 = 35". Then the same idea on a
// vector of ten million numbers, halved recursively until a piece is small.
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <numeric>
#include <span>
#include <vector>

#include "duet/duet.hpp"

std::uint64_t sum(std::span<const std::uint64_t> v) { return std::accumulate(v.begin(), v.end(), std::uint64_t{0}); }

std::uint64_t parallel_sum(std::span<const std::uint64_t> v) {
  if (v.size() <= 100'000) return sum(v);  // small enough: just add
  const std::size_t half = v.size() / 2;
  auto [left, right] = duet::join([&] { return parallel_sum(v.first(half)); },  //
                                  [&] { return parallel_sum(v.subspan(half)); });
  return left + right;
}

int main() {
  duet::runtime rt({.cpu_threads = 2});

  const std::vector<std::uint64_t> digits{0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  const std::span<const std::uint64_t> all(digits);
  auto [unit1, unit2] = duet::join([&] { return sum(all.first(5)); },  // execution unit 1
                                   [&] { return sum(all.last(5)); });  // execution unit 2
  const std::uint64_t total = unit1 + unit2;
  std::printf("execution unit 1: 0+1+2+3+4 = %" PRIu64 ", execution unit 2: 5+6+7+8+9 = %" PRIu64 ", total %" PRIu64
              "\n",
              unit1, unit2, total);

  constexpr std::uint64_t n = 10'000'000;
  std::vector<std::uint64_t> numbers(n);
  std::iota(numbers.begin(), numbers.end(), std::uint64_t{0});
  const std::uint64_t big = parallel_sum(numbers);
  const std::uint64_t expected = n * (n - 1) / 2;  // 0 + 1 + ... + (n-1)
  std::printf("sum of 0..%" PRIu64 " = %" PRIu64 " (closed form %" PRIu64 ")\n", n - 1, big, expected);

  const bool ok = unit1 == 10 && unit2 == 35 && big == expected;
  std::puts(ok ? "ok" : "WRONG");
  return ok ? 0 : 1;
}
