#include "duet/sched/join.hpp"

namespace duet::detail {

void help_until(worker& w, latch_flag& done) noexcept {
  int idle = 0;
  while (!done.is_set()) {
    job* j = w.pop();
    if (j == nullptr) j = w.pool->steal_for(w);
    if (j != nullptr) {
      idle = 0;
      run_job(j);
      continue;
    }
    if (++idle < 256) {
      cpu_relax();
      continue;
    }
    // Nothing to help with: park on the pool's eventcount, so that both new work (a push
    // notifies) and the end of our job (join_job::execute notifies) wake us. Our deque is
    // empty, so nothing is stranded while we sleep.
    eventcount& ec = w.pool->sleepers();
    auto key = ec.prepare_wait();
    j = done.is_set() ? nullptr : w.pool->steal_for(w);
    if (done.is_set() || j != nullptr) {
      ec.cancel_wait();
      if (j != nullptr) run_job(j);
      continue;
    }
    if (trace_enabled()) trace_record(trace_kind::park);
    ec.wait(key);
    if (trace_enabled()) trace_record(trace_kind::unpark);
    idle = 128;
  }
}

void run_on_pool_and_wait(thread_pool& pool, job& j, latch_flag& done) noexcept {
  pool.post(j);
  done.wait();
}

}  // namespace duet::detail
