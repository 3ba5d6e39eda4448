// Parallel stream compaction: copy_if (into an output) and filter (into a new vector). Order kept.
//
//     auto end = duet::par::copy_if(v.begin(), v.end(), out.begin(), [](int x) { return x > 0; });
//     std::vector<int> positive = duet::par::filter(v, [](int x) { return x > 0; });
//
// Count the matches per block, prefix-sum the counts, copy each block's matches to its offset —
// done in one sweep (detail/chained_scan.hpp): while counting, a block's matches are gathered
// into a small per-lane buffer (or, for class types, its predicate results are noted), and the
// copy to the output follows from cache.
// `pred` is called once per element, except that a block whose worker stalls may be counted a
// second time by a later block rather than waited for (see chained_scan.hpp): keep it pure.
#pragma once

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <ranges>
#include <type_traits>
#include <vector>

#include "duet/par/detail/chained_scan.hpp"
#include "duet/par/detail/splitter.hpp"
#include "duet/par/options.hpp"

namespace duet::par {

namespace detail {

/// The blocks of a copy_if (the Policy of chained_scan); S = number of matches. A kept element x
/// is written to the output as proj(x) (par::copy_if: std::identity; pipelines: unwrapping).
///
/// Trivially copyable elements are compacted, branch-free, into a per-lane buffer during the
/// count (write every element, advance past kept ones), and the block's output is then one
/// copy loop. Other elements keep one flag per element between the count and the copy.
template <class It, class Out, class Pred, class Proj = std::identity>
class filter_blocks {
  using T = std::iter_value_t<It>;
  using in_diff = std::iter_difference_t<It>;

 public:
  static constexpr bool compact = std::is_trivially_copyable_v<T> && std::default_initializable<T>;
  // A flag per element, one word each: GCC 12 vectorises the counting loop with 32-bit flags but
  // not with bytes (the int-to-char narrowing defeats it).
  using flag = std::uint32_t;
  static constexpr std::size_t bytes_per_element = sizeof(T) + (compact ? sizeof(T) : sizeof(flag));

  struct lane {
    std::unique_ptr<T[]> kept;     // compact: the current block's kept elements
    std::unique_ptr<flag[]> keep;  // otherwise: the current block's predicate results
    std::size_t count = 0;
  };

  filter_blocks(It first, Out out, Pred& pred, Proj& proj, std::size_t n, std::size_t len) noexcept
      : first_(first), out_(out), pred_(pred), proj_(proj), n_(n), len_(len) {}

  lane make_lane() const {
    lane l;
    if constexpr (compact) {
      l.kept = std::make_unique_for_overwrite<T[]>(len_);
    } else {
      l.keep = std::make_unique_for_overwrite<flag[]>(len_);
    }
    return l;
  }

  // The loops below work on local copies of the members, so that the compiler need not re-load
  // them after every store.
  std::size_t reduce(std::size_t b, lane& l) {
    const It first = first_;
    const std::size_t lo = b * len_, hi = end(b);
    if constexpr (compact) {
      T* kept = l.kept.get();
      std::size_t count = 0;
      for (std::size_t i = lo; i < hi; ++i) {
        const T& x = first[static_cast<in_diff>(i)];
        kept[count] = x;
        count += std::invoke(pred_, x) ? 1 : 0;
      }
      l.count = count;
      return count;
    } else {
      flag* keep = l.keep.get();
      flag count = 0;  // a block has at most 2^30 elements (block_length)
      for (std::size_t i = lo; i < hi; ++i) {
        const flag k = std::invoke(pred_, first[static_cast<in_diff>(i)]) ? 1 : 0;
        keep[i - lo] = k;
        count += k;
      }
      return count;
    }
  }

  std::size_t peek(std::size_t b) {
    const It first = first_;
    std::size_t count = 0;
    for (std::size_t i = b * len_; i < end(b); ++i) count += std::invoke(pred_, first[static_cast<in_diff>(i)]) ? 1 : 0;
    return count;
  }

  std::size_t combine(std::size_t a, std::size_t b) const noexcept { return a + b; }

  void finish(std::size_t b, const std::size_t* prefix, lane& l) {
    Out out = out_ + static_cast<std::iter_difference_t<Out>>(prefix ? *prefix : 0);
    if constexpr (compact) {
      std::transform(l.kept.get(), l.kept.get() + l.count, out, std::ref(proj_));
    } else {
      const It first = first_;
      const flag* keep = l.keep.get();
      const std::size_t lo = b * len_, hi = end(b);
      for (std::size_t i = lo; i < hi; ++i) {
        if (keep[i - lo] != 0) *out++ = std::invoke(proj_, first[static_cast<in_diff>(i)]);
      }
    }
  }

 private:
  std::size_t end(std::size_t b) const noexcept { return std::min(n_, (b + 1) * len_); }

  It first_;
  Out out_;
  Pred& pred_;
  Proj& proj_;
  std::size_t n_, len_;
};

/// Writes proj(x) for the elements x of [first, first + n) that satisfy pred to `out`, in order;
/// returns how many.
template <class It, class Out, class Pred, class Proj>
std::size_t compact(It first, std::size_t n, Out out, Pred& pred, Proj& proj, const options& opt) {
  if (n == 0) return 0;
  using blocks_type = filter_blocks<It, Out, Pred, Proj>;
  const std::size_t len = block_length(n, blocks_type::bytes_per_element, opt);
  blocks_type blocks(first, out, pred, proj, n, len);
  control ctl;
  chained_scan<std::size_t, blocks_type> sweep((n + len - 1) / len, blocks, std::nullopt, ctl);
  return *sweep.run();
}

}  // namespace detail

/// Copies the elements of [first, last) that satisfy `pred` to `d_first`, keeping their order;
/// returns the end of the output. The output must not overlap the input.
template <std::random_access_iterator It, std::random_access_iterator Out, class Pred>
Out copy_if(It first, It last, Out d_first, Pred pred, const options& opt = {}) {
  std::identity same;
  const std::size_t kept = detail::compact(first, static_cast<std::size_t>(last - first), d_first, pred, same, opt);
  return d_first + static_cast<std::iter_difference_t<Out>>(kept);
}

/// Copies the elements of range `r` that satisfy `pred` to `d_first`, keeping their order.
template <std::ranges::random_access_range R, std::random_access_iterator Out, class Pred>
  requires std::ranges::sized_range<R>
Out copy_if(R&& r, Out d_first, Pred pred, const options& opt = {}) {
  auto first = std::ranges::begin(r);
  return par::copy_if(first, first + std::ranges::ssize(r), d_first, std::move(pred), opt);
}

/// A new vector holding the elements of range `r` that satisfy `pred`, in order.
template <std::ranges::random_access_range R, class Pred>
  requires std::ranges::sized_range<R>
std::vector<std::ranges::range_value_t<R>> filter(R&& r, Pred pred, const options& opt = {}) {
  using T = std::ranges::range_value_t<R>;
  auto first = std::ranges::begin(r);
  const auto n = std::ranges::ssize(r);
  if constexpr (std::default_initializable<T>) {
    // Compact into uninitialised-for-trivial-types storage (no zeroing pass), then move the
    // matches into the vector.
    auto buffer = std::make_unique_for_overwrite<T[]>(static_cast<std::size_t>(n));
    T* end = par::copy_if(first, first + n, buffer.get(), std::move(pred), opt);
    return std::vector<T>(std::make_move_iterator(buffer.get()), std::make_move_iterator(end));
  } else {
    std::vector<T> out;
    std::copy_if(first, first + n, std::back_inserter(out), std::ref(pred));
    return out;
  }
}

}  // namespace duet::par
