// One attempt's curl easy handle: configuration from a request, the header and body
// callbacks, and the mapping of curl's result codes to duet::http::error.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <random>
#include <stdexcept>

#include "curl_easy.hpp"

namespace duet::http {

namespace {
bool iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}
}  // namespace

std::optional<std::string_view> response::header(std::string_view name) const {
  for (const header_field& h : headers)
    if (iequals(h.name, name)) return std::string_view(h.value);
  return std::nullopt;
}

namespace detail {

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
      throw std::runtime_error("duet: http: curl_global_init failed");
  });
}

std::string describe(const request& r) { return "duet: " + r.method + " " + r.url + ": "; }

namespace {

error::kind kind_of(CURLcode rc) noexcept {
  switch (rc) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
      return error::kind::bad_url;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return error::kind::resolve;
    case CURLE_COULDNT_CONNECT:
      return error::kind::connect;
    case CURLE_OPERATION_TIMEDOUT:
      return error::kind::timeout;
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_WEIRD_SERVER_REPLY:
      return error::kind::transfer;
    case CURLE_WRITE_ERROR:
      return error::kind::file;
    default:
      return error::kind::other;
  }
}

void set(CURL* h, CURLoption o, long v) { curl_easy_setopt(h, o, v); }

}  // namespace

easy_transfer::easy_transfer(const request& r, const client_options& o, std::chrono::milliseconds attempt_timeout,
                             CURL* reuse)
    : req_(r) {
  global_init();
  if (reuse != nullptr) {
    curl_easy_reset(reuse);  // keeps the handle's connections and DNS cache
    easy_ = reuse;
    owned_ = false;
  } else {
    easy_ = curl_easy_init();
    if (easy_ == nullptr) throw error(error::kind::other, describe(r) + "curl_easy_init failed");
  }
  if (!r.output_path.empty()) {
    fd_ = ::open(r.output_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0) {
      const int e = errno;
      release_handle();
      throw error(error::kind::file, describe(r) + "cannot open " + r.output_path + ": " + std::strerror(e));
    }
  }
  CURL* h = easy_;
  curl_easy_setopt(h, CURLOPT_URL, r.url.c_str());
  set(h, CURLOPT_NOSIGNAL, 1L);  // no SIGALRM for DNS timeouts: we are multi-threaded
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf_);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, this);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, this);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  set(h, CURLOPT_FOLLOWLOCATION, r.follow_redirects ? 1L : 0L);
  set(h, CURLOPT_MAXREDIRS, static_cast<long>(r.max_redirects));
  if (attempt_timeout.count() > 0) set(h, CURLOPT_TIMEOUT_MS, static_cast<long>(attempt_timeout.count()));
  if (r.connect_timeout.count() > 0) set(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(r.connect_timeout.count()));
  if (!o.user_agent.empty()) curl_easy_setopt(h, CURLOPT_USERAGENT, o.user_agent.c_str());
  // curl clamps it to [1 KB, 10 MB] (CURL_MIN_READ_SIZE, CURL_MAX_READ_SIZE).
  if (o.receive_buffer != 0)
    set(h, CURLOPT_BUFFERSIZE, static_cast<long>(std::min<std::size_t>(o.receive_buffer, 10U << 20)));
  if (r.method == "GET" && r.body.empty()) {
    set(h, CURLOPT_HTTPGET, 1L);
  } else if (r.method == "HEAD") {
    set(h, CURLOPT_NOBODY, 1L);
  } else {
    if (r.method != "POST") curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, r.method.c_str());
    if (r.method == "POST" || !r.body.empty()) {
      // Not copied: the request outlives the attempt (it lives in send()'s frame).
      curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
      curl_easy_setopt(h, CURLOPT_POSTFIELDS, r.body.data());
    }
  }
  for (const header_field& f : r.headers) headers_ = curl_slist_append(headers_, (f.name + ": " + f.value).c_str());
  // No "Expect: 100-continue" for large bodies: it costs a round trip, or a 1 s stall against
  // a server that ignores it.
  headers_ = curl_slist_append(headers_, "Expect:");
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers_);
}

easy_transfer::~easy_transfer() {
  release_handle();
  curl_slist_free_all(headers_);
  if (fd_ >= 0) ::close(fd_);
}

void easy_transfer::release_handle() noexcept {
  if (easy_ == nullptr) return;
  if (owned_) {
    curl_easy_cleanup(easy_);
  } else {
    // A reused handle must not keep pointers into this object.
    curl_easy_setopt(easy_, CURLOPT_ERRORBUFFER, static_cast<char*>(nullptr));
  }
  easy_ = nullptr;
}

void easy_transfer::collect(CURLcode rc) noexcept {
  rc_ = rc;
  long status = 0;
  curl_easy_getinfo(easy_, CURLINFO_RESPONSE_CODE, &status);
  resp_.status = static_cast<int>(status);
  const char* url = nullptr;
  if (curl_easy_getinfo(easy_, CURLINFO_EFFECTIVE_URL, &url) == CURLE_OK && url != nullptr) resp_.effective_url = url;
  curl_off_t us = 0;
  curl_easy_getinfo(easy_, CURLINFO_TOTAL_TIME_T, &us);
  resp_.elapsed = std::chrono::microseconds(us);
}

error easy_transfer::make_error() const {
  const error::kind k = kind_of(rc_);
  if (k == error::kind::file && file_errno_ != 0)
    return error(k, describe(req_) + "writing " + req_.output_path + ": " + std::strerror(file_errno_));
  std::string text = errbuf_[0] != '\0' ? std::string(errbuf_) : std::string(curl_easy_strerror(rc_));
  if (rc_ == CURLE_TOO_MANY_REDIRECTS) text += " (max_redirects = " + std::to_string(req_.max_redirects) + ")";
  return error(k, describe(req_) + text);
}

std::size_t easy_transfer::on_body(char* p, std::size_t size, std::size_t n, void* self) noexcept {
  auto* t = static_cast<easy_transfer*>(self);
  const std::size_t len = size * n;
  if (t->fd_ >= 0) {
    std::size_t done = 0;
    while (done < len) {
      const ssize_t w = ::write(t->fd_, p + done, len - done);
      if (w < 0) {
        if (errno == EINTR) continue;
        t->file_errno_ = errno;
        return 0;  // curl fails the transfer with CURLE_WRITE_ERROR
      }
      done += static_cast<std::size_t>(w);
    }
  } else if (t->req_.keep_body) {
    try {
      t->resp_.body.append(p, len);
    } catch (const std::bad_alloc&) {
      t->file_errno_ = ENOMEM;
      return 0;
    }
  }
  t->resp_.body_bytes += len;
  return len;
}

std::size_t easy_transfer::on_header(char* p, std::size_t size, std::size_t n, void* self) noexcept {
  auto* t = static_cast<easy_transfer*>(self);
  const std::size_t len = size * n;
  std::string_view line(p, len);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  try {
    if (line.starts_with("HTTP/")) {
      // A new response begins (the next hop of a redirect, or the final answer after a 1xx):
      // what the previous one left is not part of the result.
      t->resp_.headers.clear();
      t->resp_.body.clear();
      // Only a file that received a body is rewound (and only a regular one can be: a device
      // like /dev/null refuses ftruncate, and needs nothing undone).
      if (t->fd_ >= 0 && t->resp_.body_bytes > 0 && (::ftruncate(t->fd_, 0) != 0 || ::lseek(t->fd_, 0, SEEK_SET) < 0) &&
          errno != EINVAL && errno != ESPIPE) {
        t->file_errno_ = errno;
        return 0;
      }
      t->resp_.body_bytes = 0;
    } else if (const auto colon = line.find(':'); colon != std::string_view::npos) {
      std::string_view value = line.substr(colon + 1);
      while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
      const std::string_view name = line.substr(0, colon);
      // Reserve the announced body at once: a 100 KB page would otherwise grow the string
      // through a dozen reallocations and copies (capped: the header is the server's claim).
      if (t->fd_ < 0 && t->req_.keep_body && iequals(name, "content-length")) {
        const unsigned long long n = std::strtoull(std::string(value).c_str(), nullptr, 10);
        t->resp_.body.reserve(static_cast<std::size_t>(std::min<unsigned long long>(n, 64ULL << 20)));
      }
      t->resp_.headers.push_back({std::string(name), std::string(value)});
    }
  } catch (const std::bad_alloc&) {
    return 0;
  }
  return len;
}

std::chrono::milliseconds backoff(const retry_policy& p, int failed) {
  using ms = std::chrono::milliseconds;
  const int shift = std::clamp(failed - 1, 0, 30);
  const auto base = std::max<std::int64_t>(p.base_delay.count(), 0);
  const auto cap = std::max<std::int64_t>(p.max_delay.count(), 0);
  const std::int64_t grown = base > (cap >> shift) ? cap : std::min(cap, base << shift);
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return ms(std::uniform_int_distribution<std::int64_t>(0, grown)(rng));
}

error total_timeout_error(const request& r, int attempts, const std::string& last) {
  std::string text = describe(r) + "total timeout of " + std::to_string(r.total_timeout.count()) +
                     " ms exceeded after " + std::to_string(attempts) + (attempts == 1 ? " attempt" : " attempts");
  if (!last.empty()) text += " (last: " + last + ")";
  return {error::kind::timeout, text};
}

error with_attempts(const error& e, int attempt, int of) {
  if (attempt <= 1 || of <= 1) return e;  // not retried: nothing to add
  return {e.code(), std::string(e.what()) + " (attempt " + std::to_string(attempt) + " of " + std::to_string(of) + ")"};
}

retry_schedule::retry_schedule(const request& r)
    : r_(r),
      deadline_(std::chrono::steady_clock::now() + r.total_timeout),
      bounded_(r.total_timeout.count() > 0),
      attempts_(std::max(1, r.retry.attempts)) {}

std::chrono::milliseconds retry_schedule::begin_attempt() {
  ++attempt_;
  std::chrono::milliseconds per = r_.timeout;
  total_bounds_it_ = false;
  if (bounded_) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline_ - std::chrono::steady_clock::now());
    if (left.count() <= 0) throw total_timeout_error(r_, attempt_ - 1, last_failure_);
    if (per.count() == 0 || left < per) {
      per = left;
      total_bounds_it_ = true;
    }
  }
  return per;
}

std::optional<response> retry_schedule::finish(std::optional<response> resp, const std::optional<error>& err) {
  if (resp) {
    resp->attempts = attempt_;
    if (!retryable_status(resp->status) || attempt_ >= attempts_) return resp;
    last_failure_ = "HTTP " + std::to_string(resp->status);
  } else {
    if (err->code() == error::kind::timeout && total_bounds_it_) throw total_timeout_error(r_, attempt_, err->what());
    if (!err->transient() || attempt_ >= attempts_) throw with_attempts(*err, attempt_, attempts_);
    last_failure_ = err->what();
  }
  wait_ = backoff(r_.retry, attempt_);
  if (bounded_ && std::chrono::steady_clock::now() + wait_ >= deadline_) {
    // No time left for another attempt: the last outcome stands.
    if (resp) return resp;
    throw total_timeout_error(r_, attempt_, last_failure_);
  }
  return std::nullopt;
}

}  // namespace detail
}  // namespace duet::http
