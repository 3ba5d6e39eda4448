#include "duet/io/detail/wait_op.hpp"

#include <new>

#include "loop_state.hpp"

namespace duet::io::detail {

namespace {

using duet::detail::cancel_hook;
using duet::detail::cancel_registry;
using duet::detail::job;

// The operation-specific halves (timer.cpp, fd_op.cpp), chosen by kind: cheaper in every
// sleeping frame than two function pointers per op.
void arm(wait_op& op) noexcept {
  switch (op.kind()) {
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
  if (op.kind() == wait_kind::timer)
    disarm_timer(op);
  else if (op.kind() == wait_kind::fd)
    disarm_fd(op);
}

std::uint8_t state_of(std::uintptr_t word) noexcept { return static_cast<std::uint8_t>(word & wait_op::state_mask); }

// Moves the op from `from` to `to`; false if it was not in `from` (another thread moved it).
// acq_rel: every transition pairs with the others (begin()'s, the start job's, complete()'s,
// cancel_armed()'s and a poke's): one wins, and the winner sees what the op's earlier owners
// wrote (the release part publishes to the next one; the acquire on failure sees the winner's).
bool move(wait_op& op, std::uint8_t from, std::uint8_t to) noexcept {
  // relaxed: only the home bits are taken from this load, and they do not change while the op
  // is shared.
  std::uintptr_t e = (op.home_state.load(std::memory_order_relaxed) & ~wait_op::state_mask) | from;
  return op.home_state.compare_exchange_strong(e, (e & ~wait_op::state_mask) | to, std::memory_order_acq_rel);
}

// The op's job, alive anew, set to run `fn`: the hook is not in use (see wait_op.hpp).
job& use_job(wait_op& op, job::run_fn fn) noexcept {
  job* j = ::new (static_cast<void*>(&op.job)) job();
  j->run_ = fn;
  return *j;
}

// Loop thread: registers the op with its registry (if any); false if stop was already requested.
bool enlist(wait_op& op) noexcept {
  cancel_registry* reg = op.registry();
  if (reg == nullptr) return true;
  return reg->add(*::new (static_cast<void*>(&op.hook)) cancel_hook());
}

// The thread that resolved the op: takes it out of its registry before the job is reused.
// Waits for a poke of it running on another thread (the registry's lock); after a poke the hook
// is already unlinked and this is a no-op.
void delist(wait_op& op) noexcept {
  if (cancel_registry* reg = op.registry()) reg->remove(op.hook);
}

// Queues the task's resumption on its home executor (on the loop: its local queue). The op's
// hook must be out of the registry.
void resume_home(wait_op& op) noexcept {
  auto* home = reinterpret_cast<executor*>(op.home_state.load(std::memory_order_relaxed) & ~wait_op::state_mask);
  job& j = use_job(op, [](job* self) noexcept { wait_op::of(*self).coro.resume(); });
  if (home == op.loop && op.loop->on_loop_thread())
    op.loop->state().run_local(j);
  else
    home->post(j);
}

// Runs on the loop: arms an op that begin() queued from another thread. It registers the op
// only now: while it was queued its two words were the queue's link.
void start_job(job* j) noexcept {
  wait_op& op = wait_op::of(*j);
  loop_state& st = op.loop->state();
  // relaxed (stopping): a flag polled by the loop. Nothing else can reach the op yet: plain
  // state stores.
  if (st.stopping.load(std::memory_order_relaxed) || !enlist(op)) {
    const std::uintptr_t home_bits = op.home_state.load(std::memory_order_relaxed) & ~wait_op::state_mask;
    op.home_state.store(home_bits | wait_op::cancelled, std::memory_order_relaxed);
    resume_home(op);
    return;
  }
  if (!move(op, wait_op::queued, wait_op::armed)) {
    resume_home(op);  // a poke cancelled it since enlist() (and unlinked it); the job is ours
    return;
  }
  ++st.custody;
  arm(op);
}

// Runs on the loop: a poke won armed -> cancelled (and unlinked the hook).
void cancel_job(job* j) noexcept {
  wait_op& op = wait_op::of(*j);
  disarm(op);
  --op.loop->state().custody;
  resume_home(op);
}

// Called by the group's cancel_registry, under its lock, on the thread requesting stop; the
// registry has unlinked the hook.
void poke(cancel_hook* h) noexcept {
  wait_op& op = wait_op::of(*h);
  // relaxed: only a guess for the CAS.
  std::uintptr_t e = op.home_state.load(std::memory_order_relaxed);
  for (;;) {
    if (state_of(e) == wait_op::done || state_of(e) == wait_op::cancelled) return;
    // acq_rel: as in move().
    if (op.home_state.compare_exchange_weak(e, (e & ~wait_op::state_mask) | wait_op::cancelled,
                                            std::memory_order_acq_rel))
      break;
  }
  if (state_of(e) != wait_op::armed) return;  // idle: begin() sees it; queued: the start job does
  op.loop->post(use_job(op, &cancel_job));    // the loop is alive: it holds the op in custody
}

}  // namespace

bool wait_op::begin(io_loop& l, std::coroutine_handle<> h, duet::detail::stop_slot* slot) noexcept {
  loop = &l;
  coro = h;
  executor* home = duet::detail::current_executor();
  if (home == nullptr) home = &l;
  const auto home_bits = reinterpret_cast<std::uintptr_t>(home);
  // relaxed (all the stores here): nothing is shared yet; the registration (a mutex) or the
  // post publishes the op.
  home_state.store(home_bits | idle, std::memory_order_relaxed);
  cancel_registry* reg = nullptr;
  if (slot != nullptr) {
    if (slot->stop_requested()) {
      home_state.store(home_bits | cancelled, std::memory_order_relaxed);
      return false;
    }
    reg = slot->registry(&poke);
  }
  reg_kind = reinterpret_cast<std::uintptr_t>(reg) | (reg_kind & kind_mask);
  if (!l.on_loop_thread()) {
    home_state.store(home_bits | queued, std::memory_order_relaxed);
    l.post(use_job(*this, &start_job));
    return true;
  }
  // On the loop already: register and arm now, no start job. A stopping loop cancels new waits
  // at once.
  loop_state& st = l.state();
  if (st.stopping.load(std::memory_order_relaxed) || !enlist(*this)) {  // relaxed: the loop's own flag
    home_state.store(home_bits | cancelled, std::memory_order_relaxed);
    return false;
  }
  // On failure a poke cancelled us while idle, and unlinked the hook.
  if (!move(*this, idle, armed)) return false;
  ++st.custody;
  arm(*this);
  return true;
}

void wait_op::complete() noexcept {
  if (!move(*this, armed, done)) return;  // a poke won: its cancel job owns the op
  delist(*this);
  loop_state& st = loop->state();
  if (kind() == wait_kind::fd) st.untrack(static_cast<fd_op&>(*this));
  --st.custody;
  resume_home(*this);
}

void wait_op::cancel_armed() noexcept {
  if (!move(*this, armed, cancelled)) return;  // a poke won: its cancel job is queued
  delist(*this);
  disarm(*this);
  --loop->state().custody;
  resume_home(*this);
}

}  // namespace duet::io::detail
