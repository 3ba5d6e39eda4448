// Latency and transfer statistics for the duet tool: what a run of many requests reports at the
// end (pages, bytes, p50/p95/p99).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace duet_cli {

/// Percentiles of a set of durations, in seconds (nearest-rank: every value is one that was
/// measured, as in HdrHistogram and wrk).
struct latency_summary {
  std::size_t count = 0;
  double min = 0, p50 = 0, p95 = 0, p99 = 0, max = 0, mean = 0;
};

/// The nearest-rank `q`-quantile (0 < q <= 1) of `sorted` (ascending); 0 for an empty set.
[[nodiscard]] double nearest_rank(const std::vector<double>& sorted, double q);
/// Summarises `seconds` (any order).
[[nodiscard]] latency_summary summarize(std::vector<double> seconds);

/// What a set of downloads amounted to; merge() adds another set (a child process's, say).
struct transfer_stats {
  std::size_t ok = 0;               ///< URLs downloaded (HTTP status < 400)
  std::size_t failed = 0;           ///< URLs that failed in the end (after retries)
  std::size_t retried = 0;          ///< extra attempts made
  std::uint64_t bytes = 0;          ///< body bytes of the URLs downloaded
  std::vector<double> latencies{};  ///< seconds per downloaded URL, last attempt

  void record_ok(std::uint64_t body_bytes, double seconds) {
    ++ok;
    bytes += body_bytes;
    latencies.push_back(seconds);
  }
  void merge(const transfer_stats& o);
};

}  // namespace duet_cli
