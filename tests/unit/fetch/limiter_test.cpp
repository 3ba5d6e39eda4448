// The adaptive concurrency limiter against simulated servers: a discrete-event simulation on a
// virtual clock (no sleeps, no threads, same result every run). The servers are the cases the
// limiter must handle: flat latency (open up at once), a cap with a queue behind it (settle near
// the cap), a cap that answers 503 beyond it (settle near the cap), and random errors (back off).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <deque>
#include <queue>
#include <random>
#include <vector>

#include "common/limiter.hpp"

using namespace std::chrono_literals;
using duet_cli::concurrency_limiter;
using duet_cli::limiter_options;
using ns = std::chrono::nanoseconds;
using time_point = concurrency_limiter::time_point;

namespace {

enum class server_kind { flat, queueing, rejecting };

struct server_model {
  server_kind kind = server_kind::flat;
  ns latency = 100ms;
  std::size_t cap = 0;      // requests served at once (queueing, rejecting)
  ns reject_latency = 1ms;  // how fast a 503 comes back
  double error_rate = 0;    // fraction of requests that time out (flat)
  ns error_latency = 100ms;
  // A machine that gets busy: from `slow_after` on, every request takes `slow_latency`, however
  // many are in flight (other processes' CPU use, not this client's load).
  ns slow_after = ns::max();
  ns slow_latency{0};
};

struct sim_result {
  ns finish{0};
  std::size_t done = 0;
  std::size_t peak_in_flight = 0;
  std::size_t peak_limit = 0;
  std::size_t rejected = 0;  // 503s and errors seen (each retried)
  double mean_limit_second_half = 0;
  std::size_t settled = 0;
  ns time_to_peak_limit{0};
};

enum class ev_kind { ok, drop, retry_ready, probe };
struct event {
  ns at;
  std::uint64_t seq;
  ev_kind kind;
  std::size_t id;
  ns sent;
  bool operator>(const event& o) const { return at != o.at ? at > o.at : seq > o.seq; }
};

// Runs `urls` requests against `srv` with `lim`, retrying 503s/errors 50 ms later, until all
// succeed or `budget` of virtual time has passed.
sim_result simulate(const server_model& srv, std::size_t urls, concurrency_limiter lim, const time_point t0,
                    ns budget = 600s) {
  std::priority_queue<event, std::vector<event>, std::greater<>> events;
  std::uint64_t seq = 0;
  std::deque<std::size_t> ready;
  for (std::size_t i = 0; i < urls; ++i) ready.push_back(i);
  std::deque<event> server_queue;  // queueing: waiting for a slot (at = when sent)
  std::size_t busy = 0;
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> coin(0, 1);
  std::vector<std::pair<ns, std::size_t>> trace;  // (time, limit) after each step
  ns probe_scheduled = ns::max();
  sim_result r;

  auto serve = [&](std::size_t id, ns now, ns sent) {
    events.push({now + (now >= srv.slow_after ? srv.slow_latency : srv.latency), seq++, ev_kind::ok, id, sent});
  };
  auto accept = [&](std::size_t id, ns now) {
    switch (srv.kind) {
      case server_kind::flat:
        if (coin(rng) < srv.error_rate)
          events.push({now + srv.error_latency, seq++, ev_kind::drop, id, now});
        else
          serve(id, now, now);
        break;
      case server_kind::queueing:
        if (busy < srv.cap) {
          ++busy;
          serve(id, now, now);
        } else {
          server_queue.push_back({now, seq++, ev_kind::ok, id, now});
        }
        break;
      case server_kind::rejecting:
        if (busy < srv.cap) {
          ++busy;
          serve(id, now, now);
        } else {
          events.push({now + srv.reject_latency, seq++, ev_kind::drop, id, now});
        }
        break;
    }
  };

  ns now{0};
  auto tp = [&](ns t) { return t0 + t; };
  for (;;) {
    // Dispatch what the limit allows, then arm the blind phase's next probe.
    while (!ready.empty() && lim.may_start(tp(now))) {
      const std::size_t id = ready.front();
      ready.pop_front();
      lim.on_start(tp(now));
      accept(id, now);
    }
    r.peak_in_flight = std::max(r.peak_in_flight, lim.in_flight());
    if (lim.current() > r.peak_limit) {
      r.peak_limit = lim.current();
      r.time_to_peak_limit = now;
    }
    trace.emplace_back(now, lim.current());
    if (auto p = lim.next_probe(); p && !ready.empty() && (*p - t0) != probe_scheduled) {
      probe_scheduled = *p - t0;
      events.push({probe_scheduled, seq++, ev_kind::probe, 0, ns{0}});
    }
    if (events.empty() || now > budget) break;
    const event e = events.top();
    events.pop();
    now = e.at;
    switch (e.kind) {
      case ev_kind::ok:
        lim.on_success(tp(e.sent), tp(now));
        ++r.done;
        r.finish = now;
        if (srv.kind != server_kind::flat) {
          --busy;
          if (!server_queue.empty()) {
            const event w = server_queue.front();
            server_queue.pop_front();
            ++busy;
            serve(w.id, now, w.sent);
          }
        }
        break;
      case ev_kind::drop:
        lim.on_drop(tp(e.sent), tp(now));
        ++r.rejected;
        events.push({now + 50ms, seq++, ev_kind::retry_ready, e.id, ns{0}});
        break;
      case ev_kind::retry_ready:
        ready.push_back(e.id);
        break;
      case ev_kind::probe:
        break;
    }
  }
  // Time-weighted mean of the limit over the second half of the run.
  const ns half = r.finish / 2;
  double area = 0;
  for (std::size_t i = 0; i + 1 < trace.size(); ++i) {
    const ns a = std::max(trace[i].first, half);
    const ns b = std::min(trace[i + 1].first, r.finish);
    if (b > a) area += static_cast<double>(trace[i].second) * static_cast<double>((b - a).count());
  }
  r.mean_limit_second_half = r.finish > half ? area / static_cast<double>((r.finish - half).count()) : 0;
  r.settled = lim.settled();
  return r;
}

const time_point t0 = time_point{} + 1000s;

}  // namespace

TEST(Limiter, FlatLatencyOpensUpToEveryUrlWithinTheFirstRoundTrip) {
  // The default site: 232 pages at 590 ms each, no cap. The physical limit is one latency.
  const server_model srv{.kind = server_kind::flat, .latency = 590ms};
  const sim_result r = simulate(srv, 232, concurrency_limiter({}, t0), t0);
  EXPECT_EQ(r.done, 232u);
  EXPECT_EQ(r.peak_in_flight, 232u);
  EXPECT_LE(r.finish, 590ms + 60ms) << "took " << r.finish.count() / 1'000'000 << " ms";
  EXPECT_EQ(r.rejected, 0u);
}

TEST(Limiter, FlatLatencyReachesTheMaximumAndStaysThere) {
  const server_model srv{.kind = server_kind::flat, .latency = 100ms};
  const sim_result r = simulate(srv, 10'000, concurrency_limiter({.max = 1000}, t0), t0);
  EXPECT_EQ(r.done, 10'000u);
  EXPECT_EQ(r.peak_limit, 1000u);
  EXPECT_LE(r.time_to_peak_limit, 100ms);
  EXPECT_GE(r.mean_limit_second_half, 900.0);
  // 10 rounds of 1,000 is the floor; a little ramp on top.
  EXPECT_LE(r.finish, 1100ms);
}

TEST(Limiter, LatencyThatDoesNotFollowTheLimitIsNotQueueing) {
  // At 0.3 s the machine gets busy: 250 ms for every request, at any concurrency. Backing off
  // cannot bring that down; a limiter that keeps trying starves itself (it went to ~1/5 of the
  // maximum before this test). Floor: 3,000 done in the first 0.3 s, then 7 rounds of 1,000 at
  // 250 ms: 2.05 s.
  const server_model srv{.kind = server_kind::flat, .latency = 100ms, .slow_after = 300ms, .slow_latency = 250ms};
  const sim_result r = simulate(srv, 10'000, concurrency_limiter({.max = 1000}, t0), t0);
  EXPECT_EQ(r.done, 10'000u);
  EXPECT_GE(r.mean_limit_second_half, 700.0);
  EXPECT_LE(r.finish, 2600ms) << "took " << r.finish.count() / 1'000'000 << " ms";
}

TEST(Limiter, QueueingServerSettlesNearItsCap) {
  // 32 served at once, the rest wait in the server's queue: past 32 in flight, latency grows.
  const server_model srv{.kind = server_kind::queueing, .latency = 100ms, .cap = 32};
  const sim_result r = simulate(srv, 20'000, concurrency_limiter({}, t0), t0);
  EXPECT_EQ(r.done, 20'000u);
  EXPECT_GE(r.mean_limit_second_half, 32.0);  // never starves the server...
  EXPECT_LE(r.mean_limit_second_half, 80.0);  // ...and keeps its queue short
  // Throughput: the server's 320 requests/s, within 10%.
  EXPECT_LE(r.finish, ns(std::chrono::milliseconds(static_cast<int>(20'000 / 320.0 * 1000 * 1.1))));
}

TEST(Limiter, RejectingServerSettlesNearItsCap) {
  // 50 served at once; beyond that an immediate 503.
  const server_model srv{.kind = server_kind::rejecting, .latency = 100ms, .cap = 50};
  const sim_result r = simulate(srv, 20'000, concurrency_limiter({}, t0), t0);
  EXPECT_EQ(r.done, 20'000u);
  EXPECT_GE(r.mean_limit_second_half, 30.0);
  EXPECT_LE(r.mean_limit_second_half, 70.0);
  EXPECT_LE(r.rejected, 2'000u) << "more than one 503 per ten requests";
  // At least 70% of the server's 500 requests/s.
  EXPECT_LE(r.finish, ns(std::chrono::milliseconds(static_cast<int>(20'000 / (0.7 * 500.0) * 1000))));
}

TEST(Limiter, ErrorsMakeItBackOffWithoutCollapsing) {
  const server_model clean{.kind = server_kind::flat, .latency = 100ms};
  const server_model flaky{.kind = server_kind::flat, .latency = 100ms, .error_rate = 0.05};
  const sim_result good = simulate(clean, 20'000, concurrency_limiter({}, t0), t0);
  const sim_result bad = simulate(flaky, 20'000, concurrency_limiter({}, t0), t0);
  EXPECT_EQ(bad.done, 20'000u);
  EXPECT_GE(good.mean_limit_second_half, 900.0);
  EXPECT_LE(bad.mean_limit_second_half, 0.5 * good.mean_limit_second_half);
  EXPECT_GE(bad.mean_limit_second_half, 4.0);
}

TEST(Limiter, OneDecreasePerRoundTripForABurstOfDrops) {
  concurrency_limiter lim({.initial = 100}, t0);
  for (int i = 0; i < 100; ++i) lim.on_start(t0);
  // 50 requests sent at t0 all fail at once: one decrease, not fifty.
  for (int i = 0; i < 50; ++i) lim.on_drop(t0, t0 + 5ms);
  EXPECT_EQ(lim.decreases(), 1u);
  EXPECT_EQ(lim.current(), 70u);
  EXPECT_EQ(lim.in_flight(), 50u);
  // A request sent after the decrease that fails is a new signal.
  lim.on_start(t0 + 6ms);
  lim.on_drop(t0 + 6ms, t0 + 10ms);
  EXPECT_EQ(lim.decreases(), 2u);
  EXPECT_EQ(lim.current(), 49u);
}

TEST(Limiter, BlindPhaseDoublesOnlyALimitInUse) {
  concurrency_limiter lim({.initial = 4}, t0);
  EXPECT_EQ(lim.limit(t0 + 50ms), 4u) << "nothing in flight: no reason to grow";
  for (int i = 0; i < 4; ++i) lim.on_start(t0 + 50ms);
  EXPECT_EQ(lim.limit(t0 + 60ms), 8u);
  EXPECT_EQ(lim.current_phase(), concurrency_limiter::phase::blind);
  lim.on_success(t0 + 50ms, t0 + 65ms);
  EXPECT_EQ(lim.current_phase(), concurrency_limiter::phase::slow_start);
  EXPECT_FALSE(lim.next_probe().has_value());
  EXPECT_EQ(lim.min_latency(), 15ms);
}

TEST(Limiter, FixedLimitNeverMoves) {
  const server_model srv{.kind = server_kind::rejecting, .latency = 10ms, .cap = 4};
  const sim_result r = simulate(srv, 200, concurrency_limiter::fixed(8, t0), t0);
  EXPECT_EQ(r.done, 200u);
  EXPECT_EQ(r.peak_in_flight, 8u);
  EXPECT_EQ(r.peak_limit, 8u);
  EXPECT_EQ(r.settled, 8u);
}

TEST(Limiter, RefusedConnectionsAreNotALoadSignal) {
  concurrency_limiter lim({.initial = 10}, t0);
  for (int i = 0; i < 10; ++i) lim.on_start(t0);
  for (int i = 0; i < 10; ++i) lim.on_ignore();
  EXPECT_EQ(lim.in_flight(), 0u);
  EXPECT_EQ(lim.current(), 10u);
  EXPECT_EQ(lim.decreases(), 0u);
}
