// Internal to `duet fetch`: one job's URLs and the bookkeeping every mode shares (statistics,
// progress, one error line per failed URL). The modes live in easy.cpp (sequential, threads),
// async.cpp and processes.cpp.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "common/progress.hpp"
#include "common/stats.hpp"
#include "fetch/fetch.hpp"

namespace duet {
class runtime;
}

namespace duet_cli::fetch_detail {

using clock = std::chrono::steady_clock;

/// One URL of the job and where its body goes.
struct job_item {
  std::string url;
  std::string path{};  ///< output file; empty = keep nothing
};

/// How one URL ended (after its retries).
struct item_outcome {
  int status = 0;           ///< HTTP status, 0 without a response
  std::uint64_t bytes = 0;  ///< body bytes
  double seconds = 0;       ///< the last attempt's latency
  int attempts = 1;         ///< tries made (the retries are attempts - 1)
  std::string error{};      ///< empty = downloaded; else one line saying what went wrong
};

/// HTTP statuses worth retrying: the server is overloaded or a proxy could not reach it.
inline bool transient_status(int status) { return status == 429 || status == 502 || status == 503 || status == 504; }

/// The wait before retry number `attempt` (1, 2, ...): exponential backoff with "full jitter"
/// (uniform in [0, min(5 s, 100 ms * 2^attempt)]), which spreads retries of a burst of
/// failures (AWS Architecture Blog, "Exponential Backoff And Jitter", 2015).
std::chrono::milliseconds retry_delay(int attempt, std::mt19937_64& rng);

/// The error line of a failed URL: "URL: reason" (a reason that already names the URL is kept
/// as it is).
std::string error_line(const std::string& url, const std::string& reason);

/// Counts, times and reports the job; every member is safe to call from many threads.
class job_recorder {
 public:
  job_recorder(std::size_t total, const fetch_options& o);
  /// The clock starts (the first request of the job is about to go).
  void start();
  void started();
  /// Item `index` (its place in the job) ended.
  void finished(std::size_t index, const job_item& item, const item_outcome& out);
  /// Stops the clock and clears the progress bar.
  void stop();

  [[nodiscard]] double wall_seconds() const;
  [[nodiscard]] std::size_t peak_in_flight() const;
  transfer_stats take_stats();
  std::vector<std::string> take_errors();
  /// A line for the user, through the progress reporter (so it does not tear the bar).
  void message(const std::string& line);

 private:
  mutable std::mutex mu_;
  const fetch_options& o_;
  std::size_t total_;
  std::size_t done_ = 0;
  std::size_t in_flight_ = 0;
  std::size_t peak_ = 0;
  transfer_stats stats_;
  std::vector<std::string> errors_;
  std::optional<progress_reporter> progress_;
  clock::time_point start_{};
  clock::time_point stop_{};
  bool running_ = false;
};

// The modes. Each runs `items` (indices into `all` in `order`) and reports to `rec`.
void run_blocking(const std::vector<job_item>& items, std::size_t threads, const fetch_options& o, job_recorder& rec);
/// Returns {settled limit, peak in flight}.
std::pair<std::size_t, std::size_t> run_async(const std::vector<job_item>& items, const fetch_options& o,
                                              job_recorder& rec, duet::runtime& rt);
void run_processes(const std::vector<job_item>& items, std::size_t workers, const fetch_options& o, job_recorder& rec,
                   duet::runtime& rt);

/// GETs `url` with a blocking libcurl call and returns the body; throws std::runtime_error
/// naming the URL and the problem (HTTP status >= 400 included). For the crawl's list page.
std::string fetch_text(const std::string& url, std::chrono::milliseconds timeout);
/// True for an absolute http:// or https:// URL libcurl can parse.
bool valid_http_url(const std::string& url);
/// Processes mode's children: one line per finished URL on stdout, parsed by the parent.
std::string event_line(std::size_t index, const item_outcome& out);
std::optional<std::pair<std::size_t, item_outcome>> parse_event_line(const std::string& line);

}  // namespace duet_cli::fetch_detail
