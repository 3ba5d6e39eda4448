// run_fetch: gathers the job's URLs (arguments, a list file, stdin, a crawled list page), names
// the output files, runs the chosen mode and sums up.
#include "fetch/fetch.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "common/term.hpp"
#include "duet/runtime.hpp"
#include "fetch/job.hpp"

namespace duet_cli {

using fetch_detail::job_item;
using fetch_detail::job_recorder;

fetch_mode fetch_mode::parse(const std::string& text) {
  auto workers_of = [&](const std::string& rest) -> std::size_t {
    if (rest.empty()) return std::max(1u, std::thread::hardware_concurrency());
    std::size_t used = 0;
    unsigned long n = 0;
    try {
      n = std::stoul(rest, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != rest.size() || n == 0 || n > 10'000)
      throw std::invalid_argument("--mode " + text + ": the count must be a number from 1 to 10000");
    return n;
  };
  const std::size_t colon = text.find(':');
  const std::string name = text.substr(0, colon);
  const std::string rest = colon == std::string::npos ? "" : text.substr(colon + 1);
  if (name == "sequential" && colon == std::string::npos) return {sequential, 1};
  if (name == "async" && colon == std::string::npos) return {async, 1};
  if (name == "threads") {
    if (rest.empty()) throw std::invalid_argument("--mode threads needs a count: threads:N");
    return {threads, workers_of(rest)};
  }
  if (name == "processes") return {processes, workers_of(rest)};
  throw std::invalid_argument("--mode '" + text + "': expected sequential, threads:N, processes[:N] or async");
}

std::string fetch_mode::to_string() const {
  switch (kind) {
    case sequential:
      return "sequential";
    case threads:
      return "threads:" + std::to_string(workers);
    case processes:
      return "processes:" + std::to_string(workers);
    case async:
      break;
  }
  return "async";
}

namespace {

std::string read_stream(std::istream& in) { return {std::istreambuf_iterator<char>(in), {}}; }

// The job's URLs in order: arguments, then the list file (or stdin), then the crawl's links.
std::vector<url_entry> gather(const fetch_options& o, fetch_result& r) {
  std::vector<url_entry> entries;
  for (const std::string& u : o.urls) entries.push_back({.url = u});
  if (!o.input.empty()) {
    std::string text;
    if (o.input == "-") {
      text = read_stream(std::cin);
    } else {
      std::ifstream f(o.input, std::ios::binary);
      if (!f) throw std::runtime_error("--input " + o.input + ": cannot open the file");
      text = read_stream(f);
    }
    for (url_entry& e : parse_url_list(text)) entries.push_back(std::move(e));
  }
  if (!o.crawl.empty()) {
    const auto t0 = fetch_detail::clock::now();
    const std::string page = fetch_detail::fetch_text(o.crawl, o.timeout);
    r.list_s = std::chrono::duration<double>(fetch_detail::clock::now() - t0).count();
    std::vector<std::string> links = select_links(page, o.crawl, o.select);
    if (links.empty())
      throw std::runtime_error("--crawl " + o.crawl + ": no links" +
                               (o.select.empty() ? std::string() : " matching --select '" + o.select + "'") +
                               " on the page");
    r.list_links = links.size();
    for (std::string& l : links) entries.push_back({.url = std::move(l)});
  }
  if (entries.empty())
    throw std::invalid_argument("no URLs: give them as arguments, with --input FILE, on stdin, or with --crawl URL");
  return entries;
}

// `rt` may be null: the modes that need a runtime (async, processes) then start their own.
fetch_result run_job(const fetch_options& o, duet::runtime* rt) {
  fetch_result r;
  std::vector<url_entry> entries = gather(o, r);
  r.urls = entries.size();

  if (!o.output_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(o.output_dir, ec);
    if (ec || !std::filesystem::is_directory(o.output_dir))
      throw std::runtime_error("-o " + o.output_dir + ": cannot create the directory" +
                               (ec ? ": " + ec.message() : std::string()));
  }

  // Names are given out in URL order before anything runs, so they do not depend on which
  // download finishes first (and processes mode's children need them up front).
  job_recorder rec(entries.size(), o);
  std::vector<job_item> items;
  std::vector<std::pair<job_item, std::string>> invalid;
  unique_names names;
  for (url_entry& e : entries) {
    job_item it{.url = std::move(e.url)};
    if (!o.output_dir.empty()) {
      const std::string name = names.take(e.name.empty() ? file_name_for(it.url) : sanitize_file_name(e.name));
      it.path = (std::filesystem::path(o.output_dir) / name).string();
    }
    if (fetch_detail::valid_http_url(it.url))
      items.push_back(std::move(it));
    else
      invalid.emplace_back(std::move(it), "not a valid http:// or https:// URL");
  }

  rec.start();
  // Bad URLs fail at once, one line each; the rest still download.
  for (auto& [it, why] : invalid) rec.finished(0, it, {.error = why});
  std::pair<std::size_t, std::size_t> limits{0, 0};
  // One CPU worker is plenty: the async job runs on the io loop, the CPU pool only waits for it.
  const duet::runtime_options own_opts{.cpu_threads = 1, .name = "duet-fetch"};
  std::optional<duet::runtime> own;
  switch (o.mode.kind) {
    case fetch_mode::sequential:
      fetch_detail::run_blocking(items, 1, o, rec);
      limits = {1, std::min<std::size_t>(1, items.size())};
      break;
    case fetch_mode::threads:
      fetch_detail::run_blocking(items, o.mode.workers, o, rec);
      limits = {o.mode.workers, rec.peak_in_flight()};
      break;
    case fetch_mode::processes:
      fetch_detail::run_processes(items, o.mode.workers, o, rec, rt != nullptr ? *rt : own.emplace(own_opts));
      limits = {o.mode.workers, std::min(o.mode.workers, items.size())};
      break;
    case fetch_mode::async:
      limits = fetch_detail::run_async(items, o, rec, rt != nullptr ? *rt : own.emplace(own_opts));
      break;
  }
  rec.stop();
  r.wall_s = rec.wall_seconds();
  r.stats = rec.take_stats();
  r.errors = rec.take_errors();
  r.latency = summarize(r.stats.latencies);
  r.settled_concurrency = limits.first;
  r.peak_concurrency = limits.second;
  return r;
}

}  // namespace

fetch_result run_fetch(const fetch_options& o, duet::runtime& rt) { return run_job(o, &rt); }
fetch_result run_fetch(const fetch_options& o) { return run_job(o, nullptr); }

std::string format_summary(const fetch_result& r, const fetch_options& o) {
  std::ostringstream s;
  const double rate = r.wall_s > 0 ? static_cast<double>(r.stats.ok) / r.wall_s : 0;
  const double bps = r.wall_s > 0 ? static_cast<double>(r.stats.bytes) / r.wall_s : 0;
  s << "fetched " << group_digits(r.stats.ok) << " of " << group_digits(r.urls) << " URLs, "
    << format_bytes(r.stats.bytes) << " in " << format_seconds(r.wall_s) << " (" << o.mode.to_string();
  if (o.mode.kind == fetch_mode::async)
    s << (o.concurrency == 0 ? ", -c auto" : ", -c " + std::to_string(o.concurrency));
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.1f pages/s", rate);
  s << "; " << buf << ", " << format_bytes(static_cast<std::uint64_t>(bps)) << "/s)\n";
  if (r.list_s > 0)
    s << "  list page:   " << format_seconds(r.list_s) << " (" << r.list_links << " links), not counted above\n";
  if (r.latency.count != 0)
    s << "  latency:     p50 " << format_seconds(r.latency.p50) << ", p95 " << format_seconds(r.latency.p95) << ", p99 "
      << format_seconds(r.latency.p99) << ", max " << format_seconds(r.latency.max) << "\n";
  s << "  concurrency: ";
  if (o.mode.kind == fetch_mode::async && o.concurrency == 0)
    s << "settled at " << r.settled_concurrency << ", peak " << r.peak_concurrency << " in flight\n";
  else
    s << r.settled_concurrency << " (fixed), peak " << r.peak_concurrency << " in flight\n";
  s << "  errors:      " << r.stats.failed;
  if (r.stats.retried != 0) s << " (" << r.stats.retried << " retries)";
  s << "\n";
  return s.str();
}

namespace {
// A JSON string literal (RFC 8259: quote, backslash and control characters escaped).
std::string json_string(std::string_view v) {
  std::string out = "\"";
  for (const char c : v) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string json_number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6f", v);
  return buf;
}
}  // namespace

std::string format_summary_json(const fetch_result& r, const fetch_options& o) {
  // Appended piece by piece: g++ 12 at -O3 warns falsely (-Wrestrict) on chains of
  // `literal + std::string`.
  std::string j;
  auto field = [&j](const char* name, const std::string& value) {
    j.append(j.empty() ? "{\"" : ",\"").append(name).append("\":").append(value);
  };
  field("mode", json_string(o.mode.to_string()));
  field("concurrency", o.concurrency == 0 ? std::string("\"auto\"") : std::to_string(o.concurrency));
  field("urls", std::to_string(r.urls));
  field("pages", std::to_string(r.stats.ok));
  field("failed", std::to_string(r.stats.failed));
  field("retries", std::to_string(r.stats.retried));
  field("bytes", std::to_string(r.stats.bytes));
  field("wall_s", json_number(r.wall_s));
  field("list_s", json_number(r.list_s));
  field("list_links", std::to_string(r.list_links));
  std::string lat = "{\"p50\":";
  lat.append(json_number(r.latency.p50)).append(",\"p95\":").append(json_number(r.latency.p95));
  lat.append(",\"p99\":").append(json_number(r.latency.p99)).append(",\"max\":").append(json_number(r.latency.max));
  lat.append("}");
  field("latency_s", lat);
  field("settled_concurrency", std::to_string(r.settled_concurrency));
  field("peak_concurrency", std::to_string(r.peak_concurrency));
  std::string errs = "[";
  for (std::size_t i = 0; i < r.errors.size(); ++i) {
    if (i != 0) errs.append(",");
    errs.append(json_string(r.errors[i]));
  }
  errs.append("]");
  field("errors", errs);
  j.append("}");
  return j;
}

namespace fetch_detail {

std::chrono::milliseconds retry_delay(int attempt, std::mt19937_64& rng) {
  const double cap = std::min(5000.0, 100.0 * std::pow(2.0, std::min(attempt, 16)));
  std::uniform_real_distribution<double> d(0, cap);
  return std::chrono::milliseconds(static_cast<long>(d(rng)));
}

std::string error_line(const std::string& url, const std::string& reason) {
  // The HTTP client's messages start with "duet: "; the line gets its own prefix.
  std::string_view r = reason;
  if (r.substr(0, 6) == "duet: ") r.remove_prefix(6);
  if (r.find(url) != std::string_view::npos) return std::string(r);
  std::string line = url;
  line.append(": ").append(r);
  return line;
}

job_recorder::job_recorder(std::size_t total, const fetch_options& o) : o_(o), total_(total) {
  if (!o.quiet && !o.events && o.progress != progress_style::none) progress_.emplace("fetch", o.progress);
}

void job_recorder::start() {
  std::lock_guard lock(mu_);
  start_ = clock::now();
  running_ = true;
}

void job_recorder::started() {
  std::lock_guard lock(mu_);
  ++in_flight_;
  peak_ = std::max(peak_, in_flight_);
}

void job_recorder::finished(std::size_t index, const job_item& item, const item_outcome& out) {
  std::lock_guard lock(mu_);
  if (in_flight_ > 0) --in_flight_;
  ++done_;
  if (out.attempts > 1) stats_.retried += static_cast<std::size_t>(out.attempts - 1);
  if (out.error.empty()) {
    stats_.record_ok(out.bytes, out.seconds);
  } else {
    ++stats_.failed;
    errors_.push_back(error_line(item.url, out.error));
  }
  if (o_.events) {
    // Written whole under the lock: the parent reads whole lines.
    const std::string line = event_line(index, out);
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fflush(stdout);
    return;
  }
  if (!out.error.empty() && !o_.quiet) {
    const std::string line = "duet fetch: " + errors_.back();
    if (progress_) {
      mu_.unlock();  // message() takes the reporter's own lock; ours protects only counters
      progress_->message(line);
      mu_.lock();
    } else {
      std::fprintf(stderr, "%s\n", line.c_str());
    }
  }
  if (progress_) {
    const double elapsed = std::chrono::duration<double>(clock::now() - start_).count();
    progress_->update({.done = done_,
                       .total = total_,
                       .failed = stats_.failed,
                       .bytes = stats_.bytes,
                       .in_flight = in_flight_,
                       .elapsed = elapsed});
  }
}

void job_recorder::stop() {
  std::lock_guard lock(mu_);
  if (running_) stop_ = clock::now();
  running_ = false;
  if (progress_) progress_->finish();
}

void job_recorder::message(const std::string& line) {
  if (progress_)
    progress_->message(line);
  else
    std::fprintf(stderr, "%s\n", line.c_str());
}

double job_recorder::wall_seconds() const {
  std::lock_guard lock(mu_);
  return std::chrono::duration<double>((running_ ? clock::now() : stop_) - start_).count();
}

std::size_t job_recorder::peak_in_flight() const {
  std::lock_guard lock(mu_);
  return peak_;
}

transfer_stats job_recorder::take_stats() {
  std::lock_guard lock(mu_);
  return std::move(stats_);
}

std::vector<std::string> job_recorder::take_errors() {
  std::lock_guard lock(mu_);
  return std::move(errors_);
}

// Tab-separated: index, status, bytes, seconds, attempts, error (tabs and newlines in the
// error replaced by spaces).
std::string event_line(std::size_t index, const item_outcome& out) {
  std::string err = out.error;
  std::replace_if(err.begin(), err.end(), [](char c) { return c == '\t' || c == '\n' || c == '\r'; }, ' ');
  char buf[128];
  std::snprintf(buf, sizeof buf, "%zu\t%d\t%llu\t%.9f\t%d\t", index, out.status,
                static_cast<unsigned long long>(out.bytes), out.seconds, out.attempts);
  return buf + err + "\n";
}

std::optional<std::pair<std::size_t, item_outcome>> parse_event_line(const std::string& line) {
  std::vector<std::string> f;
  std::size_t pos = 0;
  for (int i = 0; i < 5; ++i) {
    const std::size_t tab = line.find('\t', pos);
    if (tab == std::string::npos) return std::nullopt;
    f.push_back(line.substr(pos, tab - pos));
    pos = tab + 1;
  }
  try {
    item_outcome out{.status = std::stoi(f[1]),
                     .bytes = std::stoull(f[2]),
                     .seconds = std::stod(f[3]),
                     .attempts = std::stoi(f[4]),
                     .error = line.substr(pos)};
    return std::pair{static_cast<std::size_t>(std::stoull(f[0])), std::move(out)};
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace fetch_detail
}  // namespace duet_cli
