// `duet demo`: the seeds' examples of concurrency and parallelism, run and timed.
//
// The demo is a list of sections (sections.cpp). A section prints its own story (the 10 + 35
// of the sum, say), times a sequential and a duet version of its workload through
// context::compare(), checks both results, and adds a row to the closing table. Each row says
// whether its workload mostly *computes* or mostly *waits*, and the demo closes with one line
// of advice per workload: computing -> parallelism, waiting -> concurrency.
//
// Adding a section later (the scraping experiment, the par:: algorithms, the image pipeline)
// is one new file defining a `section` and one line in sections.cpp.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "common/term.hpp"
#include "duet/runtime.hpp"
#include "duet/trace/trace.hpp"

namespace duet_cli::demo {

/// What a demo's command line chose.
struct options {
  std::size_t threads = 0;        ///< duet workers; 0 = one per hardware thread
  double scale = 1.0;             ///< multiplies every workload's size
  int rounds = 3;                 ///< each timing is the best of this many runs
  std::string trace_path;         ///< where to write a Chrome trace of the duet runs ("" = none)
  std::vector<std::string> only;  ///< section names to run (empty = all)
  /// The scraping experiment's per-page latency: the tutorial's 590 ms scaled down by 10 so the
  /// demo takes about a minute.
  std::chrono::milliseconds latency{59};
  color_mode color = color_mode::automatic;
};

/// Whether a workload mostly computes (use parallelism) or mostly waits (use concurrency).
enum class nature { computing, waiting };

/// One line of the closing table.
struct result_row {
  std::string workload;  ///< e.g. "sum 0..N"
  std::string size;      ///< e.g. "N = 1,000,000,000"
  double sequential_s = 0;
  double duet_s = 0;
  std::size_t workers = 1;
  bool ok = false;  ///< both versions gave the expected answer
  nature kind = nature::computing;
  std::string hint;  ///< optional: what limits or helps this workload, for the closing advice
};

/// Best-of-rounds wall times of the two versions of a workload.
struct timing {
  double sequential_s;
  double duet_s;
};

class context {
 public:
  context(const options& opts, duet::runtime& rt, const term& t) : opts_(opts), rt_(rt), term_(t) {}

  [[nodiscard]] const options& opts() const noexcept { return opts_; }
  [[nodiscard]] duet::runtime& rt() noexcept { return rt_; }
  [[nodiscard]] const term& out() const noexcept { return term_; }
  [[nodiscard]] std::size_t workers() const noexcept { return rt_.cpu().size(); }

  /// `base` scaled by --scale, at least `min`.
  [[nodiscard]] std::uint64_t scaled(std::uint64_t base, std::uint64_t min = 1) const;

  /// Prints a section heading / an indented line of the section's story.
  void heading(const std::string& title) const;
  void say(const std::string& line) const;

  /// Times `sequential` and `parallel`, each the best of --rounds runs. The rounds alternate
  /// (sequential, duet, sequential, ...) so that a machine whose load drifts treats both alike.
  /// With --trace, only the parallel runs are recorded, inside a span named `name` (a literal).
  template <class S, class P>
  timing compare(const char* name, S&& sequential, P&& parallel) {
    timing t{1e300, 1e300};
    for (int r = 0; r < std::max(1, opts_.rounds); ++r) {
      t.sequential_s = std::min(t.sequential_s, seconds(sequential));
      begin_traced();
      {
        duet::trace::span span(name);
        t.duet_s = std::min(t.duet_s, seconds(parallel));
      }
      end_traced();
    }
    return t;
  }

  /// Adds a row to the closing table (and a "WRONG" to the exit status if !row.ok).
  void add(result_row row) { rows_.push_back(std::move(row)); }
  [[nodiscard]] const std::vector<result_row>& rows() const noexcept { return rows_; }

  /// Records a failed check outside the table (`what` says what was wrong).
  void check(bool ok, const std::string& what);
  /// Every failed check, and a line for every row that is not ok.
  [[nodiscard]] std::vector<std::string> failures() const;

 private:
  template <class F>
  static double seconds(F& f) {
    const auto start = std::chrono::steady_clock::now();
    f();
    const std::chrono::duration<double> d = std::chrono::steady_clock::now() - start;
    return d.count();
  }
  void begin_traced() const;
  void end_traced() const;

  const options& opts_;
  duet::runtime& rt_;
  const term& term_;
  std::vector<result_row> rows_;
  std::vector<std::string> failed_checks_;
};

/// One part of the demo.
struct section {
  const char* name;     ///< what --only selects, e.g. "sum"
  const char* summary;  ///< one line for --list and --help
  void (*run)(context&);
};

/// Every section, in the order the demo runs them.
[[nodiscard]] const std::vector<section>& sections();

/// Runs the demo; returns the process exit status (0 when every result was right).
int run(const options& opts);

/// Hides a value from the optimiser. On an input: repeated timing rounds really recompute, and
/// a loop cannot be replaced by its closed form. On a result: the computation cannot be moved
/// out of the timed region (a pure function's call may otherwise sink past the clock read).
template <class T>
[[nodiscard]] inline T opaque(T v) noexcept {
  asm volatile("" : "+r"(v));
  return v;
}

}  // namespace duet_cli::demo
