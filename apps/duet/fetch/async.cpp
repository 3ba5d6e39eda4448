// The async mode: every request is a task on duet's io loop and a concurrency_limiter decides
// how many are in flight: `-c auto` adapts it, `-c N` fixes it. The transfers go round-robin to
// one HTTP client (curl's multi-socket interface) per io thread (--io-threads, default one per
// core, at most 4): the waiting is the kernel's, but reading 1,000 pages at once is CPU work
// that one thread cannot keep up with.
//
// The dispatcher task sends while the limit allows, then sleeps on an event that every finished
// request (and the limiter's blind-phase probe timer) sets. Failed requests worth retrying go
// back to the queue after a backoff, so a retry does not hold a slot while it waits.
#include <sys/resource.h>

#include <algorithm>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/limiter.hpp"
#include "duet/io/http/client.hpp"
#include "duet/io/timer.hpp"
#include "duet/runtime.hpp"
#include "duet/sync/event.hpp"
#include "duet/task/on.hpp"
#include "duet/task/task_group.hpp"
#include "fetch/job.hpp"

namespace duet_cli::fetch_detail {

namespace http = duet::http;

namespace {

// Each connection is a descriptor: allow as many as the hard limit permits, and keep the
// concurrency ceiling under it (with room for the rest of the process).
std::size_t raise_fd_limit() {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return 1024;
  if (rl.rlim_cur < rl.rlim_max) {
    rlimit want = rl;
    want.rlim_cur = rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &want) == 0) rl = want;
  }
  return rl.rlim_cur == RLIM_INFINITY ? 1'000'000 : static_cast<std::size_t>(rl.rlim_cur);
}

enum class load_signal { sample, drop, none };

class async_job {
 public:
  async_job(const std::vector<job_item>& items, const fetch_options& o, job_recorder& rec, duet::runtime& rt,
            concurrency_limiter lim)
      : items_(items), o_(o), rec_(rec), rt_(rt), lim_(std::move(lim)), attempts_(items.size(), 0) {
    for (std::size_t i = 0; i < items.size(); ++i) ready_.push_back(i);
  }

  duet::task<void> run() {
    co_await duet::on(rt_.io());  // the whole job lives on the loop: no hops per request
    // The job's own loop drives the first client; more loops (threads) share the receiving, which
    // is CPU work: at 1,000 pages in flight one thread is the limit (docs/benchmarks.md).
    // 64 KB reads: ~8% less CPU than curl's 16 KB on 100 KB pages, for 48 KB more per transfer.
    const http::client_options copts{.receive_buffer = std::size_t{64} << 10};
    std::vector<std::unique_ptr<duet::io_loop>> loops;
    std::vector<std::unique_ptr<http::client>> clients;
    clients.push_back(std::make_unique<http::client>(copts, rt_.io()));
    for (std::size_t k = 1; k < io_threads(); ++k) {
      loops.push_back(std::make_unique<duet::io_loop>(duet::loop_options{.name = "duet-fetch-io" + std::to_string(k)}));
      clients.push_back(std::make_unique<http::client>(copts, *loops.back()));
    }
    clients_ = &clients;
    duet::task_group g(co_await duet::this_task::stop_token());
    group_ = &g;
    for (;;) {
      wake_.reset();  // before looking: a set() from now on is seen by the wait below
      {
        std::lock_guard lock(mu_);
        const auto now = clock::now();
        while (!ready_.empty() && lim_.may_start(now)) {
          const std::size_t i = ready_.front();
          ready_.pop_front();
          if (attempts_[i]++ == 0) rec_.started();
          lim_.on_start(now);
          g.spawn(one(i, now));
        }
        if (finished_ == items_.size()) break;
        if (auto p = lim_.next_probe(); p && !probe_armed_ && !ready_.empty()) {
          probe_armed_ = true;
          g.spawn(probe_at(*p));
        }
      }
      co_await wake_.wait();
    }
    g.cancel();  // a probe timer may still be armed
    co_await g.wait();
    clients_ = nullptr;
  }

  [[nodiscard]] std::size_t settled() const { return lim_.settled(); }
  [[nodiscard]] std::size_t io_threads() const {
    if (o_.io_threads != 0) return o_.io_threads;
    return std::clamp<std::size_t>(std::thread::hardware_concurrency(), 1, 4);
  }
  [[nodiscard]] std::size_t peak() const { return lim_.peak_in_flight(); }

 private:
  duet::task<void> one(std::size_t i, clock::time_point sent) {
    const job_item& it = items_[i];
    http::request req = http::request::get(it.url);
    req.timeout = o_.timeout;
    req.output_path = it.path;
    req.keep_body = false;  // only its size is reported (a body to keep goes to it.path)
    item_outcome out;
    bool transient = false;
    load_signal signal = load_signal::sample;
    try {
      // Round-robin: each client keeps its own connections, so a URL's retry may use another.
      http::client& cl = *(*clients_)[i % clients_->size()];
      const http::response resp = co_await cl.send(std::move(req));
      out.status = resp.status;
      out.bytes = resp.body_bytes;
      if (resp.status >= 400) {
        out.error = "HTTP " + std::to_string(resp.status);
        transient = transient_status(resp.status);
        // 429 and 503 say "too many"; 502/504 are a gateway's trouble, also load.
        if (transient) signal = load_signal::drop;
      }
    } catch (const http::error& e) {
      out.error = e.what();
      transient = e.transient();
      // A refused connection or a bad name says nothing about load; a timeout or a reset does.
      using k = http::error::kind;
      signal = (e.code() == k::timeout || e.code() == k::transfer) ? load_signal::drop : load_signal::none;
    } catch (const duet::cancelled_error&) {
      throw;
    } catch (const std::exception& e) {
      out.error = e.what();
      signal = load_signal::none;
    }
    const auto now = clock::now();
    out.seconds = std::chrono::duration<double>(now - sent).count();
    bool retry = false;
    {
      std::lock_guard lock(mu_);
      switch (signal) {
        case load_signal::sample:
          lim_.on_success(sent, now);
          break;
        case load_signal::drop:
          lim_.on_drop(sent, now);
          break;
        case load_signal::none:
          lim_.on_ignore();
          break;
      }
      out.attempts = attempts_[i];
      retry = !out.error.empty() && transient && attempts_[i] <= o_.retries;
      if (retry) {
        group_->spawn(retry_later(i, retry_delay(attempts_[i], rng_)));
      } else {
        ++finished_;
      }
    }
    if (!retry) {
      if (!out.error.empty() && !it.path.empty()) {
        std::error_code ec;
        std::filesystem::remove(it.path, ec);  // no error page or partial body left behind
      }
      rec_.finished(i, it, out);
    }
    wake_.set();
  }

  duet::task<void> retry_later(std::size_t i, std::chrono::milliseconds delay) {
    try {
      co_await duet::sleep_for(delay, rt_.io());
    } catch (const duet::cancelled_error&) {
      co_return;
    }
    {
      std::lock_guard lock(mu_);
      ready_.push_back(i);
    }
    wake_.set();
  }

  duet::task<void> probe_at(clock::time_point when) {
    try {
      co_await duet::sleep_until(when, rt_.io());
    } catch (const duet::cancelled_error&) {
      co_return;  // the job is over
    }
    {
      std::lock_guard lock(mu_);
      probe_armed_ = false;
    }
    wake_.set();
  }

  const std::vector<job_item>& items_;
  const fetch_options& o_;
  job_recorder& rec_;
  duet::runtime& rt_;
  // Everything below runs on the loop's thread in practice; the mutex keeps it correct should
  // the client ever resume a task elsewhere.
  std::mutex mu_;
  concurrency_limiter lim_;
  std::deque<std::size_t> ready_;  // indices waiting to be sent (first tries and retries)
  std::vector<int> attempts_;      // tries started per index
  std::size_t finished_ = 0;
  bool probe_armed_ = false;
  std::mt19937_64 rng_{0x5eed};
  duet::sync::event wake_;
  std::vector<std::unique_ptr<http::client>>* clients_ = nullptr;
  duet::task_group* group_ = nullptr;
};

}  // namespace

std::pair<std::size_t, std::size_t> run_async(const std::vector<job_item>& items, const fetch_options& o,
                                              job_recorder& rec, duet::runtime& rt) {
  if (items.empty()) return {0, 0};
  const std::size_t fds = raise_fd_limit();
  const std::size_t ceiling = fds > 128 ? fds - 64 : 64;
  const auto now = clock::now();
  concurrency_limiter lim = [&] {
    if (o.concurrency != 0) return concurrency_limiter::fixed(std::min(o.concurrency, ceiling), now);
    limiter_options lo = o.limiter;
    lo.max = std::min(lo.max, ceiling);
    return concurrency_limiter(lo, now);
  }();
  async_job job(items, o, rec, rt, std::move(lim));
  rt.block_on(job.run());
  return {job.settled(), job.peak()};
}

}  // namespace duet_cli::fetch_detail
