// A task is *what* to do; a worker is *where* it runs.
//
// Rust's `thread::spawn` + `join` starts one OS thread per job. duet::spawn starts a task: many
// tasks share a few worker threads, and a join_handle gives back each one's result.
// Counts the primes below 80,000 in eight pieces, both ways; π(80,000) = 7,837.
#include <pthread.h>

#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "duet/duet.hpp"

std::uint64_t count_primes(std::uint64_t lo, std::uint64_t hi) {
  std::uint64_t n = 0;
  for (std::uint64_t k = std::max<std::uint64_t>(lo, 2); k < hi; ++k) {
    bool prime = true;
    for (std::uint64_t d = 2; d * d <= k && prime; ++d) prime = k % d != 0;
    n += prime ? 1 : 0;
  }
  return n;
}

std::string worker_name() {
  char buf[16] = {};
  pthread_getname_np(pthread_self(), buf, sizeof buf);
  return buf;
}

struct piece {
  std::uint64_t primes;
  std::string ran_on;
};

duet::task<piece> count_task(std::uint64_t lo, std::uint64_t hi) {
  co_return piece{count_primes(lo, hi), worker_name()};
}

int main() {
  constexpr int pieces = 8;
  constexpr std::uint64_t step = 10'000;

  // Threads: one OS thread per piece of work.
  std::vector<std::uint64_t> counts(pieces);
  std::vector<std::thread> threads;
  threads.reserve(pieces);
  for (int i = 0; i < pieces; ++i)
    threads.emplace_back([&counts, i] { counts[i] = count_primes(i * step, (i + 1) * step); });
  std::uint64_t by_threads = 0;
  for (int i = 0; i < pieces; ++i) {
    threads[i].join();
    by_threads += counts[i];
  }
  std::printf("8 threads:            %" PRIu64 " primes below 80,000\n", by_threads);

  // Tasks: eight tasks, two workers.
  duet::runtime rt({.cpu_threads = 2});
  std::vector<duet::join_handle<piece>> handles;
  handles.reserve(pieces);
  for (int i = 0; i < pieces; ++i) handles.push_back(rt.spawn(count_task(i * step, (i + 1) * step)));
  std::uint64_t by_tasks = 0;
  std::set<std::string> workers;
  for (auto& h : handles) {
    piece p = h.get();  // blocks this (non-worker) thread until the task is done
    by_tasks += p.primes;
    workers.insert(p.ran_on);
  }
  std::printf("8 tasks on %zu workers: %" PRIu64 " primes below 80,000 (ran on:", rt.cpu().size(), by_tasks);
  for (const auto& w : workers) std::printf(" %s", w.c_str());
  std::printf(")\n");

  const bool ok = by_threads == 7837 && by_tasks == 7837 && workers.size() <= 2;
  std::puts(ok ? "ok" : "WRONG");
  return ok ? 0 : 1;
}
