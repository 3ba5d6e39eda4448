// Internal: a worker of the CPU pool and the pool's shared state, defined in a header so that
// the hot paths of fork-join (push, pop, run) inline into user code.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "duet/core/chase_lev_deque.hpp"
#include "duet/core/config.hpp"
#include "duet/core/eventcount.hpp"
#include "duet/core/job.hpp"
#include "duet/core/trace_ring.hpp"

namespace duet {
class thread_pool;
}

namespace duet::detail {

class pool_state;

struct alignas(cache_line) worker {
  pool_state* pool = nullptr;
  unsigned index = 0;
  std::uint64_t rng = 0;       // xorshift state for victim selection
  std::uint32_t jobs_run = 0;  // counts jobs, to check the global queue now and then
  chase_lev_deque<job*> deque;

  /// Pushes to this worker's deque and wakes a parked worker if there is one.
  inline void push(job* j);
  /// Pops this worker's most recent job, or nullptr.
  job* pop() noexcept { return deque.pop(); }

  std::uint32_t next_random() noexcept {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return static_cast<std::uint32_t>(rng);
  }
};

/// The calling thread's worker (of whichever pool), or nullptr outside every pool.
extern thread_local worker* tls_worker;

class pool_state {
 public:
  pool_state(thread_pool& owner, std::size_t n) : owner_(owner), workers_(n) {}

  /// Finds work for `w` outside its own deque: the global queue, then the other deques.
  job* steal_for(worker& w) noexcept;
  /// The fairness check's look at the global queue only.
  job* pop_global_for_fairness() noexcept { return pop_global(); }
  /// Pushes to the global FIFO and wakes a worker.
  void inject(job& j) noexcept;

  eventcount& sleepers() noexcept { return sleep_; }
  [[nodiscard]] bool stopping() const noexcept {
    // relaxed: a flag polled by loops; the drain guarantee does not depend on when it is seen.
    return stopping_.load(std::memory_order_relaxed);
  }
  thread_pool& owner() noexcept { return owner_; }
  std::vector<worker>& workers() noexcept { return workers_; }

 private:
  friend class duet::thread_pool;
  job* pop_global() noexcept;

  thread_pool& owner_;
  std::vector<worker> workers_;
  eventcount sleep_;
  std::atomic<bool> stopping_{false};

  // The global queue: an intrusive FIFO under a mutex (submissions from outside are not the
  // hot path), plus a counter so that empty checks take no lock.
  std::mutex global_mu_;
  job* global_head_ = nullptr;
  job* global_tail_ = nullptr;
  alignas(cache_line) std::atomic<std::size_t> global_size_{0};

  std::vector<std::thread> threads_;
};

inline void worker::push(job* j) {
  deque.push(j);
  // The fence-free check is safe: see "Scheduling rules" in thread_pool.hpp.
  if (pool->sleepers().has_waiters()) pool->sleepers().notify_one();
}

/// Runs one job on the calling worker, recording begin/end when tracing is on.
inline void run_job(job* j) noexcept {
  if (trace_enabled()) [[unlikely]] {
    trace_record(trace_kind::task_begin);
    j->run();
    trace_record(trace_kind::task_end);
    return;
  }
  j->run();
}

}  // namespace duet::detail
