// Parallel searches that stop early: find_if, find, any_of, all_of, none_of.
//
//     auto it = duet::par::find_if(v, [](int x) { return x > 1000; });   // the *first* match
//     bool bad = duet::par::any_of(rows, [](const row& r) { return !r.valid(); });
//
// find_if returns the first match, as std::find_if does. When a piece finds a match at index i
// it lowers the call's limit to i: pieces that start after i stop at their next chunk boundary,
// pieces before i go on (the first match may still be there). any_of / all_of / none_of stop
// everything at the first decisive element. Windows of doubling size bound the wasted work (see
// find_index), so a match near the front costs a few chunks of predicate calls, not n.
#pragma once

#include <algorithm>
#include <cstddef>
#include <functional>
#include <iterator>
#include <limits>
#include <ranges>

#include "duet/par/detail/splitter.hpp"
#include "duet/par/options.hpp"

namespace duet::par {

namespace detail {
inline constexpr std::size_t not_found = std::numeric_limits<std::size_t>::max();

/// Index of the first i in [0, n) with pred(i), or not_found; `stop_all`: any match ends the call.
///
/// The range is searched in windows that double in size ([0, w), [w, 3w), [3w, 7w)...), each
/// window in parallel pieces, and the search ends with the first window that holds a match. So
/// however the pieces are scheduled (a worker that is descheduled for a few milliseconds while
/// another one runs ahead) the predicate runs at most about twice as often as the position of
/// the first match, plus the first window: the doubling search of parallel "find first" (as in
/// ParlayLib's find_if_index; Blelloch, Anderson & Dhulipala, "ParlayLib — A Toolkit for Parallel
/// Algorithms on Shared-Memory Multicore Machines", SPAA 2020).
template <class Pred>
std::size_t find_index(std::size_t n, Pred& pred, bool stop_all, const options& opt) {
  if (n == 0) return not_found;
  return on_worker([&] {
    control ctl;
    const std::size_t threads = pool_threads();
    std::size_t width = 2 * threads * chunk_size(n, opt, threads);
    for (std::size_t lo = 0; lo < n && !ctl.failed(); lo += width, width *= 2) {
      const std::size_t hi = lo + std::min(width, n - lo);
      auto found = reduce_pieces(
          hi - lo, opt, ctl,
          [&](std::size_t a, std::size_t b) {
            for (std::size_t i = lo + a; i < lo + b; ++i) {
              if (pred(i)) {
                ctl.limit_to(stop_all ? 0 : i - lo);
                return i;
              }
            }
            return not_found;
          },
          [](std::size_t left, std::size_t right) { return left != not_found ? left : right; });
      if (found && *found != not_found) return *found;
    }
    return not_found;
  });
}
}  // namespace detail

/// The first element of [first, last) that satisfies `pred`, or `last`.
template <std::random_access_iterator It, class Pred>
It find_if(It first, It last, Pred pred, const options& opt = {}) {
  using diff = std::iter_difference_t<It>;
  auto at = [&](std::size_t i) -> bool { return std::invoke(pred, first[static_cast<diff>(i)]); };
  const std::size_t i = detail::find_index(static_cast<std::size_t>(last - first), at, false, opt);
  return i == detail::not_found ? last : first + static_cast<diff>(i);
}

/// The first element of [first, last) equal to `value`, or `last`.
template <std::random_access_iterator It, not_options T>
It find(It first, It last, const T& value, const options& opt = {}) {
  return par::find_if(first, last, [&value](const auto& x) { return x == value; }, opt);
}

/// True if some element of [first, last) satisfies `pred`.
template <std::random_access_iterator It, class Pred>
bool any_of(It first, It last, Pred pred, const options& opt = {}) {
  using diff = std::iter_difference_t<It>;
  auto at = [&](std::size_t i) -> bool { return std::invoke(pred, first[static_cast<diff>(i)]); };
  return detail::find_index(static_cast<std::size_t>(last - first), at, true, opt) != detail::not_found;
}

/// True if no element of [first, last) satisfies `pred`.
template <std::random_access_iterator It, class Pred>
bool none_of(It first, It last, Pred pred, const options& opt = {}) {
  return !par::any_of(first, last, std::move(pred), opt);
}

/// True if every element of [first, last) satisfies `pred` (true for an empty range).
template <std::random_access_iterator It, class Pred>
bool all_of(It first, It last, Pred pred, const options& opt = {}) {
  return !par::any_of(first, last, [&pred](const auto& x) { return !std::invoke(pred, x); }, opt);
}

/// The first element of range `r` that satisfies `pred`, or its end.
template <std::ranges::random_access_range R, class Pred>
  requires std::ranges::sized_range<R>
std::ranges::borrowed_iterator_t<R> find_if(R&& r, Pred pred, const options& opt = {}) {
  auto first = std::ranges::begin(r);
  return par::find_if(first, first + std::ranges::ssize(r), std::move(pred), opt);
}

/// The first element of range `r` equal to `value`, or its end.
template <std::ranges::random_access_range R, not_options T>
  requires std::ranges::sized_range<R>
std::ranges::borrowed_iterator_t<R> find(R&& r, const T& value, const options& opt = {}) {
  auto first = std::ranges::begin(r);
  return par::find(first, first + std::ranges::ssize(r), value, opt);
}

/// True if some element of range `r` satisfies `pred`.
template <std::ranges::random_access_range R, class Pred>
  requires std::ranges::sized_range<R>
bool any_of(R&& r, Pred pred, const options& opt = {}) {
  auto first = std::ranges::begin(r);
  return par::any_of(first, first + std::ranges::ssize(r), std::move(pred), opt);
}

/// True if no element of range `r` satisfies `pred`.
template <std::ranges::random_access_range R, class Pred>
  requires std::ranges::sized_range<R>
bool none_of(R&& r, Pred pred, const options& opt = {}) {
  return !par::any_of(r, std::move(pred), opt);
}

/// True if every element of range `r` satisfies `pred`.
template <std::ranges::random_access_range R, class Pred>
  requires std::ranges::sized_range<R>
bool all_of(R&& r, Pred pred, const options& opt = {}) {
  auto first = std::ranges::begin(r);
  return par::all_of(first, first + std::ranges::ssize(r), std::move(pred), opt);
}

}  // namespace duet::par
