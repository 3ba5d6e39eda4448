#include "duet/io/timer.hpp"

#include <stdexcept>

#include "loop_state.hpp"

namespace duet {

namespace io::detail {

void timer_wait::init(std::chrono::steady_clock::time_point t, io_loop& l) noexcept {
  loop = &l;
  deadline = l.state().to_ticks(t);
}

void arm_timer(wait_op& w) noexcept {
  auto& tw = static_cast<timer_wait&>(w);
  tw.loop->state().wheel.insert(tw);
}

void disarm_timer(wait_op& w) noexcept {
  auto& tw = static_cast<timer_wait&>(w);
  tw.loop->state().wheel.remove(tw);
}

void loop_state::fire_timer(timer_node* n) noexcept { static_cast<timer_wait*>(n)->complete(); }

task<void> after_timer(std::shared_ptr<after_state> s, io_loop& loop) {
  try {
    co_await sleep_until(s->deadline, loop);
  } catch (const cancelled_error&) {
    co_return;  // the case was dropped (or the loop is stopping): nobody to wake
  }
  sync::detail::wake_list wakes;  // declared first: fires after the lock is released
  std::lock_guard lock(s->mu);
  s->fired = true;
  if (s->node.linked) {
    s->node.linked = false;
    if (s->node.claim()) wakes.push(*s->node.owner);  // else another case (or a cancel) won
  }
}

}  // namespace io::detail

interval::interval(std::chrono::nanoseconds period, io_loop& loop)
    : period_(period), next_(std::chrono::steady_clock::now()), loop_(loop) {
  if (period <= std::chrono::nanoseconds::zero())
    throw std::invalid_argument("duet::interval: period must be positive");
}

sleep_awaiter interval::tick() {
  const auto now = std::chrono::steady_clock::now();
  next_ += period_;
  if (next_ < now) {  // skip missed ticks
    const auto missed = (now - next_) / period_ + 1;
    next_ += missed * period_;
  }
  return sleep_awaiter(next_, loop_);
}

}  // namespace duet
