// Parallel sort (a samplesort: detail/sample_sort.hpp; for integers and floating-point numbers in
// ascending order, a radix sort: detail/radix_sort.hpp) and stable_sort (a merge sort with
// parallel merges: detail/merge_sort.hpp), with an optional comparator.
//
//     duet::par::sort(keys);
//     duet::par::stable_sort(people, [](const person& a, const person& b) { return a.age < b.age; });
//
// Both use a buffer of n elements. sort needs copyable, default-constructible elements for its
// parallel path (other types go to std::sort); both run sequentially for short inputs and on
// one-worker pools. If the comparator throws, the sort stops promptly and rethrows; the
// range then holds its elements in an unspecified order, some possibly moved-from (as a throwing
// comparator may leave std::sort's range).
#pragma once

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <functional>
#include <iterator>
#include <memory>
#include <ranges>

#include "duet/par/detail/merge_sort.hpp"
#include "duet/par/detail/radix_sort.hpp"
#include "duet/par/detail/sample_sort.hpp"
#include "duet/par/detail/splitter.hpp"
#include "duet/par/options.hpp"

namespace duet::par {

namespace detail {
/// Below this many elements (unless options::grain says otherwise) a sort runs sequentially.
inline constexpr std::size_t sort_cutoff = 32768;
}  // namespace detail

/// Sorts [first, last) under `comp` (not stable).
template <std::random_access_iterator It, not_options Comp>
  requires std::sortable<It, Comp>
void sort(It first, It last, Comp comp, const options& opt = {}) {
  using T = std::iter_value_t<It>;
  const auto n = static_cast<std::size_t>(last - first);
  const std::size_t cutoff = std::max<std::size_t>(opt.grain != 0 ? opt.grain : detail::sort_cutoff, 64);
  if constexpr (detail::radix_sortable<It, Comp>) {
    // Arithmetic keys in ascending order: distribution by digits, no comparisons (radix_sort.hpp).
    if (n > cutoff) {
      auto buffer = std::make_unique_for_overwrite<T[]>(n);
      detail::control ctl;
      detail::on_worker([&] {
        detail::radix_sorter<T> sorter(ctl, detail::pool_threads());
        sorter.sort(std::to_address(first), buffer.get(), n);
      });
      return;
    }
  } else if constexpr (std::default_initializable<T> && std::copyable<T>) {
    if (n > cutoff) {
      detail::control ctl;
      detail::on_worker([&] {
        detail::sample_sorter<It, Comp> sorter(comp, ctl, cutoff, detail::pool_threads());
        sorter.sort(first, n, 0);
      });
      return;
    }
  }
  std::sort(first, last, comp);
}

/// Sorts [first, last) in ascending order (not stable).
template <std::random_access_iterator It>
  requires std::sortable<It>
void sort(It first, It last, const options& opt = {}) {
  par::sort(first, last, std::less<>{}, opt);
}

/// Sorts range `r` under `comp` (not stable).
template <std::ranges::random_access_range R, not_options Comp>
  requires std::ranges::sized_range<R> && std::sortable<std::ranges::iterator_t<R>, Comp>
void sort(R&& r, Comp comp, const options& opt = {}) {
  auto first = std::ranges::begin(r);
  par::sort(first, first + std::ranges::ssize(r), std::move(comp), opt);
}

/// Sorts range `r` in ascending order (not stable).
template <std::ranges::random_access_range R>
  requires std::ranges::sized_range<R> && std::sortable<std::ranges::iterator_t<R>>
void sort(R&& r, const options& opt = {}) {
  par::sort(r, std::less<>{}, opt);
}

/// Sorts [first, last) under `comp`, keeping equal elements in their original order.
template <std::random_access_iterator It, not_options Comp>
  requires std::sortable<It, Comp>
void stable_sort(It first, It last, Comp comp, const options& opt = {}) {
  const auto n = static_cast<std::size_t>(last - first);
  if (n < 2) return;
  const std::size_t cutoff = std::max<std::size_t>(opt.grain != 0 ? opt.grain : detail::sort_cutoff, 64);
  detail::sort_buffer<It> buffer(first, n);
  if (n <= cutoff) {
    detail::stable_sort_sequential(first, buffer.get(), n, comp);
    return;
  }
  detail::control ctl;
  detail::on_worker([&] {
    const std::size_t threads = detail::pool_threads();
    if (threads <= 1) {
      detail::stable_sort_sequential(first, buffer.get(), n, comp);
      return;
    }
    // Depth: an even number of halvings giving about four leaves per worker, while leaves stay
    // above the cutoff.
    int depth = 0;
    while ((std::size_t{1} << depth) < 4 * threads && (n >> (depth + 2)) >= cutoff) depth += 2;
    if (depth == 0) depth = 1;
    const std::size_t merge_grain = std::max<std::size_t>(cutoff, n / (8 * threads));
    detail::merge_sorter<It, Comp> sorter(first, buffer.get(), comp, ctl, merge_grain);
    sorter.sort(0, n, depth, false);
  });
}

/// Sorts [first, last) in ascending order, keeping equal elements in their original order.
template <std::random_access_iterator It>
  requires std::sortable<It>
void stable_sort(It first, It last, const options& opt = {}) {
  par::stable_sort(first, last, std::less<>{}, opt);
}

/// Sorts range `r` under `comp`, keeping equal elements in their original order.
template <std::ranges::random_access_range R, not_options Comp>
  requires std::ranges::sized_range<R> && std::sortable<std::ranges::iterator_t<R>, Comp>
void stable_sort(R&& r, Comp comp, const options& opt = {}) {
  auto first = std::ranges::begin(r);
  par::stable_sort(first, first + std::ranges::ssize(r), std::move(comp), opt);
}

/// Sorts range `r` in ascending order, keeping equal elements in their original order.
template <std::ranges::random_access_range R>
  requires std::ranges::sized_range<R> && std::sortable<std::ranges::iterator_t<R>>
void stable_sort(R&& r, const options& opt = {}) {
  par::stable_sort(r, std::less<>{}, opt);
}

}  // namespace duet::par
