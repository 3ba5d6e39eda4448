// `duet demo` on the command line: its options and its help text.
#include <CLI/CLI.hpp>
#include <memory>
#include <thread>

#include "commands.hpp"
#include "common/site.hpp"
#include "demo/demo.hpp"

namespace duet_cli {

namespace {
constexpr const char* idea =
    "The idea: a task is *what* to do, a worker is *where* it runs. duet runs many tasks on a few\n"
    "worker threads. Concurrency is many tasks in progress at once: it helps work that waits\n"
    "(network, disk). Parallelism is one job split across cores at the same instant: it helps\n"
    "work that computes. Each workload runs twice, sequentially on one thread and split by\n"
    "duet across the workers; the table shows both times, the speed-up (sequential / duet) and\n"
    "the efficiency (speed-up / workers: 100% means every worker was fully used).";

std::string section_list() {
  std::string s = "\nSections (--only):\n";
  for (const demo::section& sec : demo::sections()) s += "  " + std::string(sec.name) + ": " + sec.summary + "\n";
  return s;
}
}  // namespace

command add_demo_command(CLI::App& parent) {
  auto opts = std::make_shared<demo::options>();
  CLI::App* app =
      parent.add_subcommand("demo", "Run the classic examples sequentially and with duet, timed side by side");
  app->footer(std::string("\n") + idea + "\n" + section_list());

  const unsigned hw = std::max(1u, std::thread::hardware_concurrency());
  app->add_option("-t,--threads", opts->threads,
                  "Workers (threads) that duet splits the work across; default: one per hardware thread (" +
                      std::to_string(hw) + " here)")
      ->check(CLI::Range(1, 1024))
      ->type_name("N");
  app->add_option("-s,--scale", opts->scale,
                  "Multiply every workload's size by this factor: 0.01 for a quick look, 4 for steadier timings")
      ->check(CLI::Range(1e-6, 100.0))
      ->type_name("F")
      ->capture_default_str();
  app->add_option("-r,--rounds", opts->rounds, "Time each version this many times and keep the best run")
      ->check(CLI::Range(1, 100))
      ->type_name("R")
      ->capture_default_str();
  app->add_option("--trace", opts->trace_path,
                  "Record what every worker ran during the duet runs and write it as a Chrome trace (JSON) to FILE; "
                  "open it in https://ui.perfetto.dev")
      ->type_name("FILE");
  std::vector<std::string> names;
  for (const demo::section& s : demo::sections()) names.emplace_back(s.name);
  app->add_option("--only", opts->only, "Run only these sections (comma-separated)")
      ->delimiter(',')
      ->check(CLI::IsMember(names))
      ->type_name("NAME,...");
  auto latency = std::make_shared<std::string>("59ms");
  app->add_option("--latency", *latency,
                  "Per-page latency of the scraping experiment's local site (the tutorial measured 590ms; the "
                  "default is a tenth of it so that the demo takes about a minute)")
      ->type_name("TIME")
      ->capture_default_str();
  auto color = std::make_shared<std::string>("auto");
  app->add_option("--color", *color,
                  "Colour the output: auto (only on a terminal, and not when NO_COLOR is set), always or never")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->type_name("WHEN");
  auto list = std::make_shared<bool>(false);
  app->add_flag("--list", *list, "List the sections and exit");

  return {app, [opts, list, color, latency]() -> int {
            opts->latency = parse_duration(*latency);  // std::invalid_argument names the text
            opts->color = *color == "always"  ? color_mode::always
                          : *color == "never" ? color_mode::never
                                              : color_mode::automatic;
            if (*list) {
              for (const demo::section& s : demo::sections()) std::printf("%-6s %s\n", s.name, s.summary);
              return 0;
            }
            return demo::run(*opts);
          }};
}

}  // namespace duet_cli
