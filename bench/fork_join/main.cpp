// The fork-join benchmarks of issue 2, section 7: duet against oneTBB, OpenMP, Rayon and a
// sequential baseline, in one run, with ratios.
//
//   fork_join                      driver: runs every (workload, implementation) pair in its own
//                                  process and prints the table (time, ratio to duet, peak RSS)
//   fork_join --impl duet --workload fib
//                                  child: runs one workload of one implementation, prints
//                                  `result <value> <seconds per round>...`
//
// Peak RSS is per process, so each pair runs in a fresh child (this executable re-executed via
// /proc/self/exe, or the Rayon binary); the driver reads it from wait4()'s rusage.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "workloads.hpp"

// Peers that were not found at configure time: their rows say "n/a".
namespace fj {
#ifndef FJ_HAVE_TBB
std::optional<runner> make_tbb(workload, unsigned) { return std::nullopt; }
#endif
#ifndef FJ_HAVE_OMP
std::optional<runner> make_omp(workload, unsigned) { return std::nullopt; }
#endif
}  // namespace fj

namespace {

using namespace fj;

struct impl_info {
  std::string_view name;
  factory make;  // nullptr: an external program (Rayon)
  std::string_view what;
};

constexpr impl_info impls[] = {
    {"duet", make_duet, "duet::join on duet::runtime's CPU pool"},
    {"duet-coro", make_duet_coro, "duet::task coroutines + duet::when_all"},
    {"rayon", nullptr, "rayon::join (bench/rayon, Debian's rayon crate)"},
    {"tbb", make_tbb, "oneTBB tbb::task_group in a task_arena"},
    {"omp", make_omp, "OpenMP tasks (libgomp), task + taskwait"},
    {"seq", make_seq, "plain recursion, no scheduler"},
};

const impl_info* find_impl(std::string_view name) {
  for (const auto& i : impls)
    if (i.name == name) return &i;
  return nullptr;
}

[[noreturn]] void usage(const char* why) {
  if (why != nullptr) std::fprintf(stderr, "fork_join: %s\n", why);
  std::fprintf(stderr,
               "usage: fork_join [--rounds N] [--threads N] [--passes N] [--workloads a,b,..] [--impls a,b,..]\n"
               "                 [--rayon PATH] [--timeout SECONDS] [--markdown]\n"
               "       fork_join --impl NAME --workload NAME [--rounds N] [--threads N]\n"
               "workloads:");
  for (const auto& w : workloads) std::fprintf(stderr, " %.*s", static_cast<int>(w.name.size()), w.name.data());
  std::fprintf(stderr, "\nimpls:");
  for (const auto& i : impls) std::fprintf(stderr, " %.*s", static_cast<int>(i.name.size()), i.name.data());
  std::fprintf(stderr, "\n");
  std::exit(2);
}

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

struct options {
  unsigned rounds = 7;
  unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  unsigned passes = 1;
  unsigned timeout_s = 600;
  bool markdown = false;
  std::string impl;      // child mode when set
  std::string workload;  // child mode
  std::vector<std::string> workload_list;
  std::vector<std::string> impl_list;
  std::string rayon;
};

unsigned parse_count(const char* s) {
  char* end = nullptr;
  const unsigned long v = std::strtoul(s, &end, 10);
  if (end == s || *end != '\0' || v == 0 || v > 100000) usage("expected a positive count");
  return static_cast<unsigned>(v);
}

options parse(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--markdown") {
      o.markdown = true;
      continue;
    }
    if (i + 1 >= argc) usage(("missing value for " + a).c_str());
    const char* v = argv[++i];
    if (a == "--rounds")
      o.rounds = parse_count(v);
    else if (a == "--threads")
      o.threads = parse_count(v);
    else if (a == "--passes")
      o.passes = parse_count(v);
    else if (a == "--timeout")
      o.timeout_s = parse_count(v);
    else if (a == "--impl")
      o.impl = v;
    else if (a == "--workload")
      o.workload = v;
    else if (a == "--workloads")
      o.workload_list = split_list(v);
    else if (a == "--impls")
      o.impl_list = split_list(v);
    else if (a == "--rayon")
      o.rayon = v;
    else
      usage(("unknown option " + a).c_str());
  }
  return o;
}

// ---- child: one workload, one implementation ----

// CPU time of the whole process (all threads), which a busy shared machine inflates far less
// than wall time: it shows what the scheduler itself costs, spinning included.
double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

int run_child(const options& o) {
  const impl_info* impl = find_impl(o.impl);
  const workload_info* w = find_workload(o.workload);
  if (impl == nullptr || impl->make == nullptr) usage("unknown --impl");
  if (w == nullptr) usage("unknown --workload");
  const unsigned threads = w->one_worker ? 1 : o.threads;
  std::optional<runner> run = impl->make(w->id, threads);
  if (!run) {
    std::printf("unsupported\n");
    return 0;
  }
  std::string lines;
  std::uint64_t value = 0;
  // Round 0 warms up (threads started, deques grown, pages touched) and is not reported.
  for (unsigned round = 0; round <= o.rounds; ++round) {
    const double cpu0 = process_cpu_seconds();
    const auto start = std::chrono::steady_clock::now();
    value = (*run)();
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    const double cpu = process_cpu_seconds() - cpu0;
    if (value != w->expected) {
      std::fprintf(stderr, "fork_join: %s/%s: got %llu, expected %llu\n", o.impl.c_str(), o.workload.c_str(),
                   static_cast<unsigned long long>(value), static_cast<unsigned long long>(w->expected));
      return 1;
    }
    if (round > 0) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "round %.9f %.9f\n", took.count(), cpu);
      lines += buf;
    }
  }
  std::printf("result %llu\n%s", static_cast<unsigned long long>(value), lines.c_str());
  return 0;
}

// ---- driver ----

struct child_result {
  bool ok = false;
  bool unsupported = false;
  std::string error;
  std::vector<double> times;  // wall seconds per round
  std::vector<double> cpu;    // process CPU seconds per round
  long max_rss_kb = 0;
};

std::string self_exe() {
  char buf[4096];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "fork_join";
  buf[n] = '\0';
  return buf;
}

// Runs the program at `path` with arguments `args` (args[0] is its name) and stdout captured;
// kills it (by its pid) after `timeout_s`.
child_result run_process(const std::string& path, const std::vector<std::string>& args, unsigned timeout_s) {
  child_result r;
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    r.error = std::string("pipe: ") + std::strerror(errno);
    return r;
  }
  const pid_t pid = fork();
  if (pid < 0) {
    r.error = std::string("fork: ") + std::strerror(errno);
    close(fds[0]);
    close(fds[1]);
    return r;
  }
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(path.c_str(), argv.data());
    std::fprintf(stderr, "fork_join: cannot run %s: %s\n", path.c_str(), std::strerror(errno));
    _exit(127);
  }
  close(fds[1]);
  std::string out;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  bool timed_out = false;
  for (;;) {  // bounded: ends at EOF or at the deadline
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      kill(pid, SIGKILL);
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    const int ready = poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), 1000)));
    if (ready < 0 && errno != EINTR) break;
    if (ready <= 0) continue;
    char buf[4096];
    const ssize_t n = read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  close(fds[0]);
  int status = 0;
  rusage ru{};
  while (wait4(pid, &status, 0, &ru) < 0 && errno == EINTR) {
  }
  r.max_rss_kb = ru.ru_maxrss;
  if (timed_out) {
    r.error = "timed out after " + std::to_string(timeout_s) + " s";
    return r;
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    r.error = WIFEXITED(status) ? "exit status " + std::to_string(WEXITSTATUS(status))
                                : "killed by signal " + std::to_string(WTERMSIG(status));
    return r;
  }
  std::istringstream in(out);
  std::string word;
  in >> word;
  if (word == "unsupported") {
    r.unsupported = true;
    return r;
  }
  std::uint64_t value = 0;
  if (word != "result" || !(in >> value)) {
    r.error = "unexpected output: " + out.substr(0, 80);
    return r;
  }
  for (std::string tag; in >> tag && tag == "round";) {
    double wall = 0, cpu = 0;
    if (!(in >> wall >> cpu)) break;
    r.times.push_back(wall);
    r.cpu.push_back(cpu);
  }
  r.ok = !r.times.empty();
  if (!r.ok) r.error = "no timings";
  return r;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) return line.substr(colon + 2);
    }
  }
  return "unknown";
}

std::string fmt_time(double s) {
  char buf[32];
  if (s >= 1.0)
    std::snprintf(buf, sizeof buf, "%.3f s", s);
  else
    std::snprintf(buf, sizeof buf, "%.2f ms", s * 1e3);
  return buf;
}

std::string fmt(const char* f, double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

struct cell {
  child_result r;  // times merged over passes, RSS the max over passes
  double med = 0, min = 0, cpu = 0;
};

int run_driver(const options& o) {
  std::vector<const workload_info*> ws;
  if (o.workload_list.empty()) {
    for (const auto& w : workloads) ws.push_back(&w);
  } else {
    for (const auto& n : o.workload_list) {
      const workload_info* w = find_workload(n);
      if (w == nullptr) usage(("unknown workload " + n).c_str());
      ws.push_back(w);
    }
  }
  std::vector<const impl_info*> is;
  if (o.impl_list.empty()) {
    for (const auto& i : impls) is.push_back(&i);
  } else {
    for (const auto& n : o.impl_list) {
      const impl_info* i = find_impl(n);
      if (i == nullptr) usage(("unknown impl " + n).c_str());
      is.push_back(i);
    }
  }
  const std::string exe = self_exe();
  std::string rayon = o.rayon;
  if (rayon.empty()) rayon = exe.substr(0, exe.rfind('/') + 1) + "fork_join_rayon";
  const bool have_rayon = access(rayon.c_str(), X_OK) == 0;

  char date[64];
  const std::time_t now = std::time(nullptr);
  std::strftime(date, sizeof date, "%Y-%m-%d %H:%M %Z", std::localtime(&now));
  std::printf("fork-join benchmarks: %s; %u hardware threads (%s); --threads %u, median of %u rounds x %u pass(es)\n",
              date, std::thread::hardware_concurrency(), cpu_model().c_str(), o.threads, o.rounds, o.passes);
#ifdef __clang__
  const char* compiler = "clang++ " __clang_version__;
#else
  const char* compiler = "g++ " __VERSION__;
#endif
  std::printf("C++: %s; Rayon: %s\n\n", compiler, have_rayon ? rayon.c_str() : "not found (skipped)");
  std::fflush(stdout);

  std::map<std::pair<std::string_view, std::string_view>, cell> cells;
  for (const workload_info* w : ws) {
    for (unsigned pass = 0; pass < o.passes; ++pass) {
      for (const impl_info* i : is) {
        std::vector<std::string> args;
        std::string path;
        if (i->make == nullptr) {
          if (!have_rayon) continue;
          path = rayon;
          args = {rayon, "--workload", std::string(w->name)};
        } else {
          // /proc/self/exe is this very binary even if a rebuild replaced the file meanwhile.
          path = "/proc/self/exe";
          args = {exe, "--impl", std::string(i->name), "--workload", std::string(w->name)};
        }
        args.insert(args.end(), {"--threads", std::to_string(o.threads), "--rounds", std::to_string(o.rounds)});
        child_result r = run_process(path, args, o.timeout_s);
        cell& c = cells[{w->name, i->name}];
        if (!r.ok) {
          if (!r.unsupported)
            std::fprintf(stderr, "fork_join: %.*s/%.*s failed: %s\n", static_cast<int>(w->name.size()), w->name.data(),
                         static_cast<int>(i->name.size()), i->name.data(), r.error.c_str());
          c.r.error = r.unsupported ? "n/a" : "FAILED";
          continue;
        }
        c.r.ok = true;
        c.r.times.insert(c.r.times.end(), r.times.begin(), r.times.end());
        c.r.cpu.insert(c.r.cpu.end(), r.cpu.begin(), r.cpu.end());
        c.r.max_rss_kb = std::max(c.r.max_rss_kb, r.max_rss_kb);
      }
    }
  }
  for (auto& [key, c] : cells) {
    if (!c.r.ok) continue;
    c.med = median(c.r.times);
    c.min = *std::min_element(c.r.times.begin(), c.r.times.end());
    c.cpu = median(c.r.cpu);
  }
  auto get = [&](std::string_view w, std::string_view i) -> const cell* {
    auto it = cells.find({w, i});
    return it == cells.end() || !it->second.r.ok ? nullptr : &it->second;
  };

  // The table: one row per (workload, implementation).
  const char* row_fmt = o.markdown ? "| %-10s | %-9s | %10s | %10s | %8s | %10s | %8s | %9s |\n"
                                   : "%-10s  %-9s  %10s  %10s  %8s  %10s  %8s  %9s\n";
  std::printf(row_fmt, "workload", "impl", "median", "min", "vs duet", "CPU time", "ns/task", "peak RSS");
  if (o.markdown)
    std::printf(
        "|------------|-----------|-----------:|-----------:|---------:|-----------:|---------:|----------:|\n");
  for (const workload_info* w : ws) {
    const cell* duet = get(w->name, "duet");
    for (const impl_info* i : is) {
      auto it = cells.find({w->name, i->name});
      if (it == cells.end()) continue;
      const cell& c = it->second;
      const std::string wn(w->name), in(i->name);
      if (!c.r.ok) {
        std::printf(row_fmt, wn.c_str(), in.c_str(), c.r.error.c_str(), "", "", "", "", "");
        continue;
      }
      const std::string ratio = duet != nullptr ? fmt("%.2fx", c.med / duet->med) : "";
      const std::string per_task =
          (w->per_tasks > 0 && i->name != "seq") ? fmt("%.1f", c.med * 1e9 / static_cast<double>(w->per_tasks)) : "";
      std::printf(row_fmt, wn.c_str(), in.c_str(), fmt_time(c.med).c_str(), fmt_time(c.min).c_str(), ratio.c_str(),
                  fmt_time(c.cpu).c_str(), per_task.c_str(),
                  fmt("%.1f MB", static_cast<double>(c.r.max_rss_kb) / 1024.0).c_str());
    }
    if (!o.markdown) std::printf("\n");
  }
  std::printf("\n'vs duet' = median time of the row / median time of duet (above 1: duet is faster).\n");
  std::printf("CPU time = median CPU time of the whole process per round (all threads, spinning included).\n");
  std::printf("ns/task = median time / 2^22 spawned empty tasks. peak RSS = ru_maxrss of the row's process.\n\n");

  // duet against each peer, workload by workload.
  std::printf("duet time / peer time (median over median; below 1: duet is faster):\n");
  std::printf(o.markdown ? "| %-10s |" : "  %-10s", "workload");
  for (const impl_info* i : is)
    if (i->name != "duet")
      std::printf(o.markdown ? " %9.*s |" : "  %9.*s", static_cast<int>(i->name.size()), i->name.data());
  std::printf("\n");
  if (o.markdown) {
    std::printf("|------------|");
    for (const impl_info* i : is)
      if (i->name != "duet") std::printf("----------:|");
    std::printf("\n");
  }
  for (const workload_info* w : ws) {
    const cell* d = get(w->name, "duet");
    if (d == nullptr) continue;
    std::printf(o.markdown ? "| %-10.*s |" : "  %-10.*s", static_cast<int>(w->name.size()), w->name.data());
    for (const impl_info* i : is) {
      if (i->name == "duet") continue;
      const cell* c = get(w->name, i->name);
      const std::string r = c != nullptr ? fmt("%.2f", d->med / c->med) : "-";
      std::printf(o.markdown ? " %9s |" : "  %9s", r.c_str());
    }
    std::printf("\n");
  }
  std::printf("\n");

  // The targets of issue 2, section 7.
  std::printf("targets (issue 2, section 7):\n");
  auto target = [&](const char* what, std::string_view w, std::string_view a, std::string_view b, double limit) {
    const cell* x = get(w, a);
    const cell* y = get(w, b);
    if (x == nullptr || y == nullptr) {
      std::printf("  %-44s  not measured\n", what);
      return;
    }
    // The verdict is on wall time; the CPU-time ratio beside it is what a busy machine
    // disturbs least (for the one-worker rows it is the same quantity, without the noise).
    const double r = x->med / y->med;
    std::printf("  %-44s  %5.2fx  (target <= %.2f)  %-6s  CPU-time ratio %5.2fx\n", what, r, limit,
                r <= limit ? "met" : "MISSED", x->cpu / y->cpu);
  };
  target("fib(32) every level: duet / rayon", "fib", "duet", "rayon", 1.0);
  target("skynet: duet / rayon", "skynet", "duet", "rayon", 1.0);
  target("fib(32) every level: duet / tbb", "fib", "duet", "tbb", 0.15);
  target("skynet: duet / tbb", "skynet", "duet", "tbb", 0.15);
  target("fib(32) n<20 cutoff, 1 worker: duet / seq", "fib_cut_1w", "duet", "seq", 1.1);
  for (const workload_info* w : ws) {
    const cell* d = get(w->name, "duet");
    const cell* t = get(w->name, "tbb");
    if (d == nullptr || t == nullptr) continue;
    const double r = static_cast<double>(d->r.max_rss_kb) / static_cast<double>(t->r.max_rss_kb);
    const std::string what = "peak RSS " + std::string(w->name) + ": duet / tbb";
    std::printf("  %-44s  %5.2fx  (target <= 2.00)  %s\n", what.c_str(), r, r <= 2.0 ? "met" : "MISSED");
  }
  bool failed = false;
  for (const auto& [key, c] : cells) failed |= !c.r.ok && c.r.error == "FAILED";
  return failed ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  const options o = parse(argc, argv);
  if (!o.impl.empty() || !o.workload.empty()) return run_child(o);
  return run_driver(o);
}
