// Internal: par::sort of integers and floating-point numbers in their natural order, a radix sort.
//
// With the default comparator, an arithmetic key's order is the order of its bits once they are
// mapped to an unsigned integer (radix_key below: signed integers flip the sign bit; IEEE floats
// flip the sign bit of positives and every bit of negatives, after Herf, "Radix Tricks", 2001).
// So no element needs to be compared: the sort distributes by 8-bit digits (Knuth, "The Art of
// Computer Programming", vol. 3, §5.2.5, "Sorting by distribution"), O(n) per digit, where a
// comparison sort pays log2(n) ≈ 26 data-dependent branches per element for n = 50 million.
//
// The shape is MSD first, LSD at the bottom, the usual way to keep a radix sort in cache:
//  1. in parallel blocks, count the most significant digit that varies (a reduction of the
//     keys' OR and AND, done in the same pass, skips digits all keys share), prefix-sum the
//     (digit, block) counts and scatter every block to its places in a buffer: 256 buckets;
//  2. sort the buckets in parallel (lazy splitting over the bucket numbers); a bucket still much
//     larger than a cache splits again by the next digit, in parallel while it is larger than a
//     worker's share, sequentially after that;
//  3. a bucket that fits in L2 is sorted least significant digit first: one pass counts all its
//     remaining digits at once (a permutation does not change a digit's counts), then one stable
//     scatter per digit that varies, alternating between the two arrays.
// The two arrays alternate down the recursion (`into_other` says where a call leaves its
// result), so the data is copied back only inside small, cached buckets.
//
// Only the default order (std::less<>, std::less<T>, std::ranges::less) on contiguous ranges takes
// this path; every other call uses the samplesort. Equal keys come out in an unspecified order,
// as from std::sort (-0.0 sorts before +0.0; NaNs, which std::less cannot order, by their bits).
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iterator>
#include <limits>
#include <memory>
#include <type_traits>
#include <vector>

#include "duet/par/detail/splitter.hpp"
#include "duet/par/options.hpp"

namespace duet::par::detail {

/// Arithmetic types whose std::less order is the unsigned order of radix_key.
template <class T>
concept radix_key_type = (std::integral<T> && !std::same_as<T, bool>) ||
                         ((std::same_as<T, float> || std::same_as<T, double>) && std::numeric_limits<T>::is_iec559);

/// Comparators that mean "ascending, by value".
template <class Comp, class T>
concept natural_order =
    std::same_as<Comp, std::less<>> || std::same_as<Comp, std::less<T>> || std::same_as<Comp, std::ranges::less>;

/// True when par::sort(first, last, comp) may use the radix sort.
template <class It, class Comp>
concept radix_sortable =
    std::contiguous_iterator<It> && radix_key_type<std::iter_value_t<It>> && natural_order<Comp, std::iter_value_t<It>>;

template <radix_key_type T>
class radix_sorter {
  using U = std::make_unsigned_t<std::conditional_t<std::is_floating_point_v<T>,
                                                    std::conditional_t<sizeof(T) == 4, std::int32_t, std::int64_t>, T>>;
  static constexpr int top_digit = static_cast<int>(sizeof(T)) - 1;
  static constexpr std::size_t radix = 256;
  static constexpr U sign_bit = U{1} << (8 * sizeof(T) - 1);
  using counts = std::array<std::size_t, radix>;

 public:
  radix_sorter(control& ctl, std::size_t threads) noexcept : ctl_(ctl), threads_(threads) {}

  /// Sorts [a, a + n), using buffer[0, n) (any values) as scratch.
  void sort(T* a, T* buffer, std::size_t n) { par_sort(a, buffer, n, top_digit, false, n); }

  /// The unsigned integer whose order is x's order under std::less.
  static U radix_key(T x) noexcept {
    if constexpr (std::is_floating_point_v<T>) {
      const U bits = std::bit_cast<U>(x);
      // Negative: flip every bit (larger magnitudes come first); positive: set the sign bit.
      return bits ^ ((bits & sign_bit) != 0 ? ~U{0} : sign_bit);
    } else if constexpr (std::is_signed_v<T>) {
      return static_cast<U>(x) ^ sign_bit;
    } else {
      return x;
    }
  }

 private:
  // Below this many elements a bucket is sorted by comparisons (on radix keys, a strict weak
  // order even where NaNs make std::less none).
  static constexpr std::size_t small = 64;
  // Up to this many bytes a bucket sorts by LSD passes: it and its scratch half fit a 512 KiB L2.
  static constexpr std::size_t lsd_bytes = 192 * 1024;
  // Below this many elements a split is sequential: parallel counting would not pay.
  static constexpr std::size_t par_min = 1 << 16;

  static unsigned digit_of(U key, int d) noexcept { return static_cast<unsigned>(key >> (8 * d)) & 0xffU; }

  /// The highest digit at or below `d` in which the keys whose bits vary (`varying`) differ, or -1.
  static int highest_varying(U varying, int d) noexcept {
    while (d >= 0 && digit_of(varying, d) == 0) --d;
    return d;
  }

  /// Sorts src[0, n) by digits d..0 (the higher ones are equal across the range), leaving the
  /// result in `other` if into_other, else in src. `total` is the size of the whole sort.
  void par_sort(T* src, T* other, std::size_t n, int d, bool into_other, std::size_t total) {
    if (n < par_min || threads_ <= 1 || d < 0) {
      seq_sort(src, other, n, d, into_other);
      return;
    }
    const std::size_t nblocks = std::min<std::size_t>(4 * threads_, n / (par_min / 4));
    const std::size_t block = (n + nblocks - 1) / nblocks;
    std::vector<counts> count(nblocks);
    std::vector<U> ors(nblocks, 0), ands(nblocks, ~U{0});
    const options one{.grain = 1};
    auto count_blocks = [&](int digit, bool bits) {
      for_pieces(nblocks, one, ctl_, [&](std::size_t lo, std::size_t hi) {
        for (std::size_t blk = lo; blk < hi; ++blk) {
          counts& c = count[blk];
          c.fill(0);
          U o = 0, a = ~U{0};
          for (std::size_t i = blk * block; i < std::min(n, (blk + 1) * block); ++i) {
            const U k = radix_key(src[i]);
            ++c[digit_of(k, digit)];
            if (bits) {
              o |= k;
              a &= k;
            }
          }
          ors[blk] = o;
          ands[blk] = a;
        }
      });
    };
    count_blocks(d, true);
    U o = 0, a = ~U{0};
    for (std::size_t blk = 0; blk < nblocks; ++blk) {
      o |= ors[blk];
      a &= ands[blk];
    }
    const int varying = highest_varying(o ^ a, d);
    if (varying < 0) {  // every key is the same
      if (into_other) std::copy(src, src + n, other);
      return;
    }
    if (varying != d) {
      d = varying;
      count_blocks(d, false);
    }

    // where[blk][b]: the next place of block blk's elements of bucket b.
    std::vector<counts> where(nblocks);
    std::array<std::size_t, radix + 1> start{};
    std::size_t pos = 0;
    for (std::size_t b = 0; b < radix; ++b) {
      start[b] = pos;
      for (std::size_t blk = 0; blk < nblocks; ++blk) {
        where[blk][b] = pos;
        pos += count[blk][b];
      }
    }
    start[radix] = n;
    for_pieces(nblocks, one, ctl_, [&](std::size_t lo, std::size_t hi) {
      for (std::size_t blk = lo; blk < hi; ++blk) {
        counts next = where[blk];
        for (std::size_t i = blk * block; i < std::min(n, (blk + 1) * block); ++i)
          other[next[digit_of(radix_key(src[i]), d)]++] = src[i];
      }
    });

    // A bucket larger than a worker's share of the whole sort splits in parallel again.
    const std::size_t share = total / (2 * threads_);
    for_pieces(radix, one, ctl_, [&](std::size_t lo, std::size_t hi) {
      for (std::size_t b = lo; b < hi; ++b) {
        const std::size_t s = start[b], m = start[b + 1] - s;
        if (m > share) {
          par_sort(other + s, src + s, m, d - 1, !into_other, total);
        } else {
          seq_sort(other + s, src + s, m, d - 1, !into_other);
        }
      }
    });
  }

  /// par_sort's contract, on the calling thread.
  static void seq_sort(T* src, T* other, std::size_t n, int d, bool into_other) {
    T* const result = into_other ? other : src;
    if (n <= small || d < 0) {
      if (into_other) std::copy(src, src + n, other);
      if (d >= 0) std::sort(result, result + n, [](T x, T y) { return radix_key(x) < radix_key(y); });
      return;
    }
    if (n * sizeof(T) > lsd_bytes && d > 0) {
      msd_step(src, other, n, d, into_other);
    } else {
      lsd(src, other, n, d, into_other);
    }
  }

  /// One sequential distribution by the highest varying digit at or below d, then the buckets.
  static void msd_step(T* src, T* other, std::size_t n, int d, bool into_other) {
    counts c{};
    U o = 0, a = ~U{0};
    for (std::size_t i = 0; i < n; ++i) {
      const U k = radix_key(src[i]);
      ++c[digit_of(k, d)];
      o |= k;
      a &= k;
    }
    const int varying = highest_varying(o ^ a, d);
    if (varying < 0) {
      if (into_other) std::copy(src, src + n, other);
      return;
    }
    if (varying != d) {
      d = varying;
      c.fill(0);
      for (std::size_t i = 0; i < n; ++i) ++c[digit_of(radix_key(src[i]), d)];
    }
    counts start;
    std::size_t pos = 0;
    for (std::size_t b = 0; b < radix; ++b) {
      start[b] = pos;
      pos += c[b];
    }
    counts next = start;
    for (std::size_t i = 0; i < n; ++i) other[next[digit_of(radix_key(src[i]), d)]++] = src[i];
    for (std::size_t b = 0; b < radix; ++b) seq_sort(other + start[b], src + start[b], c[b], d - 1, !into_other);
  }

  /// Least significant digit first over digits 0..d: one counting pass, one scatter per varying
  /// digit.
  static void lsd(T* src, T* other, std::size_t n, int d, bool into_other) {
    std::array<counts, sizeof(T)> c{};
    for (std::size_t i = 0; i < n; ++i) {
      const U k = radix_key(src[i]);
      for (int j = 0; j <= d; ++j) ++c[static_cast<std::size_t>(j)][digit_of(k, j)];
    }
    T* from = src;
    T* to = other;
    const U first_key = radix_key(src[0]);
    for (int j = 0; j <= d; ++j) {
      counts& cj = c[static_cast<std::size_t>(j)];
      if (cj[digit_of(first_key, j)] == n) continue;  // every key has this digit: nothing moves
      std::size_t pos = 0;
      for (std::size_t& x : cj) pos += std::exchange(x, pos);  // counts become starting places
      for (std::size_t i = 0; i < n; ++i) to[cj[digit_of(radix_key(from[i]), j)]++] = from[i];
      std::swap(from, to);
    }
    T* const result = into_other ? other : src;
    if (from != result) std::copy(from, from + n, result);
  }

  control& ctl_;
  std::size_t threads_;
};

}  // namespace duet::par::detail
