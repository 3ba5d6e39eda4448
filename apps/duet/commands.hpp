// The subcommands of the `duet` tool. Each adds itself to the parser and returns what to run
// if the user chose it; main() runs the chosen one and exits with its status.
#pragma once

#include <functional>

namespace CLI {
class App;
}

namespace duet_cli {

struct command {
  CLI::App* app;             ///< the subcommand's parser, to see whether it was chosen
  std::function<int()> run;  ///< runs the command; returns the exit status
};

/// `duet demo`: the seeds' examples, sequential vs duet, timed side by side.
command add_demo_command(CLI::App& parent);
/// `duet fetch`: download many URLs (sequential, threads, processes or async with adaptive concurrency).
command add_fetch_command(CLI::App& parent);
/// `duet serve`: the embedded test site (a list page and N slow pages) on 127.0.0.1.
command add_serve_command(CLI::App& parent);

}  // namespace duet_cli
