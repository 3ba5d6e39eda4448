// Parallel prefix sums: inclusive_scan and exclusive_scan, mirroring std:: argument orders.
//
//     duet::par::inclusive_scan(v.begin(), v.end(), out.begin());           // running totals
//     duet::par::exclusive_scan(sizes, offsets.begin(), std::size_t{0});   // start offsets
//
// `op` must be associative (not necessarily commutative): blocks are regrouped, never reordered.
// Out of place, the scan is one sweep over memory (detail/chained_scan.hpp: each block is reduced,
// the block sums are chained by decoupled look-back, the block is rescanned while it is still in
// cache). In place (output == input), it is the classic two passes: reduce the blocks, scan the
// block sums, rescan the blocks. The output may be the input, as for std::; no other overlap.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <ranges>
#include <vector>

#include "duet/par/detail/chained_scan.hpp"
#include "duet/par/detail/fold.hpp"
#include "duet/par/detail/splitter.hpp"
#include "duet/par/options.hpp"

namespace duet::par {

namespace detail {

/// The blocks of a scan of [first, first + n) into `out` (the Policy of chained_scan).
template <class T, bool Inclusive, class It, class Out, class Op>
class scan_blocks {
 public:
  struct lane {};

  scan_blocks(It first, Out out, Op& op, std::size_t n, std::size_t len) noexcept
      : first_(first), out_(out), op_(op), n_(n), len_(len) {}

  lane make_lane() const noexcept { return {}; }
  T reduce(std::size_t b, lane&) { return peek(b); }
  T peek(std::size_t b) {
    auto get = [this](std::size_t i) -> decltype(auto) { return first_[static_cast<std::iter_difference_t<It>>(i)]; };
    return fold<T, known_commutative<Op>>(op_, get, b * len_, end(b));
  }
  T combine(const T& left, const T& right) { return static_cast<T>(op_(left, right)); }

  void finish(std::size_t b, const T* prefix, lane&) {
    using in_diff = std::iter_difference_t<It>;
    using out_diff = std::iter_difference_t<Out>;
    const It first = first_;  // locals: the stores below must not force re-loads of members
    const Out out = out_;
    std::size_t i = b * len_;
    const std::size_t hi = end(b);
    if constexpr (Inclusive) {
      T acc = prefix ? static_cast<T>(op_(*prefix, first[static_cast<in_diff>(i)]))
                     : static_cast<T>(first[static_cast<in_diff>(i)]);
      out[static_cast<out_diff>(i)] = acc;
      for (++i; i < hi; ++i) {
        acc = static_cast<T>(op_(std::move(acc), first[static_cast<in_diff>(i)]));
        out[static_cast<out_diff>(i)] = acc;
      }
    } else {
      T acc = *prefix;  // an exclusive scan always has its initial value
      for (; i < hi; ++i) {
        // Read the input before writing the output: they may be the same element.
        T next = static_cast<T>(op_(acc, first[static_cast<in_diff>(i)]));
        out[static_cast<out_diff>(i)] = std::move(acc);
        acc = std::move(next);
      }
    }
  }

 private:
  std::size_t end(std::size_t b) const noexcept { return std::min(n_, (b + 1) * len_); }

  It first_;
  Out out_;
  Op& op_;
  std::size_t n_, len_;
};

/// True if [first, first + n) and [out, out + n) may overlap.
template <class It, class Out>
bool may_alias(It first, Out out, std::size_t n) {
  if constexpr (std::contiguous_iterator<It> && std::contiguous_iterator<Out>) {
    const auto a = reinterpret_cast<std::uintptr_t>(std::to_address(first));
    const auto b = reinterpret_cast<std::uintptr_t>(std::to_address(out));
    return a < b + n * sizeof(std::iter_value_t<Out>) && b < a + n * sizeof(std::iter_value_t<It>);
  } else if constexpr (std::equality_comparable_with<It, Out>) {
    return first == out;
  } else {
    return false;
  }
}

/// Reduce the blocks, scan the block sums, rescan the blocks: for in-place scans.
template <class T, class Policy>
void two_pass_scan(std::size_t nblocks, Policy& p, std::optional<T> init, control& ctl) {
  std::vector<std::optional<T>> prefix(nblocks);
  const options one_block{.grain = 1};
  for_pieces(nblocks - 1, one_block, ctl, [&](std::size_t lo, std::size_t hi) {
    for (std::size_t b = lo; b < hi; ++b) prefix[b + 1] = p.peek(b);
  });
  prefix[0] = std::move(init);
  for (std::size_t b = 1; b < nblocks; ++b) {
    if (prefix[b - 1]) prefix[b] = p.combine(*prefix[b - 1], *prefix[b]);
  }
  for_pieces(nblocks, one_block, ctl, [&](std::size_t lo, std::size_t hi) {
    auto lane = p.make_lane();
    for (std::size_t b = lo; b < hi; ++b) p.finish(b, prefix[b] ? &*prefix[b] : nullptr, lane);
  });
}

template <class T, bool Inclusive, class It, class Out, class Op>
Out scan(It first, It last, Out d_first, Op& op, std::optional<T> init, const options& opt) {
  const auto n = static_cast<std::size_t>(last - first);
  if (n == 0) return d_first;
  const std::size_t len = block_length(n, sizeof(T), opt);
  const std::size_t nblocks = (n + len - 1) / len;
  scan_blocks<T, Inclusive, It, Out, Op> blocks(first, d_first, op, n, len);
  control ctl;
  if (may_alias(first, d_first, n)) {
    two_pass_scan<T>(nblocks, blocks, std::move(init), ctl);
  } else {
    chained_scan<T, decltype(blocks)>(nblocks, blocks, std::move(init), ctl).run();
  }
  return d_first + static_cast<std::iter_difference_t<Out>>(n);
}

}  // namespace detail

/// out[i] = init ⊕ x[0] ⊕ ... ⊕ x[i], ⊕ being `op`; returns the end of the output.
template <std::random_access_iterator It, std::random_access_iterator Out, not_options Op, not_options T>
Out inclusive_scan(It first, It last, Out d_first, Op op, T init, const options& opt = {}) {
  return detail::scan<T, true>(first, last, d_first, op, std::optional<T>(std::move(init)), opt);
}

/// out[i] = x[0] ⊕ ... ⊕ x[i], ⊕ being `op`; returns the end of the output.
template <std::random_access_iterator It, std::random_access_iterator Out, not_options Op>
Out inclusive_scan(It first, It last, Out d_first, Op op, const options& opt = {}) {
  using T = std::iter_value_t<It>;
  return detail::scan<T, true>(first, last, d_first, op, std::optional<T>(), opt);
}

/// out[i] = x[0] + ... + x[i]; returns the end of the output.
template <std::random_access_iterator It, std::random_access_iterator Out>
Out inclusive_scan(It first, It last, Out d_first, const options& opt = {}) {
  return par::inclusive_scan(first, last, d_first, std::plus<>{}, opt);
}

/// out[i] = init ⊕ x[0] ⊕ ... ⊕ x[i - 1] (out[0] = init), ⊕ being `op`.
template <std::random_access_iterator It, std::random_access_iterator Out, not_options T, not_options Op>
Out exclusive_scan(It first, It last, Out d_first, T init, Op op, const options& opt = {}) {
  return detail::scan<T, false>(first, last, d_first, op, std::optional<T>(std::move(init)), opt);
}

/// out[i] = init + x[0] + ... + x[i - 1] (out[0] = init).
template <std::random_access_iterator It, std::random_access_iterator Out, not_options T>
Out exclusive_scan(It first, It last, Out d_first, T init, const options& opt = {}) {
  return par::exclusive_scan(first, last, d_first, std::move(init), std::plus<>{}, opt);
}

/// Inclusive scan of range `r` into the range at `d_first`, with `op` and `init`.
template <std::ranges::random_access_range R, std::random_access_iterator Out, not_options Op, not_options T>
  requires std::ranges::sized_range<R>
Out inclusive_scan(R&& r, Out d_first, Op op, T init, const options& opt = {}) {
  auto first = std::ranges::begin(r);
  return par::inclusive_scan(first, first + std::ranges::ssize(r), d_first, std::move(op), std::move(init), opt);
}

/// Inclusive scan of range `r` into the range at `d_first`, with `op`.
template <std::ranges::random_access_range R, std::random_access_iterator Out, not_options Op>
  requires std::ranges::sized_range<R>
Out inclusive_scan(R&& r, Out d_first, Op op, const options& opt = {}) {
  auto first = std::ranges::begin(r);
  return par::inclusive_scan(first, first + std::ranges::ssize(r), d_first, std::move(op), opt);
}

/// Running sums of range `r` into the range at `d_first`.
template <std::ranges::random_access_range R, std::random_access_iterator Out>
  requires std::ranges::sized_range<R>
Out inclusive_scan(R&& r, Out d_first, const options& opt = {}) {
  return par::inclusive_scan(r, d_first, std::plus<>{}, opt);
}

/// Exclusive scan of range `r` into the range at `d_first`, with `init` and `op`.
template <std::ranges::random_access_range R, std::random_access_iterator Out, not_options T, not_options Op>
  requires std::ranges::sized_range<R>
Out exclusive_scan(R&& r, Out d_first, T init, Op op, const options& opt = {}) {
  auto first = std::ranges::begin(r);
  return par::exclusive_scan(first, first + std::ranges::ssize(r), d_first, std::move(init), std::move(op), opt);
}

/// Exclusive running sums of range `r` into the range at `d_first`, starting from `init`.
template <std::ranges::random_access_range R, std::random_access_iterator Out, not_options T>
  requires std::ranges::sized_range<R>
Out exclusive_scan(R&& r, Out d_first, T init, const options& opt = {}) {
  return par::exclusive_scan(r, d_first, std::move(init), std::plus<>{}, opt);
}

}  // namespace duet::par
