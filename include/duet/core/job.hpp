// The unit the schedulers move around: an intrusive, type-erased "run me" record.
//
// A job never allocates: a spawned coroutine embeds one in its promise, an awaiter that hops
// executors embeds one in the coroutine frame, and `join` keeps its stolen half on the stack.
#pragma once

#include <coroutine>

namespace duet::detail {

struct job {
  using run_fn = void (*)(job*) noexcept;

  run_fn run_ = nullptr;
  job* next_ = nullptr;  // link for intrusive FIFO queues (the pool's global queue)

  void run() noexcept { run_(this); }
};

/// A job that resumes a suspended coroutine: what `on()` and `yield()` post.
struct resume_job : job {
  std::coroutine_handle<> handle;

  resume_job() noexcept {
    run_ = [](job* self) noexcept { static_cast<resume_job*>(self)->handle.resume(); };
  }
};

}  // namespace duet::detail
