// `duet fetch` as a library: download many URLs the tutorial's ways (one by one, a thread pool,
// a process pool, or async on duet's io loop with an adaptive concurrency limit) and report
// what it took. The command line (fetch/command.cpp) and `duet demo` both call run_fetch().
//
//     duet_cli::fetch_options o{.crawl = "http://127.0.0.1:8080/", .select = "/page/",
//                               .mode = {duet_cli::fetch_mode::async}, .quiet = true};
//     duet::runtime rt;
//     duet_cli::fetch_result r = duet_cli::run_fetch(o, rt);   // r.wall_s, r.stats.latencies ...
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/limiter.hpp"
#include "common/progress.hpp"
#include "common/stats.hpp"
#include "fetch/urls.hpp"

namespace duet {
class runtime;
}

namespace duet_cli {

/// How the downloads run: the tutorial's four ways.
struct fetch_mode {
  enum kind_t { sequential, threads, processes, async };
  kind_t kind = async;
  std::size_t workers = 1;  ///< threads or processes (ignored for sequential and async)

  /// Parses "sequential", "threads:N", "processes:N" ("processes" = one per CPU), "async";
  /// throws std::invalid_argument naming the text.
  static fetch_mode parse(const std::string& text);
  /// "sequential", "threads:16", "processes:2", "async".
  [[nodiscard]] std::string to_string() const;
};

struct fetch_options {
  std::vector<std::string> urls{};  ///< URLs to fetch
  std::string input{};              ///< a URL list file ("-" = stdin), read in addition to `urls`
  std::string crawl{};              ///< a list page: fetch it first and take its links
  std::string select{};             ///< with `crawl`: only hrefs matching this regex
  std::string output_dir{};         ///< write each body here; empty = count the bytes, keep nothing
  fetch_mode mode{};
  std::size_t concurrency = 0;                ///< requests in flight (async); 0 = adaptive (`-c auto`)
  std::size_t io_threads = 0;                 ///< async: io loops driving the transfers; 0 = one per core, at most 4
  limiter_options limiter{};                  ///< the adaptive limit's parameters (max = the ceiling)
  std::chrono::milliseconds timeout{30'000};  ///< per request attempt; 0 = none
  int retries = 2;                            ///< extra attempts for transient failures
  progress_style progress = progress_style::automatic;
  bool quiet = false;      ///< no progress and no per-URL error lines (the demo)
  std::string self_exe{};  ///< the `duet` binary for processes mode; empty = this program
  bool events = false;     ///< internal: processes mode's children report each URL as a line on stdout
};

/// What a fetch run did.
struct fetch_result {
  std::size_t urls = 0;  ///< URLs in the job (after the crawl)
  transfer_stats stats{};
  latency_summary latency{};            ///< of stats.latencies
  double wall_s = 0;                    ///< from the first request of the job to the last response
  double list_s = 0;                    ///< the crawl's list page fetch (0 without --crawl)
  std::size_t list_links = 0;           ///< links the crawl selected
  std::size_t settled_concurrency = 0;  ///< the limit it settled on (async), else the workers
  std::size_t peak_concurrency = 0;     ///< most requests in flight at once
  std::vector<std::string> errors{};    ///< one line per failed URL ("URL: what went wrong")
  [[nodiscard]] bool ok() const noexcept { return stats.failed == 0; }
};

/// Runs the job `o` describes; the async mode runs on `rt`'s io loop. Call it from outside the
/// runtime's threads. Throws std::invalid_argument / std::runtime_error for a job that cannot
/// start (no URLs, a bad --select pattern, a list page that cannot be fetched, an output
/// directory that cannot be created); failures of single URLs are in the result instead.
fetch_result run_fetch(const fetch_options& o, duet::runtime& rt);
/// The same with a runtime of its own, started only for the modes that use one (async and
/// processes; sequential and threads block plain threads, as the tutorial's versions do).
fetch_result run_fetch(const fetch_options& o);

/// The human-readable summary of `r` (several lines, ending with a newline).
[[nodiscard]] std::string format_summary(const fetch_result& r, const fetch_options& o);
/// The summary as one line of JSON (`duet fetch --json`, for scripts and bench/http/run_client).
[[nodiscard]] std::string format_summary_json(const fetch_result& r, const fetch_options& o);

}  // namespace duet_cli
