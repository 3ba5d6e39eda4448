#include "duet/io/detail/wait_op.hpp"

#include "loop_state.hpp"

namespace duet::io::detail {

namespace {

// The operation-specific halves (timer.cpp, fd_op.cpp), chosen by kind: cheaper in every
// sleeping frame than two function pointers per op.
void arm(wait_op& op) noexcept {
  switch (op.kind) {
    case wait_kind::timer:
      arm_timer(op);
      break;
    case wait_kind::fd:
      arm_fd(op);
      break;
    case wait_kind::file:
      op.loop->state().kernel->submit_file(static_cast<file_op&>(op));
      break;
  }
}
// A file op is never disarmed: it is not cancellable once submitted (the kernel writes into
// the caller's buffer until it completes), and the loop's shutdown waits for it (custody).
void disarm(wait_op& op) noexcept {
  if (op.kind == wait_kind::timer)
    disarm_timer(op);
  else if (op.kind == wait_kind::fd)
    disarm_fd(op);
}

// Runs on the loop: arms an op that begin() queued from another thread.
void start_job(duet::detail::job* j) noexcept {
  auto* op = static_cast<wait_op*>(j);
  loop_state& st = op->loop->state();
  std::uint8_t e = wait_op::queued;
  // relaxed (stopping): a flag polled by the loop. acq_rel (CAS): pairs with a poke's CAS.
  if (st.stopping.load(std::memory_order_relaxed) ||
      !op->state.compare_exchange_strong(e, wait_op::armed, std::memory_order_acq_rel)) {
    // Shutting down, or a poke cancelled it while queued (it left the job to us).
    e = wait_op::queued;
    op->state.compare_exchange_strong(e, wait_op::cancelled, std::memory_order_acq_rel);
    op->resume_home();
    return;
  }
  ++st.custody;
  arm(*op);
}

// Runs on the loop: a poke won armed -> cancelled.
void cancel_job(duet::detail::job* j) noexcept {
  auto* op = static_cast<wait_op*>(j);
  disarm(*op);
  --op->loop->state().custody;
  op->resume_home();
}

// Called by the group's cancel_registry, under its lock, on the thread requesting stop.
void poke(duet::detail::cancel_hook* h) noexcept {
  auto* op = static_cast<wait_op*>(h);
  std::uint8_t e = op->state.load(std::memory_order_relaxed);  // relaxed: only a guess for the CAS
  for (;;) {
    if (e == wait_op::done || e == wait_op::cancelled) return;
    // acq_rel: pairs with begin()'s, the start job's and complete()'s CASes: one transition wins.
    if (op->state.compare_exchange_weak(e, wait_op::cancelled, std::memory_order_acq_rel)) break;
  }
  if (e != wait_op::armed) return;  // idle: begin() sees it; queued: the start job does
  op->run_ = &cancel_job;
  op->loop->post(*op);  // the loop is alive: it holds the op in custody
}

}  // namespace

bool wait_op::begin(io_loop& l, std::coroutine_handle<> h, duet::detail::stop_slot* slot) noexcept {
  loop = &l;
  coro = h;
  home = duet::detail::current_executor();
  if (home == nullptr) home = &l;
  reg = nullptr;
  // relaxed: nothing is shared yet; the registration (a mutex) or the post publishes the op.
  state.store(idle, std::memory_order_relaxed);
  if (slot != nullptr) {
    if (slot->stop_requested()) {
      state.store(cancelled, std::memory_order_relaxed);  // relaxed: read by this thread only
      return false;
    }
    reg = slot->registry(&poke);
    if (reg != nullptr && !reg->add(*this)) {
      reg = nullptr;
      state.store(cancelled, std::memory_order_relaxed);  // relaxed: as above
      return false;
    }
  }
  std::uint8_t e = idle;
  if (l.on_loop_thread()) {
    // On the loop already: arm now, no start job. A stopping loop cancels new waits at once.
    loop_state& st = l.state();
    if (st.stopping.load(std::memory_order_relaxed)) {  // relaxed: the loop's own flag
      state.compare_exchange_strong(e, cancelled, std::memory_order_acq_rel);
      return false;
    }
    // acq_rel: on failure, acquire pairs with a poke's CAS (it cancelled us while idle).
    if (!state.compare_exchange_strong(e, armed, std::memory_order_acq_rel)) return false;
    ++st.custody;
    arm(*this);
    return true;
  }
  run_ = &start_job;
  // acq_rel: release orders our setup before the poker's and the loop's view; on failure,
  // acquire pairs with a poke's CAS (cancelled while idle: do not suspend).
  if (!state.compare_exchange_strong(e, queued, std::memory_order_acq_rel)) return false;
  l.post(*this);
  return true;
}

void wait_op::complete() noexcept {
  std::uint8_t expected = armed;
  // acq_rel: release publishes the operation's results to the resumed task (pairs with the
  // acquire in finish()); acquire pairs with a competing poke.
  if (!state.compare_exchange_strong(expected, done, std::memory_order_acq_rel)) return;  // cancel job owns it
  loop_state& st = loop->state();
  if (kind == wait_kind::fd) st.untrack(static_cast<fd_op&>(*this));
  --st.custody;
  resume_home();
}

void wait_op::cancel_armed() noexcept {
  std::uint8_t expected = armed;
  // acq_rel: as in complete(); on failure a poke owns the op and its cancel job is queued.
  if (!state.compare_exchange_strong(expected, cancelled, std::memory_order_acq_rel)) return;
  disarm(*this);
  --loop->state().custody;
  resume_home();
}

void wait_op::resume_home() noexcept {
  run_ = [](duet::detail::job* j) noexcept { static_cast<wait_op*>(j)->coro.resume(); };
  if (home == loop && loop->on_loop_thread())
    loop->state().run_local(*this);
  else
    home->post(*this);
}

}  // namespace duet::io::detail
