// Internal: the sequential loop at the bottom of reduce, transform_reduce and scan.
#pragma once

#include <cstddef>
#include <functional>
#include <type_traits>
#include <utility>

namespace duet::par::detail {

/// True for the standard function objects whose operation is commutative on arithmetic types.
template <class Op>
inline constexpr bool known_commutative = false;
template <class T>
inline constexpr bool known_commutative<std::plus<T>> = true;
template <class T>
inline constexpr bool known_commutative<std::multiplies<T>> = true;
template <class T>
inline constexpr bool known_commutative<std::bit_and<T>> = true;
template <class T>
inline constexpr bool known_commutative<std::bit_or<T>> = true;
template <class T>
inline constexpr bool known_commutative<std::bit_xor<T>> = true;

/// Folds get(lo), ..., get(hi - 1) (lo < hi) with `op` into a T.
///
/// With `Reorder` and an arithmetic T the loop keeps eight independent partial results: the
/// compiler turns them into vector registers, and the adder's latency no longer limits a
/// floating-point sum (one chain of dependent `addsd` runs at a third of memory bandwidth). That
/// regrouping needs `op` associative *and commutative*: std::reduce requires both, so reduce and
/// transform_reduce pass Reorder = true; scans, which only require associativity, pass it only
/// for the standard commutative function objects. Otherwise the fold runs strictly left to right.
template <class T, bool Reorder = true, class Op, class Get>
T fold(Op& op, Get& get, std::size_t lo, std::size_t hi) {
  if constexpr (Reorder && std::is_arithmetic_v<T>) {
    constexpr std::size_t lanes = 8;
    if (hi - lo >= 2 * lanes) {
      T acc[lanes];
      for (std::size_t k = 0; k < lanes; ++k) acc[k] = static_cast<T>(get(lo + k));
      std::size_t i = lo + lanes;
      for (; i + lanes <= hi; i += lanes) {
        for (std::size_t k = 0; k < lanes; ++k) acc[k] = static_cast<T>(op(acc[k], get(i + k)));
      }
      for (; i < hi; ++i) acc[0] = static_cast<T>(op(acc[0], get(i)));
      for (std::size_t width = lanes / 2; width > 0; width /= 2) {
        for (std::size_t k = 0; k < width; ++k) acc[k] = static_cast<T>(op(acc[k], acc[k + width]));
      }
      return acc[0];
    }
  }
  T acc = static_cast<T>(get(lo));
  for (std::size_t i = lo + 1; i < hi; ++i) acc = static_cast<T>(op(std::move(acc), get(i)));
  return acc;
}

}  // namespace duet::par::detail
