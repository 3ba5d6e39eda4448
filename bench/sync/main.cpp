// Channel throughput and ping-pong latency between two tasks (issue 4, "Benchmarks"): duet
// channels beside the same workloads on plain threads (a std::mutex + std::condition_variable
// bounded queue) in the same run, printing the ratio. Go's numbers come from bench/sync/go
// (bench/sync/run runs it when `go` is on PATH).
//
//   sync_bench [--threads N] [--rounds R] [--msgs M] [--pingpong P]
//
// Each row is the median of R rounds. Messages are ints; throughput in millions of messages
// per second; ping-pong in nanoseconds per round trip (two hand-offs).
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "duet/runtime.hpp"
#include "duet/sync/channel.hpp"
#include "duet/task/spawn.hpp"

namespace {

using clock_type = std::chrono::steady_clock;
using duet::task;

struct options {
  std::size_t threads = 2;
  int rounds = 5;
  long msgs = 1'000'000;
  long pingpong = 200'000;
};

double seconds_since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// ---- duet ----------------------------------------------------------------------------------

task<> produce(duet::sync::sender<long> tx, long n) {
  for (long i = 0; i < n; ++i) co_await tx.send(i);
  auto done = std::move(tx);  // release our sender: the channel closes with the last one
}

task<long> consume(duet::sync::receiver<long> rx) {
  long sum = 0;
  while (auto v = co_await rx.recv()) sum += *v;
  co_return sum;
}

// `producers` x `consumers` tasks moving `msgs` values through one channel.
double duet_throughput(duet::runtime& rt, std::size_t cap, int producers, int consumers, long msgs) {
  return rt.block_on([](std::size_t cap, int producers, int consumers, long msgs) -> task<double> {
    auto [tx, rx] = duet::sync::channel<long>(cap);
    const auto t0 = clock_type::now();
    std::vector<duet::join_handle<long>> cs;
    std::vector<duet::join_handle<void>> ps;
    for (int c = 0; c < consumers; ++c) cs.push_back(duet::spawn(consume(rx)));
    for (int p = 0; p < producers; ++p) ps.push_back(duet::spawn(produce(tx, msgs / producers)));
    {
      auto drop = std::move(tx);
    }
    for (auto& p : ps) co_await p;
    for (auto& c : cs) co_await c;
    co_return seconds_since(t0);
  }(cap, producers, consumers, msgs));
}

double duet_pingpong(duet::runtime& rt, std::size_t cap, long trips) {
  return rt.block_on([](std::size_t cap, long trips) -> task<double> {
    auto [ping_tx, ping_rx] = duet::sync::channel<long>(cap);
    auto [pong_tx, pong_rx] = duet::sync::channel<long>(cap);
    auto echo = duet::spawn([](duet::sync::receiver<long> in, duet::sync::sender<long> out) -> task<> {
      while (auto v = co_await in.recv()) co_await out.send(*v);
    }(ping_rx, pong_tx));
    const auto t0 = clock_type::now();
    for (long i = 0; i < trips; ++i) {
      co_await ping_tx.send(i);
      co_await pong_rx.recv();
    }
    const double s = seconds_since(t0);
    ping_tx.close();
    co_await echo;
    co_return s;
  }(cap, trips));
}

// ---- plain threads -------------------------------------------------------------------------

template <class T>
class blocking_queue {
 public:
  explicit blocking_queue(std::size_t cap) : cap_(cap) {}
  void push(T v) {
    std::unique_lock lock(mu_);
    not_full_.wait(lock, [&] { return q_.size() < cap_; });
    q_.push_back(v);
    not_empty_.notify_one();
  }
  bool pop(T& out) {
    std::unique_lock lock(mu_);
    not_empty_.wait(lock, [&] { return !q_.empty() || closed_; });
    if (q_.empty()) return false;
    out = q_.front();
    q_.pop_front();
    not_full_.notify_one();
    return true;
  }
  void close() {
    std::lock_guard lock(mu_);
    closed_ = true;
    not_empty_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable not_empty_, not_full_;
  std::deque<T> q_;
  std::size_t cap_;
  bool closed_ = false;
};

double threads_throughput(std::size_t cap, int producers, int consumers, long msgs) {
  blocking_queue<long> q(cap);
  const auto t0 = clock_type::now();
  std::vector<std::thread> ps, cs;
  for (int c = 0; c < consumers; ++c) {
    cs.emplace_back([&] {
      long v = 0, sum = 0;
      while (q.pop(v)) sum += v;
      (void)sum;
    });
  }
  for (int p = 0; p < producers; ++p) {
    ps.emplace_back([&] {
      for (long i = 0; i < msgs / producers; ++i) q.push(i);
    });
  }
  for (auto& t : ps) t.join();
  q.close();
  for (auto& t : cs) t.join();
  return seconds_since(t0);
}

double threads_pingpong(long trips) {
  blocking_queue<long> ping(1), pong(1);
  std::thread echo([&] {
    long v = 0;
    while (ping.pop(v)) pong.push(v);
  });
  const auto t0 = clock_type::now();
  long v = 0;
  for (long i = 0; i < trips; ++i) {
    ping.push(i);
    pong.pop(v);
  }
  const double s = seconds_since(t0);
  ping.close();
  echo.join();
  return s;
}

// ---- driver --------------------------------------------------------------------------------

double run(int rounds, const std::function<double()>& f) {
  std::vector<double> times;
  for (int r = 0; r < rounds; ++r) times.push_back(f());
  return median(times);
}

options parse(int argc, char** argv) {
  options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    const char* v = argv[i + 1];
    if (k == "--threads")
      o.threads = std::strtoul(v, nullptr, 10);
    else if (k == "--rounds")
      o.rounds = std::atoi(v);
    else if (k == "--msgs")
      o.msgs = std::atol(v);
    else if (k == "--pingpong")
      o.pingpong = std::atol(v);
    else {
      std::fprintf(stderr, "usage: sync_bench [--threads N] [--rounds R] [--msgs M] [--pingpong P]\n");
      std::exit(2);
    }
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  const options o = parse(argc, argv);
  duet::runtime rt({.cpu_threads = o.threads});
  std::printf("sync_bench: %zu duet workers, %ld msgs, %ld round trips, median of %d rounds\n", o.threads, o.msgs,
              o.pingpong, o.rounds);
  std::printf("%-28s %14s %14s %10s\n", "workload", "duet", "threads", "threads/duet");

  struct tp {
    const char* name;
    std::size_t cap;
    int p, c;
  };
  for (const tp& w : {tp{"throughput 1x1 cap=1", 1, 1, 1}, tp{"throughput 1x1 cap=64", 64, 1, 1},
                      tp{"throughput 1x1 cap=1024", 1024, 1, 1}, tp{"throughput 4x4 cap=64", 64, 4, 4}}) {
    const double d = run(o.rounds, [&] { return duet_throughput(rt, w.cap, w.p, w.c, o.msgs); });
    const double t = run(o.rounds, [&] { return threads_throughput(w.cap, w.p, w.c, o.msgs); });
    std::printf("%-28s %9.2f M/s %9.2f M/s %10.2f\n", w.name, o.msgs / d / 1e6, o.msgs / t / 1e6, t / d);
  }
  const double d1 = run(o.rounds, [&] { return duet_pingpong(rt, 1, o.pingpong); });
  const double d0 = run(o.rounds, [&] { return duet_pingpong(rt, 0, o.pingpong); });
  const double t1 = run(o.rounds, [&] { return threads_pingpong(o.pingpong); });
  std::printf("%-28s %10.0f ns %10.0f ns %10.2f\n", "ping-pong cap=1 (per trip)", d1 / o.pingpong * 1e9,
              t1 / o.pingpong * 1e9, t1 / d1);
  std::printf("%-28s %10.0f ns %13s %10s\n", "ping-pong cap=0 (per trip)", d0 / o.pingpong * 1e9, "-", "-");
  return 0;
}
