// The scraping experiment of the tutorial that started duet: 233 country pages, found as links on
// one list page, fetched the four ways it measured (one by one, 16 and 32 threads, a process per
// core) and duet's way (async on the io loop, with a concurrency limit that finds the server's
// sweet spot by itself). The site is `duet serve`'s, started in-process on a loopback port, with
// the per-page latency scaled down (59 ms instead of 590 ms) so that the demo takes about a
// minute; `duet demo --latency 590ms` reproduces the original.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "common/site.hpp"
#include "common/table.hpp"
#include "demo/demo.hpp"
#include "duet/trace/trace.hpp"
#include "fetch/fetch.hpp"

namespace duet_cli::demo {

namespace {

// The tutorial's published wall times for 233 pages at ~590 ms each (Python, requests).
struct published {
  const char* way;
  double seconds;  // 0: the tutorial has no such row
};

void run_scrape(context& ctx) {
  const demo::options& o = ctx.opts();
  const std::size_t pages = ctx.scaled(233, 8);
  const std::chrono::milliseconds latency = o.latency;
  const double lat_s = std::chrono::duration<double>(latency).count();
  const std::size_t cpus = std::max(1u, std::thread::hardware_concurrency());

  ctx.heading("scrape: " + std::to_string(pages) + " pages behind one list page, each answered after " +
              std::to_string(latency.count()) + " ms (the tutorial's 590 ms" +
              (latency.count() == 590 ? "" : ", scaled down; --latency 590ms for the original") + ")");
  ctx.say("A local `duet serve` site on 127.0.0.1 stands in for the network. Every way fetches the list");
  ctx.say("page, takes its links and downloads every page: the same job, the tutorial's ways and duet's.");

  site_options so;
  so.pages = pages;
  so.latency = latency;
  site web(so);
  web.start(ctx.rt());
  const std::string list_url = web.url("/");

  struct way {
    std::string name;
    fetch_mode mode;
    published paper;
  };
  const std::vector<way> ways = {
      {"sequential (requests.get in a loop)", {fetch_mode::sequential, 1}, {"sequential", 137.37}},
      {"16 threads (ThreadPoolExecutor)", {fetch_mode::threads, 16}, {"threads 16", 11.23}},
      {"32 threads (ThreadPoolExecutor)", {fetch_mode::threads, 32}, {"threads 32", 4.6}},
      {std::to_string(cpus) + " processes (multiprocessing.Pool)", {fetch_mode::processes, cpus}, {"processes", 18.10}},
      {"duet async, -c auto", {fetch_mode::async, 1}, {"", 0}},
  };

  ctx.say("Tutorial's figures are for 590 ms; the 'scaled' column multiplies them by " +
          std::to_string(latency.count()) + "/590 for this run.");

  struct outcome {
    double seconds = 0;
    fetch_result r{};
    bool ok = false;
  };
  std::vector<outcome> outcomes;
  const std::string trace_file =
      o.trace_path.empty() ? (std::filesystem::temp_directory_path() / "duet-demo-scrape.trace.json").string() : "";
  for (const way& w : ways) {
    fetch_options fo;
    fo.crawl = list_url;
    fo.select = "/country/";
    fo.mode = w.mode;
    fo.quiet = true;
    fo.progress = progress_style::none;
    const bool traced = w.mode.kind == fetch_mode::async;
    if (traced) {
      if (o.trace_path.empty()) duet::trace::clear();
      duet::trace::enable();
    }
    outcome out;
    const auto start = std::chrono::steady_clock::now();
    try {
      duet::trace::span span("scrape async");
      out.r = run_fetch(fo, ctx.rt());
    } catch (const std::exception& e) {
      out.r.errors.push_back(e.what());
      out.r.stats.failed = pages;
    }
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (traced) {
      duet::trace::disable();
      if (o.trace_path.empty()) {
        try {
          duet::trace::write_chrome_json(trace_file);
        } catch (const std::exception& e) {
          ctx.say(std::string("could not write the trace: ") + e.what());
        }
        duet::trace::clear();
      }
    }
    // Every page arrived, whole: the count and the bytes the site served.
    out.ok = out.r.ok() && out.r.stats.ok == pages && out.r.stats.bytes == pages * web.options().page_size;
    ctx.check(out.ok, "scrape " + w.mode.to_string() + ": " + std::to_string(out.r.stats.ok) + " of " +
                          std::to_string(pages) + " pages" +
                          (out.r.errors.empty() ? std::string() : " (" + out.r.errors.front() + ")"));
    outcomes.push_back(std::move(out));
  }
  web.stop();

  table tb({{"way", align::left},
            {"measured", align::right},
            {"tutorial, scaled", align::right},
            {"tutorial (590 ms)", align::right},
            {"pages", align::right}});
  for (std::size_t i = 0; i < ways.size(); ++i) {
    const published& p = ways[i].paper;
    const outcome& out = outcomes[i];
    const double scale_to_run = lat_s / 0.59 * static_cast<double>(pages) / 233.0;
    tb.add_row({{ways[i].name},
                {format_seconds(out.seconds), out.ok ? tone::plain : tone::bad},
                {p.seconds > 0 ? format_seconds(p.seconds * scale_to_run) : "-"},
                {p.seconds > 0 ? format_seconds(p.seconds) : "-"},
                {std::to_string(out.r.stats.ok) + "/" + std::to_string(pages)}});
  }
  std::fflush(stdout);
  tb.print(stdout, ctx.out(), 4);

  ctx.say("The processes row uses one process per core, " + std::to_string(cpus) +
          " here: its time is the sequential time divided by that, so it depends on the machine's size.");
  const outcome& seq = outcomes.front();
  const outcome& async = outcomes.back();
  ctx.say("");
  ctx.say("duet async kept up to " + std::to_string(async.r.peak_concurrency) +
          " requests in flight; its limit settled at " + std::to_string(async.r.settled_concurrency) +
          ", found by itself (no pool size to guess).");
  ctx.say("The physical limit is about one latency plus the transfer: " + format_seconds(lat_s) +
          " + a little; duet took " + format_seconds(async.r.wall_s) + " for the pages after the list (" +
          format_ratio(async.r.wall_s / lat_s) + " of one latency).");
  if (o.trace_path.empty()) ctx.say("trace of the async run: " + trace_file + " (open it in https://ui.perfetto.dev)");

  ctx.add({.workload = "fetch pages",
           .size = std::to_string(pages) + " x " + std::to_string(latency.count()) + " ms",
           .sequential_s = seq.seconds,
           .duet_s = async.seconds,
           .workers = ctx.workers(),
           .ok = seq.ok && async.ok,
           .kind = nature::waiting,
           .hint = "An adaptive limit found the server's sweet spot; threads need a pool size guessed per machine."});
}

}  // namespace

section scrape_section() {
  return {"scrape", "the scraping experiment: 233 pages sequentially, with threads, processes and duet async",
          &run_scrape};
}

}  // namespace duet_cli::demo
