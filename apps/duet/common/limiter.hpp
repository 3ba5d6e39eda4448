// An adaptive concurrency limit for a client: how many requests to keep in flight against a
// server whose capacity we do not know ("find the sweet spot for max workers" by itself).
//
// Why this design. A loss-based limiter (pure AIMD: grow until errors, halve on an error) finds
// a server's cap only by overrunning it; a server that queues instead of refusing never sends an
// error, it only gets slower. A delay-based limiter (TCP Vegas, Brakmo & Peterson 1995; Netflix's
// concurrency-limits "Gradient" limiters) watches latency instead: while the latency of recent
// requests stays near the lowest latency ever seen, the server is not queueing and more requests
// in flight buy throughput; once it grows, extra requests only wait in the server's queue. So:
//  * slow start (TCP, RFC 5681): +1 per success whose latency holds, i.e. the limit doubles with
//    every completed window. Before the first response there is no signal at all, and an HTTP
//    server's latency (590 ms for the default site) says nothing about how many requests it
//    accepts at once; waiting a whole latency per doubling would spend seconds ramping from 32 to
//    hundreds. So while nothing has come back yet ("blind" phase), the limit doubles every
//    `probe_interval` (5 ms) as long as it is in use: a server that refuses quickly (503, 429,
//    reset) answers within that time, one that accepts shows up in the first latencies.
//  * congestion avoidance (Vegas/Gradient): once per window (limit/2 samples of requests sent
//    under the current limit) compare the window's median latency with the minimum:
//    gradient = clamp(tolerance * min / median, 0.5, 1); limit = limit * gradient + sqrt(limit).
//    Latency that holds adds sqrt(limit) (the Gradient limiter's queue allowance), latency that
//    grows shrinks the limit in proportion. Samples of requests sent before the last change are
//    left out of a window: they measure the old limit, and counting them makes a delay-based
//    limiter keep shrinking while an old queue drains.
//  * latency that rises at a limit which held before is not our queue: with no more requests in
//    flight than in a window whose latency held, and no decrease since, a queue behind our
//    requests cannot have grown; the latency rose for everyone (a busier machine, a slower
//    path). The limiter keeps its limit and takes the new median as its floor. Without this, a
//    lasting step in latency read as queueing shrinks the limit window after window (simulated,
//    100 -> 250 ms at 1,000 in flight: down to 6 in flight, 66x slower).
//  * multiplicative decrease (AIMD, Chiu & Jain 1989) on overload signals: 429, 503, timeouts,
//    resets. limit *= backoff, at most once per round trip: like TCP's recovery point, a drop of
//    a request sent before the last decrease is ignored (it reports the old limit).
// Refused connections and bad URLs are not load signals (a host that is down is not busy).
//
// The limiter is a pure state machine over explicit time points (no clock reads, no sleeps), so
// tests drive it with a simulated server; it is not thread-safe (the fetcher calls it under
// its own lock).
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <vector>

namespace duet_cli {

/// Parameters of a concurrency_limiter; the defaults suit HTTP servers on a LAN or loopback.
struct limiter_options {
  std::size_t initial = 32;  ///< limit at the start
  std::size_t min = 1;       ///< never below this
  std::size_t max = 1000;    ///< never above this
  /// A window whose median latency is at most tolerance x the minimum counts as "latency holds".
  double tolerance = 1.5;
  double backoff = 0.7;  ///< limit multiplier on an overload signal (429, 503, timeout, reset)
  /// Before any response: double the limit this often while it is in use.
  std::chrono::nanoseconds probe_interval = std::chrono::milliseconds(5);
};

class concurrency_limiter {
 public:
  using time_point = std::chrono::steady_clock::time_point;
  using duration = std::chrono::nanoseconds;
  enum class phase { blind, slow_start, avoidance, fixed };

  /// An adaptive limiter starting at `start`.
  concurrency_limiter(const limiter_options& opts, time_point start);
  /// A limiter that always allows exactly `n` in flight (`-c N`).
  static concurrency_limiter fixed(std::size_t n, time_point start);

  /// The number of requests allowed in flight at `now` (advances the blind phase's doubling).
  std::size_t limit(time_point now);
  /// True when one more request may start now.
  bool may_start(time_point now) { return in_flight_ < limit(now); }
  /// When the limit will grow by itself if nothing else happens (blind phase only).
  [[nodiscard]] std::optional<time_point> next_probe() const;

  /// A request was sent.
  void on_start(time_point now);
  /// A response came back (any HTTP status except 429/503): a latency sample.
  void on_success(time_point sent, time_point now);
  /// An overload signal: 429, 503, a timeout, a reset connection.
  void on_drop(time_point sent, time_point now);
  /// A request ended without saying anything about load (bad URL, refused connection).
  void on_ignore();

  [[nodiscard]] std::size_t in_flight() const noexcept { return in_flight_; }
  [[nodiscard]] std::size_t peak_in_flight() const noexcept { return peak_in_flight_; }
  /// The current limit without advancing anything.
  [[nodiscard]] std::size_t current() const noexcept;
  /// The limit it settled on: the current limit, but not above the most ever used at once.
  [[nodiscard]] std::size_t settled() const noexcept;
  [[nodiscard]] phase current_phase() const noexcept { return phase_; }
  /// The lowest latency seen (zero before the first sample).
  [[nodiscard]] duration min_latency() const noexcept;
  /// How many multiplicative decreases happened.
  [[nodiscard]] std::size_t decreases() const noexcept { return decreases_; }

 private:
  void end_window(time_point now);
  void set_limit(double v) noexcept;
  void decrease_to(double v, time_point now);

  limiter_options opts_;
  phase phase_;
  double limit_;
  std::size_t in_flight_ = 0;
  std::size_t peak_in_flight_ = 0;
  std::size_t window_peak_ = 0;  // most in flight since the window began
  time_point next_probe_;
  time_point last_change_;    // samples of requests sent before this are not in the window
  time_point last_decrease_;  // drops of requests sent before this are ignored
  duration min_latency_ = duration::max();
  std::vector<duration> window_;
  std::size_t decreases_ = 0;
  double last_good_limit_ = 0;         // the limit of the last window whose latency held
  bool decreased_since_good_ = false;  // a decrease happened after that window
};

}  // namespace duet_cli
