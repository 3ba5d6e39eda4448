#include "common/limiter.hpp"

#include <algorithm>
#include <cmath>

namespace duet_cli {

concurrency_limiter::concurrency_limiter(const limiter_options& opts, time_point start)
    : opts_(opts),
      phase_(phase::blind),
      limit_(0),
      next_probe_(start + opts.probe_interval),
      last_change_(start),
      last_decrease_(start) {
  opts_.min = std::max<std::size_t>(1, opts_.min);
  opts_.max = std::max(opts_.min, opts_.max);
  set_limit(static_cast<double>(opts_.initial));
}

concurrency_limiter concurrency_limiter::fixed(std::size_t n, time_point start) {
  concurrency_limiter l({.initial = n, .min = n, .max = n}, start);
  l.phase_ = phase::fixed;
  return l;
}

void concurrency_limiter::set_limit(double v) noexcept {
  limit_ = std::clamp(v, static_cast<double>(opts_.min), static_cast<double>(opts_.max));
}

std::size_t concurrency_limiter::current() const noexcept { return static_cast<std::size_t>(limit_); }

std::size_t concurrency_limiter::settled() const noexcept {
  return std::max<std::size_t>(opts_.min, std::min(current(), peak_in_flight_));
}

concurrency_limiter::duration concurrency_limiter::min_latency() const noexcept {
  return min_latency_ == duration::max() ? duration::zero() : min_latency_;
}

std::size_t concurrency_limiter::limit(time_point now) {
  // Blind phase: double per probe interval, but only a limit that is in use (a job of 5 URLs
  // learns nothing from a limit of 1,000).
  while (phase_ == phase::blind && now >= next_probe_) {
    if (in_flight_ >= current()) set_limit(limit_ * 2);
    next_probe_ += opts_.probe_interval;
    if (current() >= opts_.max) break;
  }
  return current();
}

std::optional<concurrency_limiter::time_point> concurrency_limiter::next_probe() const {
  if (phase_ != phase::blind || current() >= opts_.max) return std::nullopt;
  return next_probe_;
}

void concurrency_limiter::on_start(time_point) {
  ++in_flight_;
  peak_in_flight_ = std::max(peak_in_flight_, in_flight_);
  window_peak_ = std::max(window_peak_, in_flight_);
}

void concurrency_limiter::on_ignore() {
  if (in_flight_ > 0) --in_flight_;
}

void concurrency_limiter::on_success(time_point sent, time_point now) {
  const std::size_t was_in_flight = in_flight_;
  if (in_flight_ > 0) --in_flight_;
  if (phase_ == phase::fixed) return;
  const duration latency = std::max(duration(1), now - sent);
  min_latency_ = std::min(min_latency_, latency);
  if (phase_ == phase::blind) phase_ = phase::slow_start;  // the first feedback
  const double holds = opts_.tolerance * static_cast<double>(min_latency_.count());
  if (phase_ == phase::slow_start && static_cast<double>(latency.count()) <= holds &&
      2 * was_in_flight >= current())  // only a limit that is in use grows
    set_limit(limit_ + 1);
  if (sent < last_change_) return;  // measures an older limit
  window_.push_back(latency);
  if (window_.size() >= std::max<std::size_t>(1, current() / 2)) end_window(now);
}

void concurrency_limiter::end_window(time_point now) {
  auto mid = window_.begin() + static_cast<std::ptrdiff_t>(window_.size() / 2);
  std::nth_element(window_.begin(), mid, window_.end());
  const double median = static_cast<double>(mid->count());
  const double floor = static_cast<double>(min_latency_.count());
  const bool app_limited = 2 * window_peak_ < current();
  window_.clear();
  window_peak_ = in_flight_;
  const bool holds = median <= opts_.tolerance * floor;
  if (holds) {
    last_good_limit_ = limit_;
    decreased_since_good_ = false;
  }
  if (phase_ == phase::slow_start) {
    if (holds) return;  // keep doubling
    phase_ = phase::avoidance;
  }
  if (!holds && !decreased_since_good_ && limit_ <= last_good_limit_) {
    // Risen at a limit that held: not our queue (see the header). New floor, same limit.
    min_latency_ = duration(static_cast<duration::rep>(median));
    last_change_ = now;
    return;
  }
  const double gradient = std::clamp(opts_.tolerance * floor / median, 0.5, 1.0);
  if (gradient >= 1.0 && app_limited) return;  // nothing learnt about a bigger limit
  const double next = limit_ * gradient + std::sqrt(limit_);
  if (next < limit_) {
    decrease_to(next, now);
  } else {
    set_limit(next);
    last_change_ = now;
  }
}

void concurrency_limiter::decrease_to(double v, time_point now) {
  set_limit(v);
  last_change_ = now;
  last_decrease_ = now;
  ++decreases_;
  decreased_since_good_ = true;
  window_.clear();
  window_peak_ = in_flight_;
}

void concurrency_limiter::on_drop(time_point sent, time_point now) {
  if (in_flight_ > 0) --in_flight_;
  if (phase_ == phase::fixed) return;
  // One decrease per round trip: drops of requests sent before the last decrease report the
  // limit we already left.
  if (sent < last_decrease_) return;
  phase_ = phase::avoidance;
  decrease_to(limit_ * opts_.backoff, now);
}

}  // namespace duet_cli
