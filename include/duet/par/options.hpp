// Tuning of one data-parallel call: the last argument of every duet::par algorithm.
//
//     double s = duet::par::reduce(v, 0.0, std::plus<>{}, {.grain = 4096});
#pragma once

#include <concepts>
#include <cstddef>
#include <type_traits>

namespace duet::par {

/// Options for one call, with designated initialisers. The defaults suit almost every loop.
struct options {
  /// Elements one piece of work handles before it looks at the scheduler again (should it split
  /// for an idle worker? should it stop early?). 0 = automatic (at most 2,048, fewer for short
  /// inputs). Raise it for very cheap bodies, lower it for very expensive ones. Scans and filters
  /// use it as their block size; sorts as the size below which a piece is sorted sequentially.
  std::size_t grain = 0;
};

/// Any type but `options`: keeps `reduce(first, last, init, opts)` apart from `reduce(first, last,
/// init, op)` when an options object is passed by name.
template <class T>
concept not_options = !std::same_as<std::remove_cvref_t<T>, options>;

}  // namespace duet::par
