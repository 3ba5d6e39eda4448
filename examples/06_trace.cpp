// Seeing what ran where: with tracing on, every worker records the tasks it ran, its steals
// and its naps; write_chrome_json writes them as a Chrome trace. Open the file in
// https://ui.perfetto.dev (or chrome://tracing): one row per worker.
//
//     example_06_trace [FILE]      (default: duet_trace.json in the current directory)
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "duet/duet.hpp"

std::uint64_t fib(unsigned n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

std::uint64_t parallel_fib(unsigned n) {
  if (n < 18) return fib(n);
  auto [a, b] = duet::join([&] { return parallel_fib(n - 1); }, [&] { return parallel_fib(n - 2); });
  return a + b;
}

int main(int argc, char** argv) {
  const std::string path = argc > 1 ? argv[1] : "duet_trace.json";
  duet::runtime rt({.cpu_threads = 2});

  duet::trace::enable();
  std::uint64_t f = 0;
  {
    duet::trace::span span("fib(27)");  // a named span on this thread's row
    f = parallel_fib(27);
  }
  duet::trace::disable();
  duet::trace::write_chrome_json(path);
  std::printf("fib(27) = %" PRIu64 "; wrote %zu trace events to %s\n", f, duet::trace::event_count(), path.c_str());

  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  const std::string json = text.str();
  const bool ok = f == 196'418 && json.starts_with("{") && json.find("\"traceEvents\"") != std::string::npos &&
                  json.find("fib(27)") != std::string::npos;
  std::puts(ok ? "ok" : "WRONG");
  return ok ? 0 : 1;
}
