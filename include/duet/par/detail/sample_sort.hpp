// Internal: the parallel unstable sort, a samplesort.
//
// After Sanders & Winkel, "Super Scalar Sample Sort" (ESA 2004), with the equality buckets of
// Axtmann, Witt, Ferizovic & Sanders, "In-place Parallel Super Scalar Samplesort" (ESA 2017):
//
//  1. draw k * 32 random elements, sort them, keep k - 1 evenly spaced ones as splitters, laid
//     out as an implicit binary search tree (k a power of two, at most 128);
//  2. classify every element in parallel blocks: log2(k) branch-free steps down the tree give its
//     bucket b; if a splitter value occurs several times (many equal keys), elements equal to the
//     splitter s_b go to their own *equality bucket*, which needs no sorting. The bucket ids
//     (one byte each) and per-block bucket counts are kept;
//  3. a prefix sum over (bucket, block) gives every block its place in every bucket, and the
//     blocks scatter their elements into a buffer, in parallel, stably within a bucket;
//  4. the buckets are sorted in parallel (std::sort, or this sort again for a bucket that came
//     out far too large) and moved back.
//
// Every element is moved twice and compared about log2(k) times more than std::sort would; in
// return there is no sequential partitioning step at the top (what limits a parallel quicksort)
// and each bucket sorts in cache.
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iterator>
#include <memory>
#include <vector>

#include "duet/par/detail/splitter.hpp"
#include "duet/par/options.hpp"

namespace duet::par::detail {

template <class It, class Comp>
class sample_sorter {
  using T = std::iter_value_t<It>;
  using diff = std::iter_difference_t<It>;

 public:
  sample_sorter(Comp& comp, control& ctl, std::size_t cutoff, std::size_t threads) noexcept
      : comp_(comp), ctl_(ctl), cutoff_(cutoff), threads_(threads) {}

  /// Sorts [first, first + n). `depth` bounds the recursion into oversized buckets.
  void sort(It first, std::size_t n, int depth) {
    if (n <= cutoff_ || threads_ <= 1 || depth > 3) {
      std::sort(first, first + static_cast<diff>(n), comp_);
      return;
    }
    const std::size_t k = std::bit_floor(std::clamp<std::size_t>(n / (cutoff_ / 2), 2, 128));
    choose_splitters(first, n, k);
    const std::size_t nbuckets = 2 * k;  // bucket b at 2b, its equality bucket at 2b + 1
    const std::size_t nblocks = std::min<std::size_t>(8 * threads_, (n + cutoff_ - 1) / cutoff_);
    const std::size_t block = (n + nblocks - 1) / nblocks;
    auto ids = std::make_unique_for_overwrite<std::uint8_t[]>(n);
    std::vector<std::size_t> where(nblocks * nbuckets, 0);  // counts, then write positions
    const options one{.grain = 1};

    for_pieces(nblocks, one, ctl_, [&](std::size_t lo, std::size_t hi) {
      for (std::size_t blk = lo; blk < hi; ++blk)
        classify(first, blk * block, std::min(n, (blk + 1) * block), ids.get(), &where[blk * nbuckets]);
    });

    std::vector<std::size_t> bucket_start(nbuckets + 1);
    std::size_t pos = 0;
    for (std::size_t b = 0; b < nbuckets; ++b) {
      bucket_start[b] = pos;
      for (std::size_t blk = 0; blk < nblocks; ++blk) {
        const std::size_t count = where[blk * nbuckets + b];
        where[blk * nbuckets + b] = pos;
        pos += count;
      }
    }
    bucket_start[nbuckets] = n;

    auto buffer = std::make_unique_for_overwrite<T[]>(n);
    T* buf = buffer.get();
    for_pieces(nblocks, one, ctl_, [&](std::size_t lo, std::size_t hi) {
      for (std::size_t blk = lo; blk < hi; ++blk) {
        std::size_t* next = &where[blk * nbuckets];
        for (std::size_t i = blk * block; i < std::min(n, (blk + 1) * block); ++i)
          buf[next[ids[i]]++] = std::move(first[static_cast<diff>(i)]);
      }
    });

    const std::size_t too_big = std::max(4 * n / k, 2 * cutoff_);
    for_pieces(nbuckets, one, ctl_, [&](std::size_t lo, std::size_t hi) {
      for (std::size_t b = lo; b < hi; ++b) {
        const std::size_t s = bucket_start[b], e = bucket_start[b + 1];
        if (b % 2 == 0 && e - s > too_big) {
          // Badly sampled: split it again, in parallel (its own sorter: buckets run at once).
          sample_sorter<T*, Comp> again(comp_, ctl_, cutoff_, threads_);
          again.sort(buf + s, e - s, depth + 1);
        } else if (b % 2 == 0) {
          std::sort(buf + s, buf + e, comp_);
        }
        std::move(buf + s, buf + e, first + static_cast<diff>(s));
      }
    });
  }

 private:
  void choose_splitters(It first, std::size_t n, std::size_t k) {
    constexpr std::size_t oversample = 32;
    std::vector<T> sample;
    sample.reserve(k * oversample);
    std::uint64_t rng = 0x9e3779b97f4a7c15ull ^ n;  // deterministic: same input, same buckets
    for (std::size_t i = 0; i < k * oversample; ++i) {
      rng ^= rng << 13;
      rng ^= rng >> 7;
      rng ^= rng << 17;
      sample.push_back(first[static_cast<diff>(rng % n)]);
    }
    std::sort(sample.begin(), sample.end(), comp_);
    sorted_.clear();
    for (std::size_t i = 1; i < k; ++i) sorted_.push_back(std::move(sample[i * oversample]));
    has_equal_ = false;
    for (std::size_t i = 0; i + 1 < sorted_.size(); ++i) has_equal_ |= !comp_(sorted_[i], sorted_[i + 1]);
    tree_.assign(k, sorted_.front());
    std::size_t next = 0;
    build(1, k, next);
    log_k_ = std::countr_zero(k);
    k_ = k;
  }

  // In-order fill of the implicit tree: node j has children 2j and 2j + 1.
  void build(std::size_t node, std::size_t k, std::size_t& next) {
    if (node >= k) return;
    build(2 * node, k, next);
    tree_[node] = sorted_[next++];
    build(2 * node + 1, k, next);
  }

  // Bucket ids of [lo, hi) into ids, their counts added to count[0 .. 2k).
  void classify(It first, std::size_t lo, std::size_t hi, std::uint8_t* ids, std::size_t* count) {
    constexpr std::size_t unroll = 8;  // independent descents, to overlap their latencies
    std::size_t i = lo;
    for (; i + unroll <= hi; i += unroll) {
      std::size_t j[unroll];
      for (std::size_t u = 0; u < unroll; ++u) j[u] = 1;
      for (int level = 0; level < log_k_; ++level) {
        for (std::size_t u = 0; u < unroll; ++u)
          j[u] = 2 * j[u] + (comp_(tree_[j[u]], first[static_cast<diff>(i + u)]) ? 1 : 0);
      }
      for (std::size_t u = 0; u < unroll; ++u) {
        ids[i + u] = bucket_id(j[u] - k_, first[static_cast<diff>(i + u)]);
        ++count[ids[i + u]];
      }
    }
    for (; i < hi; ++i) {
      std::size_t j = 1;
      for (int level = 0; level < log_k_; ++level) j = 2 * j + (comp_(tree_[j], first[static_cast<diff>(i)]) ? 1 : 0);
      ids[i] = bucket_id(j - k_, first[static_cast<diff>(i)]);
      ++count[ids[i]];
    }
  }

  // b counts the splitters below x, so x <= s_b; x belongs to s_b's equality bucket if x == s_b.
  std::uint8_t bucket_id(std::size_t b, const T& x) {
    const bool equal = has_equal_ && b + 1 < k_ && !comp_(x, sorted_[b]);
    return static_cast<std::uint8_t>(2 * b + (equal ? 1 : 0));
  }

  Comp& comp_;
  control& ctl_;
  std::size_t cutoff_, threads_;
  std::vector<T> sorted_;  // the k - 1 splitters, sorted
  std::vector<T> tree_;    // the same, as an implicit search tree in tree_[1 .. k)
  std::size_t k_ = 0;
  int log_k_ = 0;
  bool has_equal_ = false;
};

}  // namespace duet::par::detail
