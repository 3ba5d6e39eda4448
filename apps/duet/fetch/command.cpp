// `duet fetch` on the command line: its options, its help text, and the exit status.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <stdexcept>

#include "commands.hpp"
#include "common/site.hpp"
#include "fetch/fetch.hpp"

namespace duet_cli {

namespace {

constexpr const char* footer =
    "\nURLs come from the arguments, from --input FILE (one per line; '#' starts a comment; a file\n"
    "name may follow the URL), from stdin when it is not a terminal, or from --crawl: fetch a list\n"
    "page first and take the links whose href matches --select (relative links are resolved).\n"
    "\n"
    "Modes (--mode), the ways a Python tutorial fetched 233 pages:\n"
    "  sequential     one request at a time (a loop of requests.get)\n"
    "  threads:N      N threads, each blocking on its request (ThreadPoolExecutor)\n"
    "  processes[:N]  N child processes (default: one per CPU) (multiprocessing.Pool)\n"
    "  async          every request a task on one io loop; -c decides how many are in flight\n"
    "\n"
    "-c auto finds the concurrency by itself: it opens up while latency holds, and backs off when\n"
    "latency grows or the server answers 429/503 or times out. The summary says where it settled.\n"
    "\n"
    "Examples:\n"
    "  duet serve --port 8080 &                              # the demo site: 233 pages at 590 ms\n"
    "  duet fetch --crawl http://127.0.0.1:8080/ --select '/page/' -o pages\n"
    "  duet fetch --crawl http://127.0.0.1:8080/ --select '/page/' --mode threads:16\n"
    "  duet fetch -c 32 https://example.com/a https://example.com/b\n"
    "  duet fetch --input urls.txt --json > summary.json\n"
    "\n"
    "Exit status: 0 if every URL was downloaded (HTTP status below 400), 1 if any failed (each\n"
    "failure gets one line on stderr), 2 for bad usage.";

}  // namespace

command add_fetch_command(CLI::App& parent) {
  auto o = std::make_shared<fetch_options>();
  auto mode = std::make_shared<std::string>("async");
  auto conc = std::make_shared<std::string>("auto");
  auto timeout = std::make_shared<std::string>("30s");
  auto progress = std::make_shared<std::string>("auto");
  auto json = std::make_shared<bool>(false);
  CLI::App* app = parent.add_subcommand("fetch", "Download many URLs at once, finding the right concurrency by itself");
  app->footer(footer);

  app->add_option("urls", o->urls, "URLs to download")->type_name("URL...");
  app->add_option("-i,--input", o->input, "Read URLs from FILE, one per line ('-' = stdin)")->type_name("FILE");
  app->add_option("--crawl", o->crawl,
                  "Fetch this list page first and download the pages it links to (e.g. --crawl "
                  "http://127.0.0.1:8080/)")
      ->type_name("LIST_URL");
  app->add_option("--select", o->select,
                  "With --crawl: only links whose href matches this regular expression (ECMAScript, "
                  "searched anywhere in the href; e.g. --select '^/page/')")
      ->type_name("PATTERN");
  app->add_option("-o,--output", o->output_dir,
                  "Write each body to a file in DIR, named after the URL's last path segment (made safe and "
                  "unique); without -o the bodies are counted and dropped")
      ->type_name("DIR");
  app->add_option("--mode", *mode,
                  "How to run: sequential, threads:N, processes[:N] or async (default); e.g. --mode threads:16")
      ->type_name("MODE")
      ->capture_default_str();
  app->add_option("-c,--concurrency", *conc,
                  "Requests in flight in async mode: auto (default: adapt to the server) or a fixed number, "
                  "e.g. -c 32")
      ->type_name("N|auto")
      ->capture_default_str();
  app->add_option("--max-concurrency", o->limiter.max,
                  "With -c auto: never more than this many in flight (also capped by the open-file limit)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1'000'000}))
      ->type_name("N")
      ->capture_default_str();
  app->add_option("--io-threads", o->io_threads,
                  "Async mode: spread the transfers over this many io threads (each with its own connections); "
                  "0 = one per core, at most 4. Receiving is CPU work: with many pages in flight one thread "
                  "becomes the limit")
      ->check(CLI::Range(std::size_t{0}, std::size_t{64}))
      ->type_name("N")
      ->capture_default_str();
  app->add_option("--timeout", *timeout,
                  "Give up on one attempt of a request after this long (e.g. 30s, 500ms, 2m; a plain number is "
                  "milliseconds; 0 = never)")
      ->type_name("DURATION")
      ->capture_default_str();
  app->add_option("--retries", o->retries,
                  "Retry a URL this many times after a transient failure (timeout, reset, refused connection, "
                  "HTTP 429/502/503/504), waiting 100 ms, 200 ms, 400 ms... with jitter; e.g. --retries 0")
      ->check(CLI::Range(0, 100))
      ->type_name("N")
      ->capture_default_str();
  app->add_option("--progress", *progress,
                  "Progress display: auto (a bar on a terminal, a line per 10% otherwise), bar, lines or none")
      ->check(CLI::IsMember({"auto", "bar", "lines", "none"}))
      ->type_name("WHEN");
  app->add_flag("-q,--quiet", o->quiet, "No progress and no per-URL error lines; only the summary");
  app->add_flag("--json", *json, "Print the summary as one line of JSON on stdout (for scripts)");
  // Internal, for processes mode's children: one line per URL on stdout instead of a summary.
  app->add_flag("--events", o->events)->group("");

  return {app, [o, mode, conc, timeout, progress, json]() -> int {
            o->mode = fetch_mode::parse(*mode);
            if (*conc == "auto") {
              o->concurrency = 0;
            } else {
              std::size_t used = 0;
              unsigned long n = 0;
              try {
                n = std::stoul(*conc, &used);
              } catch (const std::exception&) {
                used = 0;
              }
              if (used != conc->size() || n == 0 || n > 1'000'000)
                throw std::invalid_argument("-c " + *conc + ": expected auto or a number from 1 to 1000000");
              o->concurrency = n;
            }
            try {
              o->timeout = parse_duration(*timeout);  // the same syntax as `duet serve --latency`
            } catch (const std::invalid_argument& e) {
              throw std::invalid_argument(std::string("--timeout: ") + e.what());
            }
            o->progress = *progress == "bar"     ? progress_style::bar
                          : *progress == "lines" ? progress_style::lines
                          : *progress == "none"  ? progress_style::none
                                                 : progress_style::automatic;
            // URLs on stdin: when nothing else names any and stdin is a file or a pipe.
            if (o->urls.empty() && o->input.empty() && o->crawl.empty() && isatty(STDIN_FILENO) == 0) o->input = "-";
            const fetch_result r = run_fetch(*o);
            if (!o->events) {
              const std::string out = *json ? format_summary_json(r, *o) + "\n" : format_summary(r, *o);
              std::fwrite(out.data(), 1, out.size(), stdout);
            }
            return r.ok() ? 0 : 1;
          }};
}

}  // namespace duet_cli
