// Waiting: requests that each wait for a reply, one after another vs all in flight at once
// (duet::when_all). A timer stands in for the network here; the scraping experiment against a
// local HTTP server (with `duet serve`) is the real thing. Overlapping waits needs no extra cores:
// this is concurrency, not parallelism.
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "demo/demo.hpp"
#include "duet/io/timer.hpp"
#include "duet/task/when_all.hpp"

namespace duet_cli::demo {

namespace {

using std::chrono::milliseconds;

duet::task<std::uint64_t> request(std::uint64_t id, milliseconds wait, duet::io_loop& loop) {
  co_await duet::sleep_for(wait, loop);  // suspends the task; its worker runs other tasks meanwhile
  co_return id;
}

duet::task<std::uint64_t> one_by_one(std::uint64_t n, milliseconds wait, duet::io_loop& loop) {
  std::uint64_t sum = 0;
  for (std::uint64_t i = 0; i < n; ++i) sum += co_await request(i, wait, loop);
  co_return sum;
}

duet::task<std::uint64_t> all_at_once(std::uint64_t n, milliseconds wait, duet::io_loop& loop) {
  std::vector<duet::task<std::uint64_t>> requests;
  requests.reserve(n);
  for (std::uint64_t i = 0; i < n; ++i) requests.push_back(request(i, wait, loop));
  std::uint64_t sum = 0;
  for (std::uint64_t id : co_await duet::when_all(std::move(requests))) sum += id;
  co_return sum;
}

void run_wait(context& ctx) {
  const std::uint64_t n = ctx.scaled(40, 4);
  const milliseconds wait{10};
  ctx.heading("wait: " + std::to_string(n) + " requests that each wait " + std::to_string(wait.count()) +
              " ms for a reply");
  ctx.say("One after another the waits add up; with duet::when_all every request is in flight at once,");
  ctx.say("and the waits overlap on the same " +
          (ctx.workers() == 1 ? std::string("worker") : std::to_string(ctx.workers()) + " workers") +
          ": concurrency, which needs no extra cores.");
  duet::runtime& rt = ctx.rt();
  std::uint64_t seq = 0, conc = 0;
  const timing t = ctx.compare(
      "wait", [&] { seq = rt.block_on(one_by_one(n, wait, rt.io())); },
      [&] { conc = rt.block_on(all_at_once(n, wait, rt.io())); });
  const std::uint64_t expected = n * (n - 1) / 2;
  const bool ok = seq == expected && conc == expected;
  ctx.say("every reply came back: " + (ok ? ctx.out().paint("ok", tone::good) : ctx.out().paint("WRONG", tone::bad)));
  ctx.add({.workload = "wait " + std::to_string(wait.count()) + " ms",
           .size = std::to_string(n) + " requests",
           .sequential_s = t.sequential_s,
           .duet_s = t.duet_s,
           .workers = ctx.workers(),
           .ok = ok,
           .kind = nature::waiting,
           .hint = "More workers would not help; more requests in flight would, up to what the other side can take."});
}

}  // namespace

section wait_section() {
  return {"wait", "requests that wait for replies: one by one vs all in flight (duet::when_all)", &run_wait};
}

}  // namespace duet_cli::demo
