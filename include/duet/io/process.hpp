// Child processes: start a command, talk to it through pipes, await its exit.
//
//     auto p = duet::child::spawn({.program = "sort", .stdin_mode = duet::stdio::pipe,
//                                  .stdout_mode = duet::stdio::pipe});
//     co_await p.stdin_pipe().write_all("b\na\n"sv);
//     p.close_stdin();
//     std::string sorted = co_await duet::read_to_end(p.stdout_pipe());
//     duet::exit_status st = co_await p.wait();
//
// The exit is awaited through a pidfd (no SIGCHLD handler, no polling). Cancelling the task
// that awaits wait() kills the child (SIGKILL) and reaps it, so `timeout(p.wait(), 5s)` deals
// with a child that will not exit. (GCC 12 mis-compiles a braced `command{...}` written inside
// a co_await expression: build the command in a variable first.) A child object destroyed before it was waited for
// kills and reaps the child: no zombies, no orphans left running.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "duet/io/io_handle.hpp"
#include "duet/task/task.hpp"

namespace duet {

/// What a child's standard stream is connected to.
enum class stdio : std::uint8_t { inherit, pipe, null };

/// A command to run; use designated initialisers.
struct command {
  // Every member has a default initialiser, so designated initialisers may omit any of them
  // without -Wmissing-field-initializers.
  std::string program{};                                   ///< looked up in PATH when it has no '/'
  std::vector<std::string> args{};                         ///< arguments after the program name
  std::optional<std::string> cwd{};                        ///< working directory of the child
  std::vector<std::pair<std::string, std::string>> env{};  ///< variables added to (or replacing) ours
  stdio stdin_mode = stdio::inherit;
  stdio stdout_mode = stdio::inherit;
  stdio stderr_mode = stdio::inherit;
};

/// How a child ended.
struct exit_status {
  int code = -1;   ///< exit code, or -1 if killed by a signal
  int signal = 0;  ///< the signal that killed it, or 0
  [[nodiscard]] bool success() const noexcept { return code == 0; }
  /// "exited with code 3" / "killed by signal 9 (Killed)".
  [[nodiscard]] std::string to_string() const;
};

class child {
 public:
  /// Starts `cmd`. Throws std::system_error naming the program (e.g. "No such file or
  /// directory") when it cannot be started.
  static child spawn(const command& cmd, io_loop& loop = ambient_loop());

  child(child&&) noexcept;
  child& operator=(child&&) noexcept;
  child(const child&) = delete;
  child& operator=(const child&) = delete;
  /// Kills (SIGKILL) and reaps a child that was not waited for.
  ~child();

  [[nodiscard]] pid_t pid() const noexcept { return pid_; }
  /// The pipes (only for streams spawned with stdio::pipe; std::logic_error otherwise).
  io_handle& stdin_pipe();
  io_handle& stdout_pipe();
  io_handle& stderr_pipe();
  /// Closes our end of the child's stdin: the child reads end of file.
  void close_stdin() noexcept { in_.close(); }

  /// Waits for the child to exit. If the waiting task is cancelled, kills the child first.
  task<exit_status> wait();
  /// Sends `sig` (default SIGTERM) if the child is still running.
  void kill(int sig = 15);

 private:
  child() = default;
  void reap_now() noexcept;

  pid_t pid_ = -1;
  io_handle pidfd_;
  io_handle in_, out_, err_;
  std::optional<exit_status> status_;
};

/// Reads a handle until end of stream.
task<std::string> read_to_end(io_handle& h);

/// What run() collects.
struct output {
  exit_status status;
  std::string out;  ///< everything the child wrote to stdout
  std::string err;  ///< everything the child wrote to stderr
};

/// Runs `cmd` to completion with stdout and stderr captured (stdin from /dev/null unless the
/// command says otherwise).
task<output> run(command cmd, io_loop& loop = ambient_loop());

}  // namespace duet
