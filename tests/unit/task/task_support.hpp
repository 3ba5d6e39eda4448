// Helpers for the task-layer tests.
#pragma once

#include <atomic>
#include <functional>

#include "duet/core/job.hpp"
#include "duet/core/latch.hpp"
#include "duet/sched/executor.hpp"

namespace duet_test {

/// A job that runs a std::function (tests only).
struct fn_job : duet::detail::job {
  std::function<void()> fn;
  explicit fn_job(std::function<void()> f) : fn(std::move(f)) {
    run_ = [](duet::detail::job* self) noexcept { static_cast<fn_job*>(self)->fn(); };
  }
};

/// Occupies one worker of an executor until open() (or destruction): lets a test queue work
/// that is guaranteed not to have started yet.
class blocker {
 public:
  explicit blocker(duet::executor& ex)
      : job_([this] {
          running_.set();
          gate_.wait();
          finished_.set();  // the last touch of this object by the worker
        }) {
    ex.post(job_);
    running_.wait();
  }
  /// Opens the gate and waits until the worker has let go of this object.
  ~blocker() {
    open();
    finished_.wait();
  }
  blocker(const blocker&) = delete;
  blocker& operator=(const blocker&) = delete;
  void open() {
    if (!gate_.is_set()) gate_.set();
  }

 private:
  duet::detail::latch_flag gate_, running_, finished_;
  fn_job job_;
};

/// Counts its destructions: a coroutine parameter of this type tells whether a frame was freed.
struct destroy_counter {
  std::atomic<int>* count;
  explicit destroy_counter(std::atomic<int>& c) : count(&c) {}
  destroy_counter(destroy_counter&& o) noexcept : count(std::exchange(o.count, nullptr)) {}
  destroy_counter(const destroy_counter&) = delete;
  ~destroy_counter() {
    if (count != nullptr) count->fetch_add(1);
  }
};

}  // namespace duet_test
