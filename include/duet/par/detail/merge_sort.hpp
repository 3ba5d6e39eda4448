// Internal: the parallel stable sort, a merge sort with parallel merges.
//
// The range is cut into 2^d leaves (d even, about four leaves per worker), each sorted with
// stable_sort_sequential (below); pairs of sorted runs are then merged level by level, each merge itself split
// in parallel: take the middle element of the longer run, binary-search its place in the other
// run, and merge the two halves independently (Cormen, Leiserson, Rivest & Stein, "Introduction
// to Algorithms", 3rd ed., §27.3 "Multithreaded merge sort"). Levels alternate between the input
// and one buffer of n elements, so no level copies; with d even the leaves sort in place.
//
// Stability: the leaf sort keeps equal elements in order; std::merge takes from
// the left run on ties; a parallel split on the left run's middle m uses lower_bound in the right
// run (its elements equal to m go after m), a split on the right run's middle m uses upper_bound
// in the left run (its elements equal to m go before m). So every equal pair keeps its order.
#pragma once

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <iterator>
#include <memory>
#include <vector>

#include "duet/par/detail/splitter.hpp"

namespace duet::par::detail {

/// Stable sort of [a, a + n) using scratch[0, n) (any values; overwritten): insertion sort of
/// runs of 32, then bottom-up merge passes alternating between the two arrays. Not std::
/// stable_sort: with clang 19 on GCC 12's libstdc++ that one fails to compile under -Werror
/// (its std::get_temporary_buffer is deprecated in C++20 and the warning escapes the system
/// header), and every leaf has a buffer at hand anyway.
template <class It, class T, class Comp>
void stable_sort_sequential(It a, T* scratch, std::size_t n, Comp& comp) {
  using diff = std::iter_difference_t<It>;
  constexpr std::size_t run = 32;
  for (std::size_t lo = 0; lo < n; lo += run) {
    const std::size_t hi = std::min(n, lo + run);
    for (std::size_t i = lo + 1; i < hi; ++i) {
      T x = std::move(a[static_cast<diff>(i)]);
      std::size_t j = i;
      for (; j > lo && comp(x, a[static_cast<diff>(j - 1)]); --j)
        a[static_cast<diff>(j)] = std::move(a[static_cast<diff>(j - 1)]);
      a[static_cast<diff>(j)] = std::move(x);
    }
  }
  auto pass = [&](auto src, auto dst, std::size_t width) {
    for (std::size_t lo = 0; lo < n; lo += 2 * width) {
      const std::size_t mid = std::min(n, lo + width), hi = std::min(n, lo + 2 * width);
      std::merge(std::make_move_iterator(src + static_cast<diff>(lo)),
                 std::make_move_iterator(src + static_cast<diff>(mid)),
                 std::make_move_iterator(src + static_cast<diff>(mid)),
                 std::make_move_iterator(src + static_cast<diff>(hi)), dst + static_cast<diff>(lo), comp);
    }
  };
  bool in_a = true;
  for (std::size_t width = run; width < n; width *= 2, in_a = !in_a) {
    if (in_a) {
      pass(a, scratch, width);
    } else {
      pass(scratch, a, width);
    }
  }
  if (!in_a) std::move(scratch, scratch + n, a);
}

/// n elements of scratch space for sorting [first, first + n): uninitialised storage for
/// trivial types, default-constructed objects for other default-constructible types, else
/// copies made by moving the elements out and back.
template <class It>
class sort_buffer {
  using T = std::iter_value_t<It>;

 public:
  sort_buffer(It first, std::size_t n) {
    if constexpr (std::default_initializable<T>) {
      owned_ = std::make_unique_for_overwrite<T[]>(n);
      data_ = owned_.get();
    } else {
      using diff = std::iter_difference_t<It>;
      moved_.assign(std::make_move_iterator(first), std::make_move_iterator(first + static_cast<diff>(n)));
      std::move(moved_.begin(), moved_.end(), first);
      data_ = moved_.data();
    }
  }
  T* get() const noexcept { return data_; }

 private:
  std::unique_ptr<T[]> owned_;
  std::vector<T> moved_;
  T* data_ = nullptr;
};

template <class It, class Comp>
class merge_sorter {
  using T = std::iter_value_t<It>;
  using diff = std::iter_difference_t<It>;

 public:
  merge_sorter(It first, T* buffer, Comp& comp, control& ctl, std::size_t merge_grain) noexcept
      : first_(first), buf_(buffer), comp_(comp), ctl_(ctl), merge_grain_(merge_grain) {}

  /// Sorts [lo, hi) of the input into the input (into_buffer == false) or into the buffer, by
  /// `depth` levels of halving.
  void sort(std::size_t lo, std::size_t hi, int depth, bool into_buffer) {
    if (ctl_.failed()) return;
    if (depth == 0) {
      guarded([&] {
        stable_sort_sequential(first_ + static_cast<diff>(lo), buf_ + lo, hi - lo, comp_);
        if (into_buffer) std::move(first_ + static_cast<diff>(lo), first_ + static_cast<diff>(hi), buf_ + lo);
      });
      return;
    }
    const std::size_t mid = lo + (hi - lo) / 2;
    duet::join([&] { sort(lo, mid, depth - 1, !into_buffer); }, [&] { sort(mid, hi, depth - 1, !into_buffer); });
    if (into_buffer) {
      merge(first_, lo, mid, mid, hi, buf_, lo);
    } else {
      merge(buf_, lo, mid, mid, hi, first_, lo);
    }
  }

 private:
  template <class F>
  void guarded(F&& f) {
    try {
      f();
    } catch (...) {
      ctl_.fail();
      throw;
    }
  }

  /// Merges src[l1, h1) and src[l2, h2) (both sorted) into dst from index `out`.
  template <class Src, class Dst>
  void merge(Src src, std::size_t l1, std::size_t h1, std::size_t l2, std::size_t h2, Dst dst, std::size_t out) {
    if (ctl_.failed()) return;
    const std::size_t n1 = h1 - l1, n2 = h2 - l2;
    auto at = [](auto base, std::size_t i) { return base + static_cast<std::iter_difference_t<decltype(base)>>(i); };
    if (n1 + n2 <= merge_grain_) {
      guarded([&] {
        std::merge(std::make_move_iterator(at(src, l1)), std::make_move_iterator(at(src, h1)),
                   std::make_move_iterator(at(src, l2)), std::make_move_iterator(at(src, h2)), at(dst, out), comp_);
      });
      return;
    }
    std::size_t m1 = 0, m2 = 0;
    guarded([&] {
      if (n1 >= n2) {
        m1 = l1 + n1 / 2;
        m2 = static_cast<std::size_t>(std::lower_bound(at(src, l2), at(src, h2), *at(src, m1), comp_) - src);
      } else {
        m2 = l2 + n2 / 2;
        m1 = static_cast<std::size_t>(std::upper_bound(at(src, l1), at(src, h1), *at(src, m2), comp_) - src);
      }
    });
    duet::join([&] { merge(src, l1, m1, l2, m2, dst, out); },
               [&] { merge(src, m1, h1, m2, h2, dst, out + (m1 - l1) + (m2 - l2)); });
  }

  It first_;
  T* buf_;
  Comp& comp_;
  control& ctl_;
  std::size_t merge_grain_;
};

}  // namespace duet::par::detail
