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
  detail::retry_schedule schedule(r);
  for (;;) {
    const std::chrono::milliseconds per = schedule.begin_attempt();
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
    if (auto done = schedule.finish(std::move(resp), err)) return std::move(*done);
    std::this_thread::sleep_for(schedule.wait());
  }
}

}  // namespace duet::http
