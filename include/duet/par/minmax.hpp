// Parallel min_element and max_element: the *first* smallest / largest element, as in std::.
//
//     auto hottest = duet::par::max_element(readings);
//     auto oldest = duet::par::min_element(people, by_birth_date, {.grain = 512});
#pragma once

#include <cstddef>
#include <functional>
#include <iterator>
#include <ranges>

#include "duet/par/detail/splitter.hpp"
#include "duet/par/options.hpp"

namespace duet::par {

namespace detail {
/// Index of the first element that no other element `beats` (beats(a, b): a is strictly better).
template <std::random_access_iterator It, class Beats>
It best_element(It first, It last, Beats beats, const options& opt) {
  using diff = std::iter_difference_t<It>;
  auto at = [first](std::size_t i) -> decltype(auto) { return first[static_cast<diff>(i)]; };
  control ctl;
  auto best = reduce_pieces(
      static_cast<std::size_t>(last - first), opt, ctl,
      [&](std::size_t lo, std::size_t hi) {
        std::size_t b = lo;
        for (std::size_t i = lo + 1; i < hi; ++i)
          if (beats(at(i), at(b))) b = i;
        return b;
      },
      // Ties keep the left (earlier) index.
      [&](std::size_t left, std::size_t right) { return beats(at(right), at(left)) ? right : left; });
  return best ? first + static_cast<diff>(*best) : last;
}
}  // namespace detail

/// The first smallest element of [first, last) under `comp`, or `last` if empty.
template <std::random_access_iterator It, not_options Comp>
It min_element(It first, It last, Comp comp, const options& opt = {}) {
  return detail::best_element(
      first, last, [&comp](const auto& a, const auto& b) { return std::invoke(comp, a, b); }, opt);
}

/// The first smallest element of [first, last), or `last` if empty.
template <std::random_access_iterator It>
It min_element(It first, It last, const options& opt = {}) {
  return par::min_element(first, last, std::less<>{}, opt);
}

/// The first largest element of [first, last) under `comp`, or `last` if empty.
template <std::random_access_iterator It, not_options Comp>
It max_element(It first, It last, Comp comp, const options& opt = {}) {
  return detail::best_element(
      first, last, [&comp](const auto& a, const auto& b) { return std::invoke(comp, b, a); }, opt);
}

/// The first largest element of [first, last), or `last` if empty.
template <std::random_access_iterator It>
It max_element(It first, It last, const options& opt = {}) {
  return par::max_element(first, last, std::less<>{}, opt);
}

/// The first smallest element of range `r` under `comp`, or its end.
template <std::ranges::random_access_range R, not_options Comp>
  requires std::ranges::sized_range<R>
std::ranges::borrowed_iterator_t<R> min_element(R&& r, Comp comp, const options& opt = {}) {
  auto first = std::ranges::begin(r);
  return par::min_element(first, first + std::ranges::ssize(r), std::move(comp), opt);
}

/// The first smallest element of range `r`, or its end.
template <std::ranges::random_access_range R>
  requires std::ranges::sized_range<R>
std::ranges::borrowed_iterator_t<R> min_element(R&& r, const options& opt = {}) {
  return par::min_element(r, std::less<>{}, opt);
}

/// The first largest element of range `r` under `comp`, or its end.
template <std::ranges::random_access_range R, not_options Comp>
  requires std::ranges::sized_range<R>
std::ranges::borrowed_iterator_t<R> max_element(R&& r, Comp comp, const options& opt = {}) {
  auto first = std::ranges::begin(r);
  return par::max_element(first, first + std::ranges::ssize(r), std::move(comp), opt);
}

/// The first largest element of range `r`, or its end.
template <std::ranges::random_access_range R>
  requires std::ranges::sized_range<R>
std::ranges::borrowed_iterator_t<R> max_element(R&& r, const options& opt = {}) {
  return par::max_element(r, std::less<>{}, opt);
}

}  // namespace duet::par
