#include "duet/io/detail/wait_op.hpp"

#include "loop_state.hpp"

namespace duet::io::detail {

bool wait_op::begin(io_loop& l, std::coroutine_handle<> h, const std::stop_token* token) noexcept {
  loop = &l;
  coro = h;
  home = duet::detail::current_executor();
  if (home == nullptr) home = &l;
  // relaxed: nothing is shared yet; the callback registration below publishes the op.
  state.store(idle, std::memory_order_relaxed);
  if (token != nullptr && token->stop_possible()) on_stop.emplace(*token, canceller{this});
  std::uint8_t expected = idle;
  // acq_rel: on success, release orders our setup before the loop's view of the op (the post
  // below also publishes it); on failure, acquire pairs with request_cancel's CAS.
  if (!state.compare_exchange_strong(expected, armed, std::memory_order_acq_rel, std::memory_order_acquire))
    return false;  // cancelled while idle: do not suspend
  start_job.op = this;
  start_job.run_ = [](duet::detail::job* j) noexcept {
    wait_op* op = static_cast<op_job*>(j)->op;
    loop_state& st = op->loop->state();
    // acquire: pairs with request_cancel's CAS; if it won, its cancel job is queued behind us.
    if (op->state.load(std::memory_order_acquire) != armed) return;
    if (st.stopping.load(std::memory_order_relaxed)) {  // relaxed: a flag polled by the loop
      std::uint8_t e = armed;
      if (op->state.compare_exchange_strong(e, cancelled, std::memory_order_acq_rel)) op->resume_home();
      return;
    }
    st.track(*op);
    op->arm(op);
  };
  l.post(start_job);
  return true;
}

void wait_op::complete() noexcept {
  std::uint8_t expected = armed;
  // acq_rel: release publishes the operation's results to the resumed task (pairs with the
  // acquire in finish()); acquire pairs with a competing cancel.
  if (!state.compare_exchange_strong(expected, done, std::memory_order_acq_rel)) return;  // cancel job owns it
  loop->state().untrack(*this);
  resume_home();
}

void wait_op::request_cancel() noexcept {
  std::uint8_t expected = idle;
  // acq_rel: pairs with begin()'s and complete()'s CASes; exactly one transition wins.
  if (state.compare_exchange_strong(expected, cancelled, std::memory_order_acq_rel)) return;  // begin() sees it
  if (expected != armed) return;                                                              // already done
  if (!state.compare_exchange_strong(expected, cancelled, std::memory_order_acq_rel)) return;
  cancel_job.op = this;
  cancel_job.run_ = [](duet::detail::job* j) noexcept {
    wait_op* op = static_cast<op_job*>(j)->op;
    op->loop->state().untrack(*op);
    op->disarm(op);
    op->resume_home();
  };
  loop->post(cancel_job);
}

void wait_op::resume_home() noexcept {
  resume.handle = coro;
  if (home == loop && loop->on_loop_thread())
    loop->state().run_local(resume);
  else
    home->post(resume);
}

}  // namespace duet::io::detail
