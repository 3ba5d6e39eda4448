// Private to src/io: the io loop's tables. Touched by the loop thread only, except the remote
// queue (mutex) and the wake flag (atomic).
#pragma once

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "backend.hpp"
#include "duet/core/job.hpp"
#include "duet/io/detail/fd_entry.hpp"
#include "duet/io/detail/timer_wheel.hpp"
#include "duet/io/detail/wait_op.hpp"
#include "duet/io/io_loop.hpp"

namespace duet::io::detail {

// An intrusive FIFO of jobs (job::next_).
struct job_fifo {
  duet::detail::job* head = nullptr;
  duet::detail::job* tail = nullptr;
  void push(duet::detail::job& j) noexcept {
    j.next_ = nullptr;
    if (tail != nullptr)
      tail->next_ = &j;
    else
      head = &j;
    tail = &j;
  }
  duet::detail::job* pop() noexcept {
    duet::detail::job* j = head;
    if (j != nullptr) {
      head = j->next_;
      if (head == nullptr) tail = nullptr;
      j->next_ = nullptr;
    }
    return j;
  }
  [[nodiscard]] bool empty() const noexcept { return head == nullptr; }
};

// The operation-specific halves of a wait_op (loop thread only), chosen by its kind.
void arm_timer(wait_op& op) noexcept;     // timer.cpp: insert into the wheel
void disarm_timer(wait_op& op) noexcept;  // timer.cpp: remove from the wheel
void arm_fd(wait_op& op) noexcept;        // fd_op.cpp: try the syscall again, else park
void disarm_fd(wait_op& op) noexcept;     // fd_op.cpp: leave the descriptor's waiter slot

class loop_state {
 public:
  loop_state(io_loop& owner, const char* backend_name);
  static void fire_timer(timer_node* n) noexcept;  // timer.cpp: the wheel's callback

  /// Milliseconds since the loop started: the timer wheel's clock.
  [[nodiscard]] std::uint64_t now_ms() const noexcept {
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - origin).count());
  }
  [[nodiscard]] std::uint64_t to_ticks(std::chrono::steady_clock::time_point t) const noexcept {
    if (t <= origin) return 0;
    // Round up: a timer never fires before its deadline.
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(t - origin).count();
    return static_cast<std::uint64_t>((us + 999) / 1000);
  }

  void track(fd_op& op) noexcept;    // add to the list of armed descriptor ops
  void untrack(fd_op& op) noexcept;  // remove from it (if linked)
  void run_local(duet::detail::job& j) noexcept { local.push(j); }
  void register_fd(fd_entry& e);  // throws std::system_error
  void run();                     // the loop thread's body

  io_loop& owner;
  std::chrono::steady_clock::time_point origin = std::chrono::steady_clock::now();
  std::unique_ptr<backend> kernel;  // epoll or io_uring
  std::vector<readiness> ready;     // reused by every wait (loop thread only)
  timer_wheel wheel{&fire_timer, 0};
  job_fifo local;              // loop thread only
  fd_op* armed_fds = nullptr;  // loop thread only: descriptor ops parked, for shutdown
  std::size_t custody = 0;     // loop thread only: wait_ops armed and not yet resolved
  std::mutex remote_mu;
  job_fifo remote;  // under remote_mu
  std::atomic<bool> wake_pending{false};
  std::atomic<bool> stopping{false};
  std::atomic<bool> exited{false};  // the thread has left run(): post() runs jobs inline
  std::thread thread;
  std::atomic<std::thread::id> thread_id{};
};

}  // namespace duet::io::detail
