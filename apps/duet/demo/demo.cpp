// Running the demo: the introduction, the sections, the closing table and advice, the trace.
#include "demo/demo.hpp"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <thread>

#include "common/table.hpp"

namespace duet_cli::demo {

std::uint64_t context::scaled(std::uint64_t base, std::uint64_t min) const {
  const double v = std::round(static_cast<double>(base) * opts_.scale);
  return std::max(min, static_cast<std::uint64_t>(v));
}

void context::heading(const std::string& title) const {
  std::printf("\n%s\n", term_.paint("== " + title + " ==", tone::heading).c_str());
}

void context::say(const std::string& line) const { std::printf("  %s\n", line.c_str()); }

void context::begin_traced() const {
  if (!opts_.trace_path.empty()) duet::trace::enable();
}

void context::end_traced() const {
  if (!opts_.trace_path.empty()) duet::trace::disable();
}

void context::check(bool ok, const std::string& what) {
  if (!ok) failed_checks_.push_back(what);
}

std::vector<std::string> context::failures() const {
  std::vector<std::string> all = failed_checks_;
  for (const result_row& r : rows_)
    if (!r.ok) all.push_back(r.workload + " (" + r.size + ") gave a wrong result");
  return all;
}

namespace {

void introduce(const context& ctx) {
  const term& t = ctx.out();
  std::printf("%s: %zu worker%s on %u hardware thread%s; each time is the best of %d run%s\n",
              t.paint("duet demo", tone::heading).c_str(), ctx.workers(), ctx.workers() == 1 ? "" : "s",
              std::thread::hardware_concurrency(), std::thread::hardware_concurrency() == 1 ? "" : "s",
              ctx.opts().rounds, ctx.opts().rounds == 1 ? "" : "s");
  std::puts("A task is *what* to do; a worker is *where* it runs. duet runs many tasks on a few workers.");
  std::puts("Concurrency: many tasks in progress at once (it helps work that waits).");
  std::puts("Parallelism: one job split across cores at the same instant (it helps work that computes).");
}

void print_results(const context& ctx) {
  const term& t = ctx.out();
  table tab({{"workload"},
             {"size"},
             {"sequential", align::right},
             {"duet", align::right},
             {"speed-up", align::right},
             {"efficiency", align::right},
             {"check"}});
  for (const result_row& r : ctx.rows()) {
    const double speedup = r.duet_s > 0 ? r.sequential_s / r.duet_s : 0;
    tab.add_row({{r.workload},
                 {r.size},
                 {format_seconds(r.sequential_s)},
                 {format_seconds(r.duet_s)},
                 {format_ratio(speedup)},
                 // Overlapping waits uses no extra cores: efficiency per worker means nothing there.
                 {r.kind == nature::waiting ? "-" : format_percent(speedup / static_cast<double>(r.workers))},
                 r.ok ? cell{"ok", tone::good} : cell{"WRONG", tone::bad}});
  }
  if (tab.empty()) return;
  std::printf(
      "\n%s\n",
      t.paint("Results (" + std::to_string(ctx.workers()) + " workers; efficiency = speed-up / workers)", tone::heading)
          .c_str());
  tab.print(stdout, t);
}

void print_advice(const context& ctx) {
  if (ctx.rows().empty()) return;
  std::printf("\n%s\n", ctx.out().paint("What helps", tone::heading).c_str());
  for (const result_row& r : ctx.rows()) {
    const double speedup = r.duet_s > 0 ? r.sequential_s / r.duet_s : 0;
    std::string line = r.workload + ": ";
    if (r.kind == nature::waiting) {
      line += "waiting -> concurrency: with every task in flight at once it ran " + format_ratio(speedup) +
              " as fast, on the same workers.";
    } else if (r.workers == 1) {
      line += "computing -> parallelism, but one worker has nothing to split across: try --threads N.";
    } else {
      line += "computing -> parallelism: split across " + std::to_string(r.workers) + " workers it ran " +
              format_ratio(speedup) + " as fast.";
    }
    if (!r.hint.empty()) line += " " + r.hint;
    std::printf("  %s\n", line.c_str());
  }
}

void check_writable(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "a");
  if (f == nullptr) throw std::runtime_error("cannot write the trace to '" + path + "': " + std::strerror(errno));
  std::fclose(f);
}

bool selected(const options& opts, const section& s) {
  if (opts.only.empty()) return true;
  for (const std::string& name : opts.only)
    if (name == s.name) return true;
  return false;
}

}  // namespace

int run(const options& opts) {
  const term t(opts.color);
  duet::runtime rt({.cpu_threads = opts.threads});
  context ctx(opts, rt, t);
  if (!opts.trace_path.empty()) {
    check_writable(opts.trace_path);  // fail before the runs, not after them
    duet::trace::clear();
  }

  introduce(ctx);
  for (const section& s : sections())
    if (selected(opts, s)) s.run(ctx);
  print_results(ctx);
  print_advice(ctx);

  if (!opts.trace_path.empty()) {
    duet::trace::write_chrome_json(opts.trace_path);
    std::printf("\ntrace: %zu events of the duet runs written to %s (open it in https://ui.perfetto.dev)\n",
                duet::trace::event_count(), opts.trace_path.c_str());
  }
  const std::vector<std::string> failed = ctx.failures();
  for (const std::string& f : failed) std::fprintf(stderr, "duet demo: WRONG: %s\n", f.c_str());
  return failed.empty() ? 0 : 1;
}

}  // namespace duet_cli::demo
