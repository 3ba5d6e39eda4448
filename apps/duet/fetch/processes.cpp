// The processes mode: the tutorial's multiprocessing.Pool. N child `duet fetch` processes
// (this same binary, --mode sequential) each get every N-th URL on stdin and report each URL
// they finish as one line on stdout (--events); the parent merges those lines into one job, so
// progress, error lines and the summary look as in the other modes. Separate address spaces,
// and each child fetches one URL at a time: the concurrency is the process count.
#include <unistd.h>

#include <climits>
#include <filesystem>
#include <string>
#include <vector>

#include "duet/io/process.hpp"
#include "duet/runtime.hpp"
#include "duet/task/on.hpp"
#include "duet/task/when_all.hpp"
#include "fetch/job.hpp"

namespace duet_cli::fetch_detail {

namespace {

std::string self_exe() {
  char buf[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) throw std::runtime_error("--mode processes: cannot find this program (/proc/self/exe)");
  return {buf, static_cast<std::size_t>(n)};
}

struct slice_job {
  const std::vector<job_item>& items;
  const fetch_options& o;
  job_recorder& rec;
  duet::runtime& rt;
  std::string exe;
};

duet::task<void> feed(duet::child& p, std::string input) {
  try {
    co_await p.stdin_pipe().write_all(input);
  } catch (const std::system_error&) {
    // The child died before reading everything: its missing URLs are reported below.
  }
  p.close_stdin();
}

// Reads the child's event lines as they come; marks each reported URL in `seen`.
duet::task<void> collect(duet::child& p, const slice_job& j, const std::vector<std::size_t>& slice,
                         std::vector<bool>& seen) {
  std::string pending;
  std::vector<std::byte> buf(64 * 1024);
  for (;;) {
    std::size_t n = 0;
    try {
      n = co_await p.stdout_pipe().read_some(buf);
    } catch (const std::system_error&) {
      n = 0;
    }
    if (n == 0) break;
    pending.append(reinterpret_cast<const char*>(buf.data()), n);
    std::size_t start = 0;
    for (std::size_t nl; (nl = pending.find('\n', start)) != std::string::npos; start = nl + 1) {
      auto ev = parse_event_line(pending.substr(start, nl - start));
      if (!ev || ev->first >= slice.size() || seen[ev->first]) continue;
      seen[ev->first] = true;
      const std::size_t global = slice[ev->first];
      j.rec.finished(global, j.items[global], ev->second);
    }
    pending.erase(0, start);
  }
}

duet::task<void> run_child(const slice_job& j, std::vector<std::size_t> slice) {
  std::string input;
  for (std::size_t i : slice) {
    input.append(j.items[i].url);
    if (!j.items[i].path.empty()) input.append(" ").append(std::filesystem::path(j.items[i].path).filename().string());
    input.append("\n");
  }
  duet::command cmd{.program = j.exe,
                    .args = {"fetch", "--mode", "sequential", "--input", "-", "--events", "--timeout",
                             std::to_string(j.o.timeout.count()) + "ms", "--retries", std::to_string(j.o.retries)},
                    .stdin_mode = duet::stdio::pipe,
                    .stdout_mode = duet::stdio::pipe,
                    .stderr_mode = duet::stdio::inherit};
  if (!j.o.output_dir.empty()) {
    cmd.args.emplace_back("-o");
    cmd.args.push_back(j.o.output_dir);
  }
  duet::child p = duet::child::spawn(cmd, j.rt.io());
  std::vector<bool> seen(slice.size(), false);
  co_await duet::when_all(feed(p, std::move(input)), collect(p, j, slice, seen));
  const duet::exit_status st = co_await p.wait();
  for (std::size_t k = 0; k < slice.size(); ++k) {
    if (seen[k]) continue;
    const std::size_t i = slice[k];
    j.rec.finished(i, j.items[i],
                   {.error = "the child process (pid " + std::to_string(p.pid()) + ") " + st.to_string() +
                             " before reporting this URL"});
  }
}

duet::task<void> run_all(const slice_job& j, std::size_t workers) {
  co_await duet::on(j.rt.io());
  std::vector<duet::task<void>> children;
  for (std::size_t w = 0; w < workers; ++w) {
    std::vector<std::size_t> slice;
    for (std::size_t i = w; i < j.items.size(); i += workers) slice.push_back(i);
    children.push_back(run_child(j, std::move(slice)));
  }
  co_await duet::when_all(std::move(children));
}

}  // namespace

void run_processes(const std::vector<job_item>& items, std::size_t workers, const fetch_options& o, job_recorder& rec,
                   duet::runtime& rt) {
  if (items.empty()) return;
  const slice_job j{items, o, rec, rt, o.self_exe.empty() ? self_exe() : o.self_exe};
  rt.block_on(run_all(j, std::max<std::size_t>(1, std::min(workers, items.size()))));
}

}  // namespace duet_cli::fetch_detail
