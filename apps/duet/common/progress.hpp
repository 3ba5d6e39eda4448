// Progress of a job of N items for the duet tool: a bar redrawn in place on a terminal, plain
// lines (one per 10%) when the output is a file or a pipe, so logs stay readable.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>

namespace duet_cli {

/// How progress is shown: `automatic` draws a bar on a terminal and writes lines otherwise.
enum class progress_style { automatic, bar, lines, none };

/// One moment of a job.
struct progress_state {
  std::size_t done = 0;       ///< items finished (downloaded or failed)
  std::size_t total = 0;      ///< items in the job
  std::size_t failed = 0;     ///< of `done`, how many failed
  std::uint64_t bytes = 0;    ///< bytes so far
  std::size_t in_flight = 0;  ///< items started and not finished
  double elapsed = 0;         ///< seconds since the start
};

/// 1536 -> "1.5 KB", 2500000 -> "2.4 MB" (binary multiples, the units `ls -h` prints).
[[nodiscard]] std::string format_bytes(std::uint64_t bytes);
/// "[#######.............]  35%  81/232  8.1 MB  in flight 151  0.42 s", `width` cells of bar.
[[nodiscard]] std::string progress_bar_line(const progress_state& s, std::size_t width = 24);
/// "fetch: 40% (93/232, 9.3 MB, 2 failed, 0.61 s)".
[[nodiscard]] std::string progress_plain_line(std::string_view label, const progress_state& s);

/// Reports a job's progress to a stream; every member is safe to call from many threads.
class progress_reporter {
 public:
  progress_reporter(std::string label, progress_style style, std::FILE* out = stderr);
  progress_reporter(const progress_reporter&) = delete;
  progress_reporter& operator=(const progress_reporter&) = delete;

  /// Shows `s` if it is news: the bar at most ten times a second, a line per 10% crossed.
  void update(const progress_state& s);
  /// Writes a line of its own (an error, say) without tearing the bar: clears it, writes, redraws.
  void message(std::string_view line);
  /// Clears the bar (the summary comes next).
  void finish();

  /// True when it draws a bar (a terminal).
  [[nodiscard]] bool draws_bar() const noexcept { return style_ == progress_style::bar; }

 private:
  void clear_locked();

  std::mutex mu_;
  std::string label_;
  progress_style style_;
  std::FILE* out_;
  bool drawn_ = false;     // a bar is on the screen
  double last_draw_ = -1;  // elapsed time of the last redraw
  int last_decile_ = 0;    // the last 10% step written as a line
  progress_state last_{};  // what the bar shows
};

}  // namespace duet_cli
