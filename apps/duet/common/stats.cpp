#include "common/stats.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace duet_cli {

double nearest_rank(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  // Nearest rank: the smallest value with at least q of the set at or below it.
  const auto n = static_cast<double>(sorted.size());
  auto rank = static_cast<std::size_t>(std::ceil(q * n));
  rank = std::clamp<std::size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

latency_summary summarize(std::vector<double> seconds) {
  latency_summary s;
  s.count = seconds.size();
  if (seconds.empty()) return s;
  std::sort(seconds.begin(), seconds.end());
  s.min = seconds.front();
  s.max = seconds.back();
  s.p50 = nearest_rank(seconds, 0.50);
  s.p95 = nearest_rank(seconds, 0.95);
  s.p99 = nearest_rank(seconds, 0.99);
  s.mean = std::accumulate(seconds.begin(), seconds.end(), 0.0) / static_cast<double>(seconds.size());
  return s;
}

void transfer_stats::merge(const transfer_stats& o) {
  ok += o.ok;
  failed += o.failed;
  retried += o.retried;
  bytes += o.bytes;
  latencies.insert(latencies.end(), o.latencies.begin(), o.latencies.end());
}

}  // namespace duet_cli
