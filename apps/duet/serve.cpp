// `duet serve`: the embedded site (common/site.hpp) on 127.0.0.1, until Ctrl-C or SIGTERM.
#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <memory>
#include <string>

#include "commands.hpp"
#include "common/site.hpp"
#include "duet/io/signal.hpp"
#include "duet/runtime.hpp"
#include "duet/task/spawn.hpp"

namespace duet_cli {

namespace {

struct serve_options {
  int port = 8080;
  std::size_t pages = 233;
  std::size_t page_size = std::size_t{100} * 1024;
  std::string latency = "590ms";
  std::string jitter = "0ms";
  double error_rate = 0;
  std::uint64_t seed = 1;
  std::size_t max_concurrent = 0;
  std::size_t threads = 0;
};

// Stops the site at the first SIGINT or SIGTERM.
duet::task<void> stop_on(int signo, site& s) {
  co_await duet::signal(signo);
  std::fprintf(stderr, "duet serve: %s: stopping (finishing requests in progress)\n",
               signo == SIGINT ? "SIGINT" : "SIGTERM");
  s.server().stop();
}

int run_serve(const serve_options& o) {
  const site_options so{.pages = o.pages,
                        .page_size = o.page_size,
                        .latency = parse_duration(o.latency),
                        .jitter = parse_duration(o.jitter),
                        .error_rate = o.error_rate,
                        .seed = o.seed,
                        .max_concurrent = o.max_concurrent};
  duet::runtime rt({.cpu_threads = o.threads});
  site s(so);
  s.listen(static_cast<std::uint16_t>(o.port), rt.io());
  std::printf("duet serve: listening on %s (%zu pages of %zu bytes, latency %lld ms +- %lld ms", s.url("/").c_str(),
              so.pages, so.page_size, static_cast<long long>(so.latency.count()),
              static_cast<long long>(so.jitter.count()));
  if (so.error_rate > 0) std::printf(", error rate %g", so.error_rate);
  if (so.max_concurrent > 0) std::printf(", at most %zu in progress", so.max_concurrent);
  std::printf(")\nduet serve: pages at %s ... %s; Ctrl-C stops\n", s.page_url(0).c_str(),
              s.page_url(so.pages == 0 ? 0 : so.pages - 1).c_str());
  std::fflush(stdout);
  rt.block_on([](site& st) -> duet::task<void> {
    auto on_int = duet::spawn(stop_on(SIGINT, st));
    auto on_term = duet::spawn(stop_on(SIGTERM, st));
    co_await st.run();
    on_int.cancel();  // the signal that did not come
    on_term.cancel();
    try {
      co_await on_int;
    } catch (const duet::cancelled_error&) {  // NOLINT(bugprone-empty-catch): cancelled just above
    }
    try {
      co_await on_term;
    } catch (const duet::cancelled_error&) {  // NOLINT(bugprone-empty-catch): cancelled just above
    }
  }(s));
  const site_stats st = s.stats();
  const auto srv = s.server().stats();
  std::printf(
      "duet serve: stopped after %llu requests on %llu connections: %llu pages, %llu injected errors, %llu over the "
      "cap\n",
      static_cast<unsigned long long>(srv.requests), static_cast<unsigned long long>(srv.connections),
      static_cast<unsigned long long>(st.pages_served), static_cast<unsigned long long>(st.errors),
      static_cast<unsigned long long>(st.rejected));
  return 0;
}

}  // namespace

command add_serve_command(CLI::App& parent) {
  auto o = std::make_shared<serve_options>();
  CLI::App* app = parent.add_subcommand(
      "serve", "Serve the embedded test site on 127.0.0.1: a list page linking N slow pages (the scraping experiment)");
  app->footer(
      "\nThe list page at / answers at once and links /country/0.html ... /country/<N-1>.html; each page\n"
      "answers after --latency (+- --jitter) with exactly --page-size deterministic bytes. --error-rate\n"
      "answers that fraction of page requests with 503 (a retry rolls again); beyond --max-concurrent\n"
      "page requests in progress the server answers 503 with Retry-After at once (it sheds load rather\n"
      "than queueing it, so that clients see the overload). SIGINT/SIGTERM stop it gracefully.");
  app->add_option("-p,--port", o->port, "TCP port on 127.0.0.1; 0 picks a free one (printed)")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  app->add_option("-n,--pages", o->pages, "Pages linked from the list page")
      ->check(CLI::Range(0, 10'000'000))
      ->capture_default_str();
  app->add_option("--page-size", o->page_size, "Bytes per page (e.g. 100000, 100KB, 1MB)")
      ->transform(CLI::AsSizeValue(false))
      ->capture_default_str();
  app->add_option("--latency", o->latency, "Time before each page answers (590ms, 1.5s, ...)")->capture_default_str();
  app->add_option("--jitter", o->jitter, "Random extra latency in [-J, +J]")->capture_default_str();
  app->add_option("--error-rate", o->error_rate, "Fraction of page requests answered 503 (0..1)")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  app->add_option("--seed", o->seed, "Seed of the jitter and errors (same seed, same answers)")->capture_default_str();
  app->add_option("--max-concurrent", o->max_concurrent, "Page requests in progress at most; 0 = no cap")
      ->capture_default_str();
  app->add_option("-t,--threads", o->threads, "CPU workers; default: one per hardware thread");
  return {app, [o]() -> int {
            for (const std::string* d : {&o->latency, &o->jitter}) (void)parse_duration(*d);  // clear error first
            return run_serve(*o);
          }};
}

}  // namespace duet_cli
