// The embedded site: deterministic pages, latency, jitter, injected errors and the cap.
#include "common/site.hpp"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cmath>
#include <stdexcept>
#include <vector>

#include "duet/io/timer.hpp"
#include "duet/task/on.hpp"

namespace duet_cli {

using duet::http::server_request;
using duet::http::server_response;

namespace {

// SplitMix64 (Steele, Lea, Flood: "Fast splittable pseudorandom number generators", 2014):
// one well-mixed 64-bit value per input, so every (seed, page, attempt) has its own dice.
std::uint64_t mix(std::uint64_t x) noexcept {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// A uniform double in [0, 1) from 53 random bits.
double unit(std::uint64_t r) noexcept { return static_cast<double>(r >> 11) * 0x1.0p-53; }

// 64 KiB of lowercase words, made once: every page is a window into it (cheap to copy, and
// different for each page).
const std::string& filler() {
  static const std::string text = [] {
    static constexpr std::string_view words[] = {"river",  "mountain", "capital", "people",  "language", "border",
                                                 "coast",  "valley",   "desert",  "forest",  "harbour",  "plain",
                                                 "island", "market",   "railway", "province"};
    std::string t;
    t.reserve(64 * 1024 + 16);
    std::uint64_t state = 42;
    while (t.size() < std::size_t{64} * 1024) {
      state = mix(state);
      t += words[state % 16];
      t += (state >> 8) % 11 == 0 ? ".\n" : " ";
    }
    t.resize(std::size_t{64} * 1024);
    return t;
  }();
  return text;
}

std::string page_head(std::size_t i) {
  const std::string n = std::to_string(i);
  return "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Country " + n +
         "</title></head>\n<body><h1>Country " + n + "</h1>\n<p>";
}
constexpr std::string_view page_tail = "</p>\n</body></html>\n";

// Parses the page number out of "<i>.html"; false for anything else.
bool page_number(std::string_view rest, std::size_t pages, std::size_t& i) {
  if (!rest.ends_with(".html")) return false;
  rest.remove_suffix(5);
  if (rest.empty() || (rest.size() > 1 && rest.front() == '0')) return false;
  const auto r = std::from_chars(rest.data(), rest.data() + rest.size(), i);
  return r.ec == std::errc() && r.ptr == rest.data() + rest.size() && i < pages;
}

}  // namespace

struct site::state {
  explicit state(const site_options& o) : opts(o), attempts(o.pages) {}
  site_options opts;
  std::vector<std::atomic<std::uint32_t>> attempts;  // requests seen per page (for the dice)
  // Counters: relaxed, statistics only (in_flight is a count compared with the cap; a request
  // admitted one too early or late under a race is harmless).
  std::atomic<std::uint64_t> in_flight{0}, peak{0}, served{0}, errors{0}, rejected{0};
};

std::string site_page_path(std::size_t i) { return "/country/" + std::to_string(i) + ".html"; }

std::string site_page(std::size_t i, std::size_t page_size) {
  std::string page = page_head(i);
  const std::size_t fixed = page.size() + page_tail.size();
  if (page_size > fixed) {
    const std::string& text = filler();
    std::size_t need = page_size - fixed;
    std::size_t at = static_cast<std::size_t>(mix(i) % text.size());
    page.reserve(page_size);
    while (need > 0) {
      const std::size_t n = std::min(need, text.size() - at);
      page.append(text, at, n);
      need -= n;
      at = 0;
    }
  }
  page += page_tail;
  return page;
}

std::string site_list_page(std::size_t pages) {
  std::string html =
      "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Countries</title></head>\n<body>\n"
      "<h1>Countries</h1>\n<ul>\n";
  for (std::size_t i = 0; i < pages; ++i) {
    const std::string n = std::to_string(i);
    html += "<li><a href=\"/country/";
    html += n;
    html += ".html\">Country ";
    html += n;
    html += "</a></li>\n";
  }
  html += "</ul>\n</body></html>\n";
  return html;
}

std::chrono::milliseconds parse_duration(std::string_view text) {
  double value = 0;
  const auto r = std::from_chars(text.data(), text.data() + text.size(), value);
  if (r.ec != std::errc() || !std::isfinite(value) || value < 0)
    throw std::invalid_argument("not a duration: '" + std::string(text) + "' (try 590ms or 1.5s)");
  const std::string_view unit(r.ptr, static_cast<std::size_t>(text.data() + text.size() - r.ptr));
  double ms = 0;
  if (unit.empty() || unit == "ms")
    ms = value;
  else if (unit == "s")
    ms = value * 1000;
  else if (unit == "us")
    ms = value / 1000;
  else if (unit == "m" || unit == "min")
    ms = value * 60'000;
  else
    throw std::invalid_argument("unknown unit in duration '" + std::string(text) + "' (use ms, s, us or min)");
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(ms)));
}

site::site(const site_options& opts) : opts_(opts), state_(std::make_shared<state>(opts)) {
  if (opts.error_rate < 0 || opts.error_rate > 1)
    throw std::invalid_argument("site: error rate " + std::to_string(opts.error_rate) + " is not in [0, 1]");
  const std::string list = site_list_page(opts.pages);
  server_.route("GET", "/", [list](server_request&) -> duet::task<server_response> {
    co_return server_response::html(list);  // at once: the list is not a page
  });
  auto st = state_;
  server_.route_prefix("GET", "/country/", [st](server_request& req) -> duet::task<server_response> {
    const site_options& o = st->opts;
    std::size_t i = 0;
    if (!page_number(req.path_rest, o.pages, i)) co_return server_response::text(404, "no such page\n");
    const std::uint64_t now = st->in_flight.fetch_add(1, std::memory_order_relaxed) + 1;
    if (o.max_concurrent != 0 && now > o.max_concurrent) {
      st->in_flight.fetch_sub(1, std::memory_order_relaxed);
      st->rejected.fetch_add(1, std::memory_order_relaxed);
      co_return server_response::text(503, "over capacity\n").header("Retry-After", "1");
    }
    std::uint64_t peak = st->peak.load(std::memory_order_relaxed);
    while (now > peak && !st->peak.compare_exchange_weak(peak, now, std::memory_order_relaxed)) {
    }
    // The dice for this page's n-th request: a retry of a failed page gets a fresh roll.
    const std::uint64_t attempt = st->attempts[i].fetch_add(1, std::memory_order_relaxed);
    const std::uint64_t r = mix(o.seed ^ mix(i * 0x100000001b3ULL + attempt));
    auto delay = o.latency;
    if (o.jitter.count() > 0) {
      const double off = (unit(r) * 2 - 1) * static_cast<double>(o.jitter.count());
      delay = std::max(std::chrono::milliseconds(0),
                       o.latency + std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(off))));
    }
    const bool fail = o.error_rate > 0 && unit(mix(r)) < o.error_rate;
    try {
      if (delay.count() > 0) co_await duet::sleep_for(delay);
    } catch (...) {
      st->in_flight.fetch_sub(1, std::memory_order_relaxed);
      throw;
    }
    st->in_flight.fetch_sub(1, std::memory_order_relaxed);
    if (fail) {
      st->errors.fetch_add(1, std::memory_order_relaxed);
      co_return server_response::text(503, "injected error\n");
    }
    st->served.fetch_add(1, std::memory_order_relaxed);
    co_return server_response::html(site_page(i, o.page_size));
  });
}

site::~site() {
  try {
    stop();
  } catch (...) {  // NOLINT(bugprone-empty-catch): a destructor must not throw; the runtime's shutdown ends the rest
  }
}

void site::listen(std::uint16_t port, duet::io_loop& loop) {
  server_.listen(duet::socket_address::ip("127.0.0.1", port), loop);
  loop_ = &loop;
  port_ = server_.local_address().port();
}

duet::task<void> site::run() {
  // The connections become tasks on the io loop's thread: a page's work is a timer and a copy,
  // and on the loop a request costs no hop between threads (a CPU-pool connection that waits
  // is woken by the loop and handed back to a worker). bench/http/run_server measures both.
  if (loop_ == nullptr) throw std::logic_error("duet_cli::site::run: call listen() first");
  co_await duet::on(*loop_);
  co_await server_.run();
}

void site::start(duet::runtime& rt, std::uint16_t port) {
  listen(port, rt.io());
  running_ = rt.spawn(run());
}

void site::stop() {
  server_.stop();
  if (running_.valid()) {
    auto h = std::move(running_);
    h.get();
  }
}

std::uint16_t site::port() const { return port_; }

std::string site::url(std::string_view path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
}

site_stats site::stats() const noexcept {
  return {.pages_served = state_->served.load(std::memory_order_relaxed),
          .errors = state_->errors.load(std::memory_order_relaxed),
          .rejected = state_->rejected.load(std::memory_order_relaxed),
          .peak_in_flight = state_->peak.load(std::memory_order_relaxed)};
}

}  // namespace duet_cli
