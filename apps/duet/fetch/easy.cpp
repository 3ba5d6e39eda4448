// The blocking modes: `sequential` (one request at a time on this thread, the tutorial's loop of
// requests.get) and `threads:N` (N threads taking the next URL from a shared counter, the
// tutorial's ThreadPoolExecutor). Each thread blocks in curl (http::fetch_blocking) while it
// waits: the concurrency is exactly the thread count.
#include <atomic>
#include <filesystem>
#include <thread>

#include <curl/curl.h>

#include "duet/io/http/client.hpp"
#include "fetch/job.hpp"

namespace duet_cli::fetch_detail {

namespace http = duet::http;

namespace {

// A failed URL leaves no file behind (a partial body or an error page would look like a page).
void remove_output(const job_item& it) {
  if (it.path.empty()) return;
  std::error_code ec;
  std::filesystem::remove(it.path, ec);
}

item_outcome fetch_one(const job_item& it, const fetch_options& o, std::mt19937_64& rng) {
  for (int attempt = 1;; ++attempt) {
    http::request req = http::request::get(it.url);
    req.timeout = o.timeout;
    if (!it.path.empty()) req.output_path = it.path;
    req.keep_body = false;  // only its size is reported (a body to keep goes to it.path)
    const auto sent = clock::now();
    item_outcome out{.attempts = attempt};
    bool transient = false;
    try {
      const http::response resp = http::fetch_blocking(req);
      out.status = resp.status;
      out.seconds = std::chrono::duration<double>(clock::now() - sent).count();
      out.bytes = resp.body_bytes;
      if (resp.status >= 400) {
        out.error = "HTTP " + std::to_string(resp.status);
        transient = transient_status(resp.status);
      }
    } catch (const http::error& e) {
      out.error = e.what();
      transient = e.transient();
    }
    if (out.error.empty()) return out;
    if (!transient || attempt > o.retries) {
      remove_output(it);
      return out;
    }
    std::this_thread::sleep_for(retry_delay(attempt, rng));
  }
}

}  // namespace

void run_blocking(const std::vector<job_item>& items, std::size_t threads, const fetch_options& o, job_recorder& rec) {
  std::atomic<std::size_t> next{0};
  auto worker = [&](std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    for (;;) {
      // relaxed: the counter only hands out distinct indices; the items are read-only.
      const std::size_t i = next.fetch_add(1, std::memory_order_relaxed);
      if (i >= items.size()) return;
      rec.started();
      rec.finished(i, items[i], fetch_one(items[i], o, rng));
    }
  };
  threads = std::max<std::size_t>(1, std::min(threads, items.size()));
  if (threads == 1) {
    worker(1);
    return;
  }
  std::vector<std::jthread> pool;
  pool.reserve(threads);
  for (std::size_t t = 0; t < threads; ++t) pool.emplace_back(worker, t + 1);
}

std::string fetch_text(const std::string& url, std::chrono::milliseconds timeout) {
  http::request req = http::request::get(url);
  req.timeout = timeout;
  req.retry.attempts = 3;
  const http::response resp = http::fetch_blocking(req);  // http::error names the URL
  if (resp.status >= 400) throw std::runtime_error(url + ": HTTP " + std::to_string(resp.status));
  return resp.body;
}

bool valid_http_url(const std::string& url) {
  CURLU* u = curl_url();
  if (u == nullptr) return false;
  bool ok = curl_url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK;
  char* scheme = nullptr;
  if (ok && curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK) {
    const std::string s(scheme);
    ok = s == "http" || s == "https";
    curl_free(scheme);
  } else {
    ok = false;
  }
  char* host = nullptr;
  if (ok && curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
    ok = host[0] != '\0';
    curl_free(host);
  } else {
    ok = false;
  }
  curl_url_cleanup(u);
  return ok;
}

}  // namespace duet_cli::fetch_detail
