#include <pthread.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "duet/io/blocking.hpp"
#include "duet/io/detail/wait_op.hpp"

namespace duet {

namespace io::detail {

// Shared with the threads, which may outlive the pool object by a moment while they exit.
class blocking_state {
 public:
  explicit blocking_state(const blocking_options& o) : opts(o) {}

  void post(duet::detail::job& j, const std::shared_ptr<blocking_state>& self) {
    std::unique_lock lock(mu);
    j.next_ = nullptr;
    if (tail != nullptr)
      tail->next_ = &j;
    else
      head = &j;
    tail = &j;
    ++queued;
    // Enough threads are on their way to this job if the queue is not longer than the idle
    // threads (each woken one takes a job) plus the threads still starting. Counting only
    // "is any thread idle" lost parallelism: eight calls posted before one idle thread woke
    // all notified that thread, and it ran them one after another.
    if (queued <= idle + starting) {
      cv.notify_one();
      return;
    }
    if (threads < opts.max_threads) {
      ++threads;
      ++starting;
      std::thread(&blocking_state::worker, this, self).detach();
      return;
    }
    if (idle > 0) cv.notify_one();
    // else: every thread is busy and the cap is reached; the job waits in the queue.
  }

  void worker(std::shared_ptr<blocking_state> keep) {
    pthread_setname_np(pthread_self(), "duet-blocking");
    std::unique_lock lock(mu);
    --starting;
    for (;;) {
      if (head != nullptr) {
        duet::detail::job* j = head;
        head = j->next_;
        if (head == nullptr) tail = nullptr;
        --queued;
        lock.unlock();
        j->run();
        lock.lock();
        continue;
      }
      if (stopping) break;
      ++idle;
      const bool woke = cv.wait_for(lock, opts.idle_timeout, [&] { return head != nullptr || stopping; });
      --idle;
      if (!woke) break;  // idle too long
    }
    --threads;
    if (threads == 0) all_exited.notify_all();
    lock.unlock();
    keep.reset();
  }

  blocking_options opts;
  std::mutex mu;
  std::condition_variable cv;
  std::condition_variable all_exited;
  duet::detail::job* head = nullptr;
  duet::detail::job* tail = nullptr;
  std::size_t threads = 0;
  std::size_t idle = 0;      // waiting on cv
  std::size_t starting = 0;  // created, not yet running worker()
  std::size_t queued = 0;    // jobs in head..tail
  bool stopping = false;
};

}  // namespace io::detail

blocking_pool::blocking_pool(const blocking_options& opts)
    : state_(std::make_shared<io::detail::blocking_state>(opts)) {}

blocking_pool::~blocking_pool() {
  std::unique_lock lock(state_->mu);
  state_->stopping = true;
  state_->cv.notify_all();
  state_->all_exited.wait(lock, [&] { return state_->threads == 0; });
}

void blocking_pool::post(detail::job& j) noexcept { state_->post(j, state_); }

std::size_t blocking_pool::thread_count() const noexcept {
  std::lock_guard lock(state_->mu);
  return state_->threads;
}

blocking_pool& ambient_blocking_pool() {
  static blocking_pool* pool = new blocking_pool();  // lives until exit: calls may run during teardown
  return *pool;
}

}  // namespace duet
