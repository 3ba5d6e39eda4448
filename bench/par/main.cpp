// The data-parallel benchmarks of issue 3: duet::par against oneTBB, OpenMP, std::execution::par
// and par_unseq (GCC's parallel STL on oneTBB) and sequential std::, in one process, with ratios.
//
//   par_bench [--rounds N] [--threads N] [--scale X] [--workloads sum,map,sort,scan,filter]
//             [--settle-ms N] [--markdown]
//
// Every workload allocates its arrays once; each round runs every implementation once, in a
// rotating order, after a short pause (`--settle-ms`) that lets the previous runtime's spinning
// threads go to sleep. The table shows the median over the rounds (and the minimum). Each
// implementation's output is checked against the sequential one before timing.
#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "peers.hpp"

namespace {

using namespace parbench;
using clock_type = std::chrono::steady_clock;

const peer* const peers[] = {&duet_peer, &tbb_peer, &omp_peer, &pstl_par_peer, &pstl_unseq_peer, &seq_peer};
constexpr std::size_t npeers = std::size(peers);

struct config {
  int rounds = 7;
  int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  double scale = 1.0;
  int settle_ms = 40;
  bool markdown = false;
  std::vector<std::string> workloads{"sum", "map", "sort", "scan", "filter"};
};

[[noreturn]] void usage(const char* why) {
  if (why != nullptr) std::fprintf(stderr, "par_bench: %s\n", why);
  std::fprintf(stderr,
               "usage: par_bench [--rounds N] [--threads N] [--scale X] [--workloads sum,map,sort,scan,filter]\n"
               "                 [--settle-ms N] [--markdown]\n");
  std::exit(2);
}

config parse(int argc, char** argv) {
  config c;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(("missing value for " + a).c_str());
      return argv[++i];
    };
    if (a == "--rounds") {
      c.rounds = std::max(1, std::atoi(value().c_str()));
    } else if (a == "--threads") {
      c.threads = std::max(1, std::atoi(value().c_str()));
    } else if (a == "--scale") {
      c.scale = std::atof(value().c_str());
      if (!(c.scale > 0.0 && c.scale <= 1.0)) usage("--scale takes a number in (0, 1]");
    } else if (a == "--settle-ms") {
      c.settle_ms = std::max(0, std::atoi(value().c_str()));
    } else if (a == "--workloads") {
      c.workloads.clear();
      std::stringstream in(value());
      for (std::string w; std::getline(in, w, ',');) c.workloads.push_back(w);
    } else if (a == "--markdown") {
      c.markdown = true;
    } else {
      usage(a == "--help" ? nullptr : ("unknown argument " + a).c_str());
    }
  }
  return c;
}

double seconds_since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t m = v.size() / 2;
  return v.size() % 2 != 0 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

std::uint64_t splitmix(std::uint64_t& s) {
  std::uint64_t z = (s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// An order-sensitive checksum of an output, to compare implementations.
template <class T>
std::uint64_t checksum(const T* a, std::size_t n) {
  std::uint64_t h = 0;
  for (std::size_t i = 0; i < n; ++i) h = h * 1099511628211ull + static_cast<std::uint64_t>(a[i]);
  return h;
}

/// One workload: `prepare(p)` (untimed) sets up the input of peer p's run, `run(p)` is timed and
/// returns a checksum of its result.
struct workload {
  std::string name, title;
  double bytes = 0;  // bytes the run must read at least, for GB/s (0: not shown)
  std::function<void()> prepare;
  std::function<std::uint64_t(const peer&)> run;
  std::function<bool(std::uint64_t want, std::uint64_t got)> same = [](std::uint64_t a, std::uint64_t b) {
    return a == b;
  };
};

struct row {
  std::string name, title;
  double bytes = 0;
  std::vector<double> median_s, min_s;  // per peer
  double read_all_s = 0, read_one_s = 0;
};

row measure(const config& cfg, workload& w) {
  row r{w.name, w.title, w.bytes, std::vector<double>(npeers), std::vector<double>(npeers)};
  // Check every peer against the sequential result (this also warms every runtime up).
  w.prepare();
  const std::uint64_t want = w.run(seq_peer);
  for (const peer* p : peers) {
    w.prepare();
    const std::uint64_t got = w.run(*p);
    if (!w.same(want, got)) {
      std::fprintf(stderr, "par_bench: %s: %s gives a different result\n", w.name.c_str(), p->name);
      std::exit(1);
    }
  }
  std::vector<std::vector<double>> times(npeers);
  for (int round = 0; round < cfg.rounds; ++round) {
    for (std::size_t k = 0; k < npeers; ++k) {
      const std::size_t i = (k + static_cast<std::size_t>(round)) % npeers;
      w.prepare();
      std::this_thread::sleep_for(std::chrono::milliseconds(cfg.settle_ms));
      const auto t0 = clock_type::now();
      w.run(*peers[i]);
      times[i].push_back(seconds_since(t0));
    }
    std::fprintf(stderr, ".");
  }
  for (std::size_t i = 0; i < npeers; ++i) {
    r.median_s[i] = median(times[i]);
    r.min_s[i] = *std::min_element(times[i].begin(), times[i].end());
  }
  std::fprintf(stderr, " %s done\n", w.name.c_str());
  return r;
}

std::size_t best_peer(const row& r) {  // fastest of tbb, omp, std-par, std-unseq
  std::size_t best = 1;
  for (std::size_t i = 2; i + 1 < npeers; ++i)
    if (r.median_s[i] < r.median_s[best]) best = i;
  return best;
}

void print_text(const config& cfg, const std::vector<row>& rows) {
  std::printf("\nthreads %d, rounds %d, scale %g; median (min) per call\n", cfg.threads, cfg.rounds, cfg.scale);
  for (const row& r : rows) {
    std::printf("\n%s\n", r.title.c_str());
    for (std::size_t i = 0; i < npeers; ++i) {
      std::printf("  %-10s %9.1f ms (%8.1f)  x%5.2f vs seq  duet/this %5.2f", peers[i]->name, r.median_s[i] * 1e3,
                  r.min_s[i] * 1e3, r.median_s.back() / r.median_s[i], r.median_s[0] / r.median_s[i]);
      if (r.bytes > 0) std::printf("  %6.1f GB/s", r.bytes / r.median_s[i] * 1e-9);
      std::printf("\n");
    }
    if (r.read_all_s > 0) {
      std::printf("  read, all threads %9.1f ms  %6.1f GB/s  (duet reaches %.1f%% of it)\n", r.read_all_s * 1e3,
                  r.bytes / r.read_all_s * 1e-9, 100.0 * r.read_all_s / r.median_s[0]);
      std::printf("  read, one thread  %9.1f ms  %6.1f GB/s\n", r.read_one_s * 1e3, r.bytes / r.read_one_s * 1e-9);
    }
    const std::size_t b = best_peer(r);
    std::printf("  duet / best peer (%s): %.3f\n", peers[b]->name, r.median_s[0] / r.median_s[b]);
  }
}

void print_markdown(const std::vector<row>& rows) {
  std::printf("\n| workload |");
  for (const peer* p : peers) std::printf(" %s |", p->name);
  std::printf(" duet ÷ best peer | duet speed-up vs seq |\n|---|");
  for (std::size_t i = 0; i < npeers; ++i) std::printf("---:|");
  std::printf("---:|---:|\n");
  for (const row& r : rows) {
    std::printf("| %s |", r.title.c_str());
    for (std::size_t i = 0; i < npeers; ++i) {
      std::printf(" %.1f ms", r.median_s[i] * 1e3);
      if (r.bytes > 0) std::printf(" (%.1f GB/s)", r.bytes / r.median_s[i] * 1e-9);
      std::printf(" |");
    }
    const std::size_t b = best_peer(r);
    std::printf(" **%.2f** (%s) | %.2f× |\n", r.median_s[0] / r.median_s[b], peers[b]->name,
                r.median_s.back() / r.median_s[0]);
  }
  for (const row& r : rows) {
    if (r.read_all_s <= 0) continue;
    std::printf(
        "\n%s: plain read of the array, all threads %.1f GB/s, one thread %.1f GB/s; duet's sum reaches "
        "%.1f%% of the all-threads read.\n",
        r.title.c_str(), r.bytes / r.read_all_s * 1e-9, r.bytes / r.read_one_s * 1e-9,
        100.0 * r.read_all_s / r.median_s[0]);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const config cfg = parse(argc, argv);
  for (const peer* p : peers) p->init(cfg.threads);
  auto scaled = [&](double n) { return static_cast<std::size_t>(n * cfg.scale); };
  std::vector<row> rows;
  std::uint64_t seed = 1;

  for (const std::string& name : cfg.workloads) {
    if (name == "sum") {
      const std::size_t n = scaled(200e6);
      std::vector<double> a(n);
      for (auto& x : a) x = static_cast<double>(splitmix(seed) >> 11) * 0x1p-53;
      workload w{"sum", "sum of " + std::to_string(n / 1'000'000) + "M doubles", 8.0 * static_cast<double>(n), [] {},
                 [&](const peer& p) { return std::bit_cast<std::uint64_t>(p.sum(a.data(), n)); }};
      w.same = [](std::uint64_t x, std::uint64_t y) {
        const double a = std::bit_cast<double>(x), b = std::bit_cast<double>(y);
        return std::abs(a - b) <= 1e-9 * std::abs(a);
      };
      row r = measure(cfg, w);
      // The bandwidth limit, measured the same way: median of rounds.
      std::vector<double> all, one;
      std::uint64_t sink = 0;
      for (int round = 0; round < cfg.rounds; ++round) {
        std::this_thread::sleep_for(std::chrono::milliseconds(cfg.settle_ms));
        auto t0 = clock_type::now();
        sink += read_all_threads(a.data(), n);
        all.push_back(seconds_since(t0));
        std::this_thread::sleep_for(std::chrono::milliseconds(cfg.settle_ms));
        t0 = clock_type::now();
        sink += read_one_thread(a.data(), n);
        one.push_back(seconds_since(t0));
      }
      if (sink == 42) std::printf(" ");
      r.read_all_s = median(all);
      r.read_one_s = median(one);
      rows.push_back(r);
    } else if (name == "map") {
      const std::size_t n = scaled(100e6);
      std::vector<int> in(n), out(n);
      for (auto& x : in) x = static_cast<int>(splitmix(seed) >> 40);
      workload w{"map", "map(x * 2) of " + std::to_string(n / 1'000'000) + "M ints", 0, [] {},
                 [&](const peer& p) {
                   p.map(in.data(), out.data(), n);
                   return checksum(out.data(), n);
                 }};
      rows.push_back(measure(cfg, w));
    } else if (name == "sort") {
      const std::size_t n = scaled(50e6);
      std::vector<std::uint64_t> in(n), work(n);
      for (auto& x : in) x = splitmix(seed);
      workload w{"sort", "sort of " + std::to_string(n / 1'000'000) + "M uint64", 0,
                 [&] { std::copy(in.begin(), in.end(), work.begin()); },
                 [&](const peer& p) {
                   p.sort(work.data(), n);
                   return checksum(work.data(), n);
                 }};
      rows.push_back(measure(cfg, w));
    } else if (name == "scan") {
      const std::size_t n = scaled(100e6);
      std::vector<int> in(n), out(n);
      for (auto& x : in) x = static_cast<int>(splitmix(seed) % 16);  // the total stays below 2^31
      workload w{"scan", "inclusive scan of " + std::to_string(n / 1'000'000) + "M ints", 0, [] {},
                 [&](const peer& p) {
                   p.scan(in.data(), out.data(), n);
                   return checksum(out.data(), n);
                 }};
      rows.push_back(measure(cfg, w));
    } else if (name == "filter") {
      const std::size_t n = scaled(100e6);
      std::vector<int> in(n), out(n);
      for (auto& x : in) x = static_cast<int>(splitmix(seed) >> 33);
      workload w{"filter", "filter keeping half of " + std::to_string(n / 1'000'000) + "M ints", 0, [] {},
                 [&](const peer& p) {
                   const std::size_t kept = p.filter(in.data(), out.data(), n);
                   return checksum(out.data(), kept) ^ kept;
                 }};
      rows.push_back(measure(cfg, w));
    } else {
      usage(("unknown workload " + name).c_str());
    }
  }
  print_text(cfg, rows);
  if (cfg.markdown) print_markdown(rows);
  return 0;
}
