// Parallel reduce and transform_reduce, mirroring std:: (iterator pairs) and std::ranges (ranges).
//
//     double total = duet::par::reduce(v, 0.0);
//     double dot = duet::par::transform_reduce(a.begin(), a.end(), b.begin(), 0.0);
//     auto longest = duet::par::transform_reduce(words, std::size_t{0},
//                        [](auto a, auto b) { return std::max(a, b); },
//                        [](const std::string& w) { return w.size(); });
//
// As for std::reduce, `op` must be associative and commutative: the elements are regrouped
// (chunks, and eight partial sums inside a chunk for arithmetic types). Chunks are combined left
// to right, so an associative but non-commutative op on class types (string concatenation) still
// yields the sequential result. `init` enters exactly once.
#pragma once

#include <cstddef>
#include <functional>
#include <iterator>
#include <ranges>
#include <utility>

#include "duet/par/detail/fold.hpp"
#include "duet/par/detail/splitter.hpp"
#include "duet/par/options.hpp"

namespace duet::par {

namespace detail {
/// op(init, get(0) ⊕ ... ⊕ get(n - 1)) in parallel pieces.
template <class T, class Op, class Get>
T reduce_indexed(std::size_t n, T init, Op& op, Get get, const options& opt) {
  control ctl;
  auto total = reduce_pieces(
      n, opt, ctl, [&](std::size_t lo, std::size_t hi) { return fold<T>(op, get, lo, hi); },
      [&](T a, T b) { return static_cast<T>(op(std::move(a), std::move(b))); });
  return total ? static_cast<T>(op(std::move(init), std::move(*total))) : init;
}
}  // namespace detail

/// Sum of [first, last) with `op`, starting from `init`.
template <std::random_access_iterator It, not_options T, not_options Op>
T reduce(It first, It last, T init, Op op, const options& opt = {}) {
  auto get = [first](std::size_t i) -> decltype(auto) { return first[static_cast<std::iter_difference_t<It>>(i)]; };
  return detail::reduce_indexed(static_cast<std::size_t>(last - first), std::move(init), op, get, opt);
}

/// Sum of [first, last) with std::plus, starting from `init`.
template <std::random_access_iterator It, not_options T>
T reduce(It first, It last, T init, const options& opt = {}) {
  return par::reduce(first, last, std::move(init), std::plus<>{}, opt);
}

/// Sum of [first, last) with std::plus, starting from a value-initialised element.
template <std::random_access_iterator It>
std::iter_value_t<It> reduce(It first, It last, const options& opt = {}) {
  return par::reduce(first, last, std::iter_value_t<It>{}, std::plus<>{}, opt);
}

/// Sum of range `r` with `op`, starting from `init`.
template <std::ranges::random_access_range R, not_options T, not_options Op>
  requires std::ranges::sized_range<R>
T reduce(R&& r, T init, Op op, const options& opt = {}) {
  auto first = std::ranges::begin(r);
  return par::reduce(first, first + std::ranges::ssize(r), std::move(init), std::move(op), opt);
}

/// Sum of range `r` with std::plus, starting from `init`.
template <std::ranges::random_access_range R, not_options T>
  requires std::ranges::sized_range<R>
T reduce(R&& r, T init, const options& opt = {}) {
  return par::reduce(r, std::move(init), std::plus<>{}, opt);
}

/// Sum of range `r` with std::plus, starting from a value-initialised element.
template <std::ranges::random_access_range R>
  requires std::ranges::sized_range<R>
std::ranges::range_value_t<R> reduce(R&& r, const options& opt = {}) {
  return par::reduce(r, std::ranges::range_value_t<R>{}, std::plus<>{}, opt);
}

/// init ⊕ transform(x) over [first, last), ⊕ being `reduce`.
template <std::random_access_iterator It, not_options T, class Reduce, class Transform>
T transform_reduce(It first, It last, T init, Reduce reduce, Transform transform, const options& opt = {}) {
  auto get = [first, &transform](std::size_t i) -> decltype(auto) {
    return std::invoke(transform, first[static_cast<std::iter_difference_t<It>>(i)]);
  };
  return detail::reduce_indexed(static_cast<std::size_t>(last - first), std::move(init), reduce, get, opt);
}

/// init ⊕ transform(x, y) over [first1, last1) and the range at first2.
template <std::random_access_iterator It1, std::random_access_iterator It2, not_options T, class Reduce,
          class Transform>
T transform_reduce(It1 first1, It1 last1, It2 first2, T init, Reduce reduce, Transform transform,
                   const options& opt = {}) {
  auto get = [first1, first2, &transform](std::size_t i) -> decltype(auto) {
    return std::invoke(transform, first1[static_cast<std::iter_difference_t<It1>>(i)],
                       first2[static_cast<std::iter_difference_t<It2>>(i)]);
  };
  return detail::reduce_indexed(static_cast<std::size_t>(last1 - first1), std::move(init), reduce, get, opt);
}

/// init + the inner product of [first1, last1) and the range at first2.
template <std::random_access_iterator It1, std::random_access_iterator It2, not_options T>
T transform_reduce(It1 first1, It1 last1, It2 first2, T init, const options& opt = {}) {
  return par::transform_reduce(first1, last1, first2, std::move(init), std::plus<>{}, std::multiplies<>{}, opt);
}

/// init ⊕ transform(x) over range `r`.
template <std::ranges::random_access_range R, not_options T, class Reduce, class Transform>
  requires std::ranges::sized_range<R>
T transform_reduce(R&& r, T init, Reduce reduce, Transform transform, const options& opt = {}) {
  auto first = std::ranges::begin(r);
  return par::transform_reduce(first, first + std::ranges::ssize(r), std::move(init), std::move(reduce),
                               std::move(transform), opt);
}

/// init ⊕ transform(x, y) over ranges `r1` and `r2` (`r2` at least as long as `r1`).
template <std::ranges::random_access_range R1, std::ranges::random_access_range R2, not_options T, class Reduce,
          class Transform>
  requires std::ranges::sized_range<R1>
T transform_reduce(R1&& r1, R2&& r2, T init, Reduce reduce, Transform transform, const options& opt = {}) {
  auto first = std::ranges::begin(r1);
  return par::transform_reduce(first, first + std::ranges::ssize(r1), std::ranges::begin(r2), std::move(init),
                               std::move(reduce), std::move(transform), opt);
}

/// init + the inner product of ranges `r1` and `r2`.
template <std::ranges::random_access_range R1, std::ranges::random_access_range R2, not_options T>
  requires std::ranges::sized_range<R1>
T transform_reduce(R1&& r1, R2&& r2, T init, const options& opt = {}) {
  return par::transform_reduce(r1, r2, std::move(init), std::plus<>{}, std::multiplies<>{}, opt);
}

}  // namespace duet::par
