#include "duet/io/timer.hpp"

#include <stdexcept>

#include "loop_state.hpp"

namespace duet {

namespace io::detail {

void timer_wait::init(std::chrono::steady_clock::time_point t) noexcept {
  when = t;
  fire = [](timer_node* n) noexcept { static_cast<timer_wait*>(n)->complete(); };
  arm = [](wait_op* w) noexcept {
    auto* tw = static_cast<timer_wait*>(w);
    loop_state& st = tw->loop->state();
    tw->deadline = st.to_ticks(tw->when);
    st.wheel.insert(*tw);
  };
  disarm = [](wait_op* w) noexcept {
    auto* tw = static_cast<timer_wait*>(w);
    tw->loop->state().wheel.remove(*tw);
  };
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
