// Internal: how every duet::par algorithm cuts an index range [0, n) into parallel work.
//
// Lazy binary splitting (Tzannes, Caragea, Barua & Vishkin, "Lazy Binary-Splitting: A Run-Time
// Adaptive Work-Stealing Scheduler", PPoPP 2010). A piece [lo, hi) runs `grain` elements at a
// time. Between two chunks it looks at its worker's own deque: an empty deque means that every
// piece this worker offered has been stolen, so some worker is hungry, and the piece splits what
// is left in two with duet::join (it keeps the left half and offers the right one). A non-empty
// deque means nobody is hungry and the piece carries on without any scheduling cost. So a call
// splits about log2(n / grain) times per worker when the pool is busy elsewhere, and splits on
// demand, at chunk granularity, when workers run out of work — unlike a static split, a worker
// slowed by another process (this machine is shared) simply ends up with fewer chunks.
//
// Only the core's public `duet::join` forks work (Rayon's design: its iterators use nothing but
// `join`); `detail::tls_worker` is read to find the calling worker's deque and pool size.
// Nested calls (a par::for_each inside a par::transform) are joins on the same pool: an inner
// loop splits only when its worker's deque is empty, so it never oversubscribes the threads.
//
// Between chunks every piece also reads the call's `control`: a piece stops when user code threw
// somewhere (the exception travels back through join and is rethrown to the caller) or when an
// early-exit algorithm (find_if, any_of...) already knows the answer lies before the piece.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <limits>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

#include "duet/core/config.hpp"
#include "duet/par/options.hpp"
#include "duet/sched/join.hpp"
#include "duet/sched/thread_pool.hpp"
#include "duet/sched/worker.hpp"

namespace duet::par::detail {

/// Number of workers the calling thread's algorithms run on: its own pool's, else the ambient
/// pool's (where join sends work from a thread outside every pool).
inline std::size_t pool_threads() {
  duet::detail::worker* w = duet::detail::tls_worker;
  return w != nullptr ? w->pool->workers().size() : duet::detail::ambient_pool().size();
}

/// Runs `f()` on a worker and returns its result: inline on a worker of any pool, else as a join
/// that duet::join moves onto the ambient pool (the calling thread blocks until it is done).
template <class F>
std::invoke_result_t<F&> on_worker(F&& f) {
  if (duet::detail::tls_worker != nullptr) return f();
  if constexpr (std::is_void_v<std::invoke_result_t<F&>>) {
    duet::join(f, [] {});
  } else {
    return std::move(duet::join(f, [] {}).first);
  }
}

/// Why the pieces of one call stop early; shared by all of them, on the caller's stack.
class alignas(duet::detail::cache_line) control {
 public:
  /// True once a piece that starts at index `lo` has nothing left to contribute.
  [[nodiscard]] bool stopped(std::size_t lo) const noexcept {
    // relaxed (both): hints that only cut work short. Results and exceptions reach the caller
    // through join, whose completion latch orders them; a flag seen late costs a chunk or two.
    return failed_.load(std::memory_order_relaxed) || lo >= limit_.load(std::memory_order_relaxed);
  }
  /// True once user code threw in some piece.
  [[nodiscard]] bool failed() const noexcept {
    return failed_.load(std::memory_order_relaxed);  // relaxed: a hint, as in stopped()
  }
  /// User code threw: every piece stops at its next chunk boundary.
  void fail() noexcept {
    failed_.store(true, std::memory_order_relaxed);  // relaxed: a hint, as in stopped()
  }
  /// Early exit: the answer lies before index `i`, so pieces starting at or after `i` stop.
  void limit_to(std::size_t i) noexcept {
    // relaxed: a monotone minimum used as a hint, as in stopped(); the CAS loop only keeps the
    // smallest value when several pieces find a match at once.
    std::size_t cur = limit_.load(std::memory_order_relaxed);
    while (i < cur && !limit_.compare_exchange_weak(cur, i, std::memory_order_relaxed)) {
    }
  }

 private:
  std::atomic<bool> failed_{false};                                          // set by a throwing piece
  std::atomic<std::size_t> limit_{std::numeric_limits<std::size_t>::max()};  // lowered by finds
};

/// Elements per chunk: the user's grain, else enough chunks to balance `threads` workers finely
/// (eight per worker) but at most 2,048 elements, which keeps the per-chunk check (two relaxed
/// loads) far below 1% of even a one-instruction body.
inline std::size_t chunk_size(std::size_t n, const options& opt, std::size_t threads) {
  if (opt.grain != 0) return opt.grain;
  return std::clamp<std::size_t>(n / (8 * threads), 1, 2048);
}

/// The lazy-binary-splitting loop over [lo, hi). `leaf(lo, hi) -> R` handles one non-empty chunk;
/// `combine(R, R) -> R` merges the results of two adjacent ranges, left first. run() returns
/// nothing when the range was empty or stopped before its first chunk. Call it on a worker.
template <class R, class Leaf, class Combine>
class lbs_loop {
 public:
  lbs_loop(Leaf& leaf, Combine& combine, control& ctl, std::size_t chunk, bool may_split) noexcept
      : leaf_(leaf), combine_(combine), ctl_(ctl), chunk_(chunk), may_split_(may_split) {}

  std::optional<R> run(std::size_t lo, std::size_t hi) {
    std::optional<R> acc;
    while (lo < hi && !ctl_.stopped(lo)) {
      const std::size_t len = hi - lo;
      if (may_split_ && len >= 2 * chunk_ && duet::detail::tls_worker->deque.empty_hint()) {
        const std::size_t mid = lo + len / 2;
        auto [left, right] = duet::join([&] { return run(lo, mid); }, [&] { return run(mid, hi); });
        return merge(merge(std::move(acc), std::move(left)), std::move(right));
      }
      const std::size_t end = lo + std::min(chunk_, len);
      try {
        R part = leaf_(lo, end);
        acc = acc ? combine_(std::move(*acc), std::move(part)) : std::move(part);
      } catch (...) {
        ctl_.fail();
        throw;
      }
      lo = end;
    }
    return acc;
  }

 private:
  std::optional<R> merge(std::optional<R> a, std::optional<R> b) {
    if (!a) return b;
    if (!b) return a;
    try {
      return combine_(std::move(*a), std::move(*b));
    } catch (...) {
      ctl_.fail();
      throw;
    }
  }

  Leaf& leaf_;
  Combine& combine_;
  control& ctl_;
  std::size_t chunk_;
  bool may_split_;
};

/// Reduces [0, n) in parallel pieces: `leaf(lo, hi) -> R` per chunk, `combine(R, R) -> R` left to
/// right. Returns nothing for n == 0 or when every piece stopped early. From any thread.
template <class Leaf, class Combine>
auto reduce_pieces(std::size_t n, const options& opt, control& ctl, Leaf&& leaf, Combine&& combine)
    -> std::optional<std::invoke_result_t<Leaf&, std::size_t, std::size_t>> {
  using R = std::invoke_result_t<Leaf&, std::size_t, std::size_t>;
  if (n == 0) return std::nullopt;
  return on_worker([&] {
    const std::size_t threads = pool_threads();
    lbs_loop<R, std::remove_reference_t<Leaf>, std::remove_reference_t<Combine>> loop(
        leaf, combine, ctl, chunk_size(n, opt, threads), threads > 1);
    return loop.run(0, n);
  });
}

/// Calls `body(lo, hi)` on parallel chunks covering [0, n). From any thread.
template <class Body>
void for_pieces(std::size_t n, const options& opt, control& ctl, Body&& body) {
  auto leaf = [&](std::size_t lo, std::size_t hi) {
    body(lo, hi);
    return std::monostate{};
  };
  reduce_pieces(n, opt, ctl, leaf, [](std::monostate, std::monostate) { return std::monostate{}; });
}

/// Runs `body()` `lanes` times, as a balanced tree of joins: in parallel when workers are free,
/// one after the other on this worker when they are not. For self-scheduling loops (a shared
/// counter hands out blocks), where a lane that starts late simply finds no block left.
template <class Body>
void spread(std::size_t lanes, Body& body) {
  if (lanes <= 1) {
    body();
    return;
  }
  const std::size_t half = lanes / 2;
  duet::join([&] { spread(half, body); }, [&] { spread(lanes - half, body); });
}

}  // namespace duet::par::detail
