// duet: the command-line face of the runtime. Subcommands: `demo` (more arrive with the I/O,
// graph, process and trace layers: fetch, serve, bench, run, images, advise).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <vector>

#include "commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{
      "duet: concurrency and parallelism in one C++20 runtime.\n"
      "A task is what to do, a worker is where it runs; concurrency keeps many waiting tasks in\n"
      "flight, parallelism splits one computing job across cores.",
      "duet"};
  app.set_version_flag("--version", "duet " DUET_VERSION_STRING, "Print the version and exit");
  app.require_subcommand(1);
  app.footer("\nRun `duet demo --help` for the demo's options.");

  std::vector<duet_cli::command> commands;
  commands.push_back(duet_cli::add_demo_command(app));
  commands.push_back(duet_cli::add_serve_command(app));
  commands.push_back(duet_cli::add_fetch_command(app));

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    for (const duet_cli::command& c : commands)
      if (c.app->parsed()) return c.run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "duet: error: %s\n", e.what());
    return 1;
  }
  return 2;  // unreachable: CLI11 requires one subcommand
}
