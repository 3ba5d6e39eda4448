// fetch_blocking: the same request on curl's blocking interface (curl_easy_perform), for a
// thread or a process per request. Same configuration and retry rules as client::send().
#include <unistd.h>

#include <optional>
#include <thread>

#include "curl_easy.hpp"

namespace duet::http {

namespace {
// One easy handle per thread, reset between requests: curl keeps its connection cache and DNS
// cache across curl_easy_reset, so a thread's sequential requests reuse connections.
struct thread_handle {
  CURL* h = nullptr;
  pid_t owner = 0;  // the process that created `h`
  thread_handle() = default;
  thread_handle(const thread_handle&) = delete;
  thread_handle& operator=(const thread_handle&) = delete;
  ~thread_handle() {
    if (h != nullptr) curl_easy_cleanup(h);
  }
  CURL* get(const request& r) {
    // A child forked after this thread fetched must not share the parent's connections (two
    // processes writing to one socket): it starts over, closing only its own copies.
    if (h != nullptr && owner != ::getpid()) {
      curl_easy_cleanup(h);
      h = nullptr;
    }
    if (h == nullptr) {
      detail::global_init();
      h = curl_easy_init();
      if (h == nullptr) throw error(error::kind::other, detail::describe(r) + "curl_easy_init failed");
      owner = ::getpid();
    }
    return h;
  }
};
}  // namespace

response fetch_blocking(const request& r, const client_options& opts) {
  thread_local thread_handle handle;
  const auto start = std::chrono::steady_clock::now();
  const bool bounded = r.total_timeout.count() > 0;
  const auto deadline = start + r.total_timeout;
  const int attempts = std::max(1, r.retry.attempts);
  std::string last_failure;
  for (int attempt = 1;; ++attempt) {
    std::chrono::milliseconds per = r.timeout;
    bool total_bounds_it = false;
    if (bounded) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) throw detail::total_timeout_error(r, attempt - 1, last_failure);
      if (per.count() == 0 || left < per) {
        per = left;
        total_bounds_it = true;
      }
    }
    std::optional<response> resp;
    std::optional<error> err;
    {
      detail::easy_transfer t(r, opts, per, handle.get(r));
      t.collect(curl_easy_perform(t.handle()));
      if (t.result() == CURLE_OK)
        resp = t.take_response();
      else
        err = t.make_error();
    }
    if (resp) {
      resp->attempts = attempt;
      if (!detail::retryable_status(resp->status) || attempt >= attempts) return std::move(*resp);
      last_failure = "HTTP " + std::to_string(resp->status);
    } else {
      if (err->code() == error::kind::timeout && total_bounds_it)
        throw detail::total_timeout_error(r, attempt, err->what());
      if (!err->transient() || attempt >= attempts) throw detail::with_attempts(*err, attempt, attempts);
      last_failure = err->what();
    }
    const auto wait = detail::backoff(r.retry, attempt);
    if (bounded && std::chrono::steady_clock::now() + wait >= deadline) {
      if (resp) return std::move(*resp);
      throw detail::total_timeout_error(r, attempt, last_failure);
    }
    std::this_thread::sleep_for(wait);
  }
}

}  // namespace duet::http
