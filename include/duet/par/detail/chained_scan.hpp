// Internal: the single-sweep prefix computation behind inclusive_scan, exclusive_scan and copy_if.
//
// The textbook parallel scan reduces every block, scans the block sums, then rescans every block
// with its prefix: three passes over memory for a loop that is memory-bound. This driver does
// the same three steps per block in one sweep, after Merrill & Garland, "Single-pass Parallel
// Prefix Scan with Decoupled Look-back" (NVIDIA technical report NVR-2016-002):
//
//  1. a lane takes the next block number from a shared counter (blocks go out in order);
//  2. it reduces its block (one read from memory) and publishes the block's *aggregate*;
//  3. it looks back at the blocks before it, right to left, adding aggregates until it meets a
//     block that published its *inclusive prefix*; it publishes its own inclusive prefix;
//  4. it rescans the block with its prefix and writes the output. The block was just read, so
//     this second read hits the core's L2 cache: memory sees one read and one write per element.
//
// Step 3 never blocks. A predecessor that has published nothing yet (its lane is busy, or the OS
// descheduled it) is waited for during a short spin; after that the lane computes that block's
// aggregate itself from the input (`peek`, read-only) and carries on. So no lane ever waits for
// another: a nested parallel call inside the user's op, which may run another lane of this very
// scan on the same thread while an older block is half done below it on the stack, cannot
// deadlock. The price is that the input must not change while the scan runs, so an in-place
// scan (output == input) uses the classic two passes instead (see scan.hpp).
//
// Lanes are started with duet::join (detail::spread): as many as the pool has workers, and a lane
// that starts after the others emptied the counter finds nothing to do.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <utility>

#include "duet/core/config.hpp"
#include "duet/par/detail/splitter.hpp"

namespace duet::par::detail {

/// What block b has published. Written only by the lane that owns block b; read by the lanes of
/// later blocks during their look-back.
template <class S>
struct alignas(duet::detail::cache_line) block_slot {
  static constexpr std::uint8_t nothing = 0, has_aggregate = 1, has_inclusive = 2;
  std::atomic<std::uint8_t> status{nothing};
  std::optional<S> aggregate;  // set before status becomes has_aggregate, then never changed
  std::optional<S> inclusive;  // set before status becomes has_inclusive, then never changed
};

/// Runs the sweep over `nblocks` blocks. Policy:
///   lane make_lane()                            per-lane scratch (e.g. the predicate's flags)
///   S reduce(size_t b, lane&)                   aggregate of block b, first read (may fill scratch)
///   S peek(size_t b)                            aggregate of block b, recomputed, read-only
///   S combine(const S& left, const S& right)    associative
///   void finish(size_t b, const S* prefix, lane&)  output of block b; prefix == nullptr: none
/// `init`, if any, is the prefix of block 0. Returns the inclusive prefix of the last block.
template <class S, class Policy>
class chained_scan {
 public:
  chained_scan(std::size_t nblocks, Policy& policy, std::optional<S> init, control& ctl)
      : nblocks_(nblocks),
        policy_(policy),
        init_(std::move(init)),
        ctl_(ctl),
        slots_(std::make_unique<block_slot<S>[]>(nblocks)) {}

  /// From any thread; rethrows the first exception of the policy's calls.
  std::optional<S> run() {
    if (nblocks_ == 0) return init_;
    on_worker([&] {
      auto lane = [&] { run_lane(); };
      spread(std::min(nblocks_, pool_threads()), lane);
    });
    // Every lane has returned (join's latch orders their writes before this read).
    return std::move(slots_[nblocks_ - 1].inclusive);
  }

 private:
  // How long a look-back waits for a silent predecessor before recomputing its aggregate: a few
  // microseconds, about the time a lane needs to reduce one block.
  static constexpr int spin_limit = 512;

  void run_lane() {
    auto scratch = policy_.make_lane();
    while (!ctl_.failed()) {
      // relaxed: the counter only hands out block numbers, in increasing order (its modification
      // order); everything a block publishes goes through its slot's status word.
      const std::size_t b = next_.fetch_add(1, std::memory_order_relaxed);
      if (b >= nblocks_) return;
      try {
        process(b, scratch);
      } catch (...) {
        ctl_.fail();
        throw;
      }
    }
  }

  template <class Lane>
  void process(std::size_t b, Lane& scratch) {
    S aggregate = policy_.reduce(b, scratch);
    block_slot<S>& slot = slots_[b];
    std::optional<S> prefix = init_;
    if (b > 0) {
      slot.aggregate.emplace(aggregate);
      // release: publishes `aggregate`; pairs with the acquire loads in look_back().
      slot.status.store(block_slot<S>::has_aggregate, std::memory_order_release);
      prefix = look_back(b);
    }
    slot.inclusive.emplace(prefix ? policy_.combine(*prefix, aggregate) : std::move(aggregate));
    // release: publishes `inclusive`; pairs with the acquire loads in look_back().
    slot.status.store(block_slot<S>::has_inclusive, std::memory_order_release);
    policy_.finish(b, prefix ? &*prefix : nullptr, scratch);
  }

  /// The prefix of everything before block b (b > 0), combined right to left.
  std::optional<S> look_back(std::size_t b) {
    std::optional<S> acc;  // the combination of blocks j + 1 .. b - 1
    for (std::size_t j = b; j-- > 0;) {
      block_slot<S>& slot = slots_[j];
      // acquire: pairs with the release stores in process(); the field it announces is visible.
      std::uint8_t status = slot.status.load(std::memory_order_acquire);
      for (int spin = 0; status == block_slot<S>::nothing && spin < spin_limit; ++spin) {
        duet::detail::cpu_relax();
        status = slot.status.load(std::memory_order_acquire);  // acquire: as above
      }
      if (status == block_slot<S>::has_inclusive) {
        return acc ? policy_.combine(*slot.inclusive, *acc) : *slot.inclusive;
      }
      S part = status == block_slot<S>::has_aggregate ? *slot.aggregate : policy_.peek(j);
      acc = acc ? policy_.combine(part, *acc) : std::move(part);
    }
    // Reached block 0 without an inclusive prefix (we peeked it): add the initial value.
    return init_ ? policy_.combine(*init_, *acc) : acc;
  }

  std::size_t nblocks_;
  Policy& policy_;
  std::optional<S> init_;
  control& ctl_;
  std::unique_ptr<block_slot<S>[]> slots_;
  alignas(duet::detail::cache_line) std::atomic<std::size_t> next_{0};  // next block to hand out
};

/// Block length for a sweep over `n` elements of `bytes_per_element`: the user's grain, else about
/// 128 KiB of input (it stays in L2 between the two reads); at most 65,536 blocks, at most 2^30
/// elements per block, never longer than the input.
inline std::size_t block_length(std::size_t n, std::size_t bytes_per_element, const options& opt) {
  std::size_t len = opt.grain != 0 ? opt.grain : std::max<std::size_t>(256, std::size_t{131072} / bytes_per_element);
  len = std::max(len, (n + 65535) / 65536);
  return std::max<std::size_t>(1, std::min({len, n, std::size_t{1} << 30}));
}

}  // namespace duet::par::detail
