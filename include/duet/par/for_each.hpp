// Parallel loops: for_each, for_index and transform (map into an output).
//
//     duet::par::for_each(pixels, [](pixel& p) { p = shade(p); });
//     duet::par::for_index(0, rows, [&](int y) { render_row(y); });
//     duet::par::transform(in, out.begin(), [](int x) { return x * 2; });
//
// The body runs once per element, on plain callables (no coroutine frame per element). If it
// throws, the remaining chunks are skipped and the first exception is rethrown to the caller.
#pragma once

#include <concepts>
#include <cstddef>
#include <functional>
#include <iterator>
#include <ranges>

#include "duet/par/detail/splitter.hpp"
#include "duet/par/options.hpp"

namespace duet::par {

/// Calls `f(x)` for every element of [first, last).
template <std::random_access_iterator It, class F>
void for_each(It first, It last, F f, const options& opt = {}) {
  using diff = std::iter_difference_t<It>;
  detail::control ctl;
  detail::for_pieces(static_cast<std::size_t>(last - first), opt, ctl, [&](std::size_t lo, std::size_t hi) {
    for (std::size_t i = lo; i < hi; ++i) std::invoke(f, first[static_cast<diff>(i)]);
  });
}

/// Calls `f(x)` for every element of range `r`.
template <std::ranges::random_access_range R, class F>
  requires std::ranges::sized_range<R>
void for_each(R&& r, F f, const options& opt = {}) {
  auto first = std::ranges::begin(r);
  par::for_each(first, first + std::ranges::ssize(r), std::move(f), opt);
}

/// Calls `f(i)` for every integer i in [begin, end).
template <std::integral I, class F>
void for_index(I begin, I end, F f, const options& opt = {}) {
  if (end <= begin) return;
  detail::control ctl;
  const auto n = static_cast<std::size_t>(end - begin);
  detail::for_pieces(n, opt, ctl, [&](std::size_t lo, std::size_t hi) {
    for (std::size_t i = lo; i < hi; ++i) std::invoke(f, static_cast<I>(begin + static_cast<I>(i)));
  });
}

/// Writes f(x) for every x of [first, last) to the range at `d_first`; returns its end.
template <std::random_access_iterator It, std::random_access_iterator Out, class F>
Out transform(It first, It last, Out d_first, F f, const options& opt = {}) {
  using diff = std::iter_difference_t<It>;
  using out_diff = std::iter_difference_t<Out>;
  const auto n = static_cast<std::size_t>(last - first);
  detail::control ctl;
  detail::for_pieces(n, opt, ctl, [&](std::size_t lo, std::size_t hi) {
    for (std::size_t i = lo; i < hi; ++i)
      d_first[static_cast<out_diff>(i)] = std::invoke(f, first[static_cast<diff>(i)]);
  });
  return d_first + static_cast<out_diff>(n);
}

/// Writes f(x, y) for x of [first1, last1) and y of the range at `first2` to `d_first`.
template <std::random_access_iterator It1, std::random_access_iterator It2, std::random_access_iterator Out, class F>
Out transform(It1 first1, It1 last1, It2 first2, Out d_first, F f, const options& opt = {}) {
  const auto n = static_cast<std::size_t>(last1 - first1);
  using out_diff = std::iter_difference_t<Out>;
  detail::control ctl;
  detail::for_pieces(n, opt, ctl, [&](std::size_t lo, std::size_t hi) {
    for (std::size_t i = lo; i < hi; ++i) {
      d_first[static_cast<out_diff>(i)] = std::invoke(f, first1[static_cast<std::iter_difference_t<It1>>(i)],
                                                      first2[static_cast<std::iter_difference_t<It2>>(i)]);
    }
  });
  return d_first + static_cast<out_diff>(n);
}

/// Writes f(x) for every x of range `r` to the range at `d_first`; returns its end.
template <std::ranges::random_access_range R, std::random_access_iterator Out, class F>
  requires std::ranges::sized_range<R>
Out transform(R&& r, Out d_first, F f, const options& opt = {}) {
  auto first = std::ranges::begin(r);
  return par::transform(first, first + std::ranges::ssize(r), d_first, std::move(f), opt);
}

/// Writes f(x, y) for x of `r1` and y of `r2` (at least as long) to the range at `d_first`.
template <std::ranges::random_access_range R1, std::ranges::random_access_range R2, std::random_access_iterator Out,
          class F>
  requires std::ranges::sized_range<R1>
Out transform(R1&& r1, R2&& r2, Out d_first, F f, const options& opt = {}) {
  auto first = std::ranges::begin(r1);
  return par::transform(first, first + std::ranges::ssize(r1), std::ranges::begin(r2), d_first, std::move(f), opt);
}

}  // namespace duet::par
