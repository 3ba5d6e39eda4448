// Parallel counting: count_if and count.
//
//     auto evens = duet::par::count_if(v, [](int x) { return x % 2 == 0; });
#pragma once

#include <cstddef>
#include <functional>
#include <iterator>
#include <ranges>

#include "duet/par/detail/splitter.hpp"
#include "duet/par/options.hpp"

namespace duet::par {

/// Number of elements of [first, last) that satisfy `pred`.
template <std::random_access_iterator It, class Pred>
std::iter_difference_t<It> count_if(It first, It last, Pred pred, const options& opt = {}) {
  using diff = std::iter_difference_t<It>;
  detail::control ctl;
  auto total = detail::reduce_pieces(
      static_cast<std::size_t>(last - first), opt, ctl,
      [&](std::size_t lo, std::size_t hi) {
        std::size_t c = 0;
        for (std::size_t i = lo; i < hi; ++i) c += std::invoke(pred, first[static_cast<diff>(i)]) ? 1 : 0;
        return c;
      },
      std::plus<>{});
  return static_cast<diff>(total ? *total : 0);
}

/// Number of elements of [first, last) equal to `value`.
template <std::random_access_iterator It, not_options T>
std::iter_difference_t<It> count(It first, It last, const T& value, const options& opt = {}) {
  return par::count_if(first, last, [&value](const auto& x) { return x == value; }, opt);
}

/// Number of elements of range `r` that satisfy `pred`.
template <std::ranges::random_access_range R, class Pred>
  requires std::ranges::sized_range<R>
std::ranges::range_difference_t<R> count_if(R&& r, Pred pred, const options& opt = {}) {
  auto first = std::ranges::begin(r);
  return par::count_if(first, first + std::ranges::ssize(r), std::move(pred), opt);
}

/// Number of elements of range `r` equal to `value`.
template <std::ranges::random_access_range R, not_options T>
  requires std::ranges::sized_range<R>
std::ranges::range_difference_t<R> count(R&& r, const T& value, const options& opt = {}) {
  auto first = std::ranges::begin(r);
  return par::count(first, first + std::ranges::ssize(r), value, opt);
}

}  // namespace duet::par
