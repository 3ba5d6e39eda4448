#include "duet/sched/thread_pool.hpp"

#include <pthread.h>

#include <string>

#include "duet/sched/worker.hpp"

namespace duet {

namespace detail {

thread_local worker* tls_worker = nullptr;
namespace {
thread_local executor* tls_executor = nullptr;

// How many failed search rounds a worker spins through before parking. Short: an idle
// runtime must cost ~0% CPU, and parking/unparking costs only a few microseconds.
constexpr int spin_rounds = 64;

void worker_main(pool_state& pool, worker& w, const std::string& name) {
  trace_name_thread(name.c_str());
  tls_worker = &w;
  set_current_executor(&pool.owner());
  eventcount& ec = pool.sleepers();
  int idle = 0;
  for (;;) {
    job* j = nullptr;
    // Every 61st job, look at the global queue (only: not the other deques) first, so outside
    // work is never starved. Stealing from a peer here would start a fresh subtree while this
    // worker's own stay suspended, growing live tasks in breadth (measured: 62k live frames
    // instead of 275 for a when_all fib(29)).
    if ((++w.jobs_run % 61) == 0) j = pool.pop_global_for_fairness();
    if (j == nullptr) j = w.pop();
    if (j == nullptr) j = pool.steal_for(w);
    if (j != nullptr) {
      idle = 0;
      run_job(j);
      continue;
    }
    if (++idle < spin_rounds) {
      for (int i = 0; i < 16; ++i) cpu_relax();
      continue;
    }
    // Park: announce, re-check everything, then sleep (see eventcount.hpp).
    auto key = ec.prepare_wait();
    j = w.pop();
    if (j == nullptr) j = pool.steal_for(w);
    if (j != nullptr) {
      ec.cancel_wait();
      idle = 0;
      run_job(j);
      continue;
    }
    if (pool.stopping()) {
      ec.cancel_wait();
      break;
    }
    if (trace_enabled()) trace_record(trace_kind::park);
    ec.wait(key);
    if (trace_enabled()) trace_record(trace_kind::unpark);
    idle = spin_rounds / 2;  // a woken worker searches a little, then parks again
  }
  set_current_executor(nullptr);
  tls_worker = nullptr;
}
}  // namespace

executor* current_executor() noexcept { return tls_executor; }

namespace {
std::mutex ambient_mu;
thread_pool* ambient = nullptr;
}  // namespace

thread_pool& ambient_pool() {
  {
    std::lock_guard lock(ambient_mu);
    if (ambient != nullptr) return *ambient;
  }
  // Created on first use, never destroyed before exit: plain calls may come from static
  // destructors of user code.
  static thread_pool* fallback = new thread_pool({.name = "duet-par"});
  return *fallback;
}

void set_ambient_pool(thread_pool* p) noexcept {
  std::lock_guard lock(ambient_mu);
  ambient = p;
}

void clear_ambient_pool(thread_pool* p) noexcept {
  std::lock_guard lock(ambient_mu);
  if (ambient == p) ambient = nullptr;
}
void set_current_executor(executor* ex) noexcept { tls_executor = ex; }

job* pool_state::pop_global() noexcept {
  // relaxed: a hint to skip the lock; the mutex orders the queue itself.
  if (global_size_.load(std::memory_order_relaxed) == 0) return nullptr;
  std::lock_guard lock(global_mu_);
  job* j = global_head_;
  if (j == nullptr) return nullptr;
  global_head_ = j->next_;
  if (global_head_ == nullptr) global_tail_ = nullptr;
  j->next_ = nullptr;
  global_size_.fetch_sub(1, std::memory_order_relaxed);  // relaxed: under the mutex
  return j;
}

void pool_state::inject(job& j) noexcept {
  std::lock_guard lock(global_mu_);
  j.next_ = nullptr;
  if (global_tail_ != nullptr)
    global_tail_->next_ = &j;
  else
    global_head_ = &j;
  global_tail_ = &j;
  // relaxed: the count is a hint read outside the lock; the eventcount's fence in notify
  // orders this publication before the check for sleepers.
  global_size_.fetch_add(1, std::memory_order_relaxed);
  // Notify before unlocking: once the lock is released a worker may run the job, the job may
  // finish the last task, and its owner may destroy this pool while a poster from another
  // thread (an on() hop from another executor) would still be touching sleep_.
  sleep_.notify_one();
}

job* pool_state::steal_for(worker& w) noexcept {
  if (job* j = pop_global()) return j;
  const auto n = static_cast<std::uint32_t>(workers_.size());
  if (n <= 1) return nullptr;
  const std::uint32_t start = w.next_random() % n;
  for (std::uint32_t i = 0; i < n; ++i) {
    worker& victim = workers_[(start + i) % n];
    if (&victim == &w) continue;
    if (job* j = victim.deque.steal()) {
      if (trace_enabled()) trace_record(trace_kind::steal);
      return j;
    }
  }
  return nullptr;
}

}  // namespace detail

thread_pool::thread_pool(const pool_options& opts) {
  std::size_t n = opts.threads;
  if (n == 0) n = std::max(1u, std::thread::hardware_concurrency());
  state_ = std::make_unique<detail::pool_state>(*this, n);
  auto& ws = state_->workers();
  for (std::size_t i = 0; i < n; ++i) {
    ws[i].pool = state_.get();
    ws[i].index = static_cast<unsigned>(i);
    ws[i].rng = 0x9e3779b97f4a7c15ull * (i + 1);
  }
  state_->threads_.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    state_->threads_.emplace_back(detail::worker_main, std::ref(*state_), std::ref(ws[i]),
                                  opts.name + "-" + std::to_string(i));
    // Named here, by the creating thread, so the name is visible once the constructor returns.
    pthread_setname_np(state_->threads_.back().native_handle(),
                       (opts.name + "-" + std::to_string(i)).substr(0, 15).c_str());  // Linux: 15 chars
  }
}

thread_pool::~thread_pool() { shutdown(); }

void thread_pool::shutdown() noexcept {
  if (state_->stopping_.exchange(true, std::memory_order_relaxed)) {
    // Another caller is shutting down; join() below is not re-entrant, so only the first waits.
    return;
  }
  state_->sleep_.notify_all();
  for (auto& t : state_->threads_)
    if (t.joinable()) t.join();
  // Anything injected by outside threads after the workers left runs here, on the caller.
  while (detail::job* j = state_->pop_global()) j->run();
  detail::clear_ambient_pool(this);
}

void thread_pool::post(detail::job& j) noexcept {
  detail::worker* w = detail::tls_worker;
  if (w != nullptr && w->pool == state_.get())
    w->push(&j);
  else
    state_->inject(j);
}

void thread_pool::post_fifo(detail::job& j) noexcept { state_->inject(j); }

bool thread_pool::stopping() const noexcept { return state_->stopping(); }

std::size_t thread_pool::size() const noexcept { return state_->workers().size(); }

}  // namespace duet
