#include <CLI/CLI.hpp>
#include <cstdio>
int main(int argc, char** argv) {
  CLI::App app{"duet: concurrency and parallelism in one runtime"};
  app.require_subcommand(1);
  app.add_subcommand("demo", "Run the demo");
  CLI11_PARSE(app, argc, argv);
  std::puts("demo: placeholder");
  return 0;
}
