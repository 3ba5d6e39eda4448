#include "duet/io/io_loop.hpp"

#include <pthread.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <system_error>

#include "duet/core/trace_ring.hpp"
#include "duet/io/timer.hpp"
#include "loop_state.hpp"

namespace duet::io::detail {

// The loop whose thread this is: ambient_loop() answers every sleep_for() on a loop thread from
// it (a dynamic_cast of the current executor cost ~2% of the million-sleepers benchmark).
thread_local io_loop* this_thread_loop = nullptr;

loop_state::loop_state(io_loop& o, const char* backend_name) : owner(o), kernel(make_backend(backend_name)) {}

void loop_state::track(fd_op& op) noexcept {
  op.armed_prev = nullptr;
  op.armed_next = armed_fds;
  if (armed_fds != nullptr) armed_fds->armed_prev = &op;
  armed_fds = &op;
}

void loop_state::untrack(fd_op& op) noexcept {
  if (op.armed_prev == nullptr && armed_fds != &op) return;  // not linked
  if (op.armed_prev != nullptr)
    op.armed_prev->armed_next = op.armed_next;
  else
    armed_fds = op.armed_next;
  if (op.armed_next != nullptr) op.armed_next->armed_prev = op.armed_prev;
  op.armed_prev = op.armed_next = nullptr;
}

void loop_state::run() {
  // release: pairs with the acquire in io_loop's constructor, which waits for it.
  thread_id.store(std::this_thread::get_id(), std::memory_order_release);
  duet::detail::set_current_executor(&owner);
  this_thread_loop = &owner;
  for (;;) {
    // 1. Take what other threads posted. seq_cst: see post() for the pairing argument.
    wake_pending.store(false, std::memory_order_seq_cst);
    {
      std::lock_guard lock(remote_mu);
      while (duet::detail::job* j = remote.pop()) local.push(*j);
    }
    // 2. Run ready tasks, a bounded batch so that I/O is polled between batches.
    for (int n = 0; n < 1024; ++n) {
      duet::detail::job* j = local.pop();
      if (j == nullptr) break;
      if (duet::detail::trace_enabled()) {
        duet::detail::trace_record(duet::detail::trace_kind::task_begin, "io");
        j->run();
        duet::detail::trace_record(duet::detail::trace_kind::task_end, "io");
      } else {
        j->run();
      }
    }
    // 3. Shutdown: cancel every armed wait (timers through the wheel, parked descriptor ops
    // through their list); leave once nothing is queued and no wait is still in custody (a
    // poke's cancel job may be on its way).
    if (stopping.load(std::memory_order_relaxed)) {  // relaxed: polled every iteration
      wheel.clear([](timer_node* n) noexcept { static_cast<timer_wait*>(n)->cancel_armed(); });
      while (fd_op* op = armed_fds) {
        untrack(*op);
        op->cancel_armed();
      }
      if (local.empty() && custody == 0) {
        std::lock_guard lock(remote_mu);
        if (remote.empty()) {
          // relaxed: read by post() under remote_mu, which orders it.
          exited.store(true, std::memory_order_relaxed);
          break;
        }
        continue;
      }
    }
    // 4. Wait for the kernel: not at all if tasks are ready, else until the next timer.
    int timeout = -1;
    if (!local.empty())
      timeout = 0;
    else if (auto next = wheel.next_expiration()) {
      const std::uint64_t now = now_ms();
      timeout = *next <= now ? 0 : static_cast<int>(std::min<std::uint64_t>(*next - now, 60'000));
    }
    if (timeout != 0 && duet::detail::trace_enabled()) duet::detail::trace_record(duet::detail::trace_kind::park);
    ready.clear();
    kernel->wait(timeout, ready);
    if (timeout != 0 && duet::detail::trace_enabled()) duet::detail::trace_record(duet::detail::trace_kind::unpark);
    for (const readiness& r : ready) {
      fd_entry* e = r.entry;
      if (r.readable) {
        if (fd_op* op = e->reader) {
          e->reader = nullptr;
          op->on_ready();
        } else {
          e->missed_read = true;  // see arm_fd
        }
      }
      if (r.writable) {
        if (fd_op* op = e->writer) {
          e->writer = nullptr;
          op->on_ready();
        }
      }
    }
    // 5. Fire due timers (their tasks are queued, not run, inside advance()).
    wheel.advance(now_ms());
  }
  this_thread_loop = nullptr;
  duet::detail::set_current_executor(nullptr);
}

namespace {
std::mutex ambient_mu;
io_loop* ambient = nullptr;
}  // namespace

void set_ambient_loop(io_loop* l) noexcept {
  std::lock_guard lock(ambient_mu);
  ambient = l;
}
void clear_ambient_loop(io_loop* l) noexcept {
  std::lock_guard lock(ambient_mu);
  if (ambient == l) ambient = nullptr;
}

io_loop* registered_ambient() noexcept {
  std::lock_guard lock(ambient_mu);
  return ambient;
}

}  // namespace duet::io::detail

namespace duet {

io_loop& ambient_loop() {
  if (io::detail::this_thread_loop != nullptr) return *io::detail::this_thread_loop;
  if (io_loop* l = io::detail::registered_ambient()) return *l;
  static io_loop* fallback = new io_loop({.name = "duet-io"});  // lives until exit
  return *fallback;
}

io_loop::io_loop(const loop_options& opts)
    : state_(std::make_unique<io::detail::loop_state>(*this, opts.backend.empty() ? nullptr : opts.backend.c_str())) {
  // A write to a closed pipe or socket must be an EPIPE error, not the death of the process
  // (sockets also use MSG_NOSIGNAL). Done once, as Rust's and Go's runtimes do at start-up.
  static const bool sigpipe_ignored = [] { return std::signal(SIGPIPE, SIG_IGN) != SIG_ERR; }();
  (void)sigpipe_ignored;
  std::string name = opts.name;
  state_->thread = std::thread([this, name] {
    pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
    duet::detail::trace_name_thread(name.c_str());
    state_->run();
  });
  // Publish the thread id before anyone asks on_loop_thread(): wait for run() to set it.
  // acquire: pairs with the release store at the top of run().
  while (state_->thread_id.load(std::memory_order_acquire) == std::thread::id{}) std::this_thread::yield();
}

io_loop::~io_loop() { shutdown(); }

void io_loop::shutdown() noexcept {
  if (!state_->thread.joinable()) return;
  if (on_loop_thread()) std::terminate();                   // a loop cannot join itself
  state_->stopping.store(true, std::memory_order_relaxed);  // relaxed: the post below wakes it
  if (!state_->wake_pending.exchange(true, std::memory_order_seq_cst)) state_->kernel->wake();
  state_->thread.join();
  io::detail::clear_ambient_loop(this);
}

void io_loop::post(duet::detail::job& j) noexcept {
  io::detail::loop_state& st = *state_;
  if (on_loop_thread()) {
    st.local.push(j);
    return;
  }
  {
    std::lock_guard lock(st.remote_mu);
    // relaxed: written under remote_mu by the exiting loop.
    if (!st.exited.load(std::memory_order_relaxed)) {
      st.remote.push(j);
      // seq_cst exchange: if it reads true, the loop has not yet reset the flag, and its reset
      // happens before it takes remote_mu to drain, so it will see our job; if it reads false,
      // we wake the backend. Done under the lock: once it is released the loop may exit and
      // its owner destroy it, so the wake must not come after.
      if (!st.wake_pending.exchange(true, std::memory_order_seq_cst)) st.kernel->wake();
      return;
    }
  }
  j.run();  // the loop is gone: run here (the task sees cancellation at its next wait)
}

const char* io_loop::backend_name() const noexcept { return state_->kernel->name(); }

bool io_loop::stopping() const noexcept { return state_->stopping.load(std::memory_order_relaxed); }

bool io_loop::on_loop_thread() const noexcept {
  // relaxed: set once before the constructor returned (which synchronised with it).
  return std::this_thread::get_id() == state_->thread_id.load(std::memory_order_relaxed);
}

}  // namespace duet
