#include "duet/io/process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <stdexcept>
#include <system_error>

#include "duet/task/when_all.hpp"

extern char** environ;

namespace duet {

namespace {

[[noreturn]] void fail(int err, const std::string& what) {
  throw std::system_error(err, std::generic_category(), what);
}

int pidfd_open(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

exit_status decode(const siginfo_t& info) {
  exit_status st;
  if (info.si_code == CLD_EXITED)
    st.code = info.si_status;
  else
    st.signal = info.si_status;
  return st;
}

// Readable pidfd + waitid(WNOHANG): reaps the child once it has exited.
bool attempt_reap(io::detail::fd_op* op) noexcept {
  siginfo_t info{};
  for (;;) {
    if (::waitid(P_PIDFD, static_cast<id_t>(op->entry->fd), &info, WEXITED | WNOHANG) == 0) break;
    if (errno == EINTR) continue;
    op->error = errno;
    op->result = -1;
    return true;
  }
  if (info.si_pid == 0) return false;  // still running
  static_assert(sizeof(siginfo_t) <= 256);
  std::memcpy(op->data, &info, sizeof info);
  op->result = 0;
  return true;
}

// Owns the descriptors that posix_spawn's file actions need until the child has them.
struct spawn_fds {
  int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1}, null = -1;
  ~spawn_fds() {
    for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1], null})
      if (fd >= 0) ::close(fd);
  }
};

void make_pipe(int fds[2]) {
  if (::pipe2(fds, O_CLOEXEC) != 0) fail(errno, "duet: pipe for child");
}

}  // namespace

std::string exit_status::to_string() const {
  if (signal != 0) return "killed by signal " + std::to_string(signal) + " (" + strsignal(signal) + ")";
  return "exited with code " + std::to_string(code);
}

child child::spawn(const command& cmd, io_loop& loop) {
  if (cmd.program.empty()) throw std::invalid_argument("duet::child::spawn: empty program name");
  spawn_fds fds;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  struct fa_guard {
    posix_spawn_file_actions_t* p;
    ~fa_guard() { posix_spawn_file_actions_destroy(p); }
  } fa_g{&fa};

  auto wire = [&](stdio mode, int pipe_fds[2], int target, bool child_reads) {
    if (mode == stdio::pipe) {
      make_pipe(pipe_fds);
      posix_spawn_file_actions_adddup2(&fa, pipe_fds[child_reads ? 0 : 1], target);
    } else if (mode == stdio::null) {
      if (fds.null < 0) fds.null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
      if (fds.null < 0) fail(errno, "duet: open /dev/null");
      posix_spawn_file_actions_adddup2(&fa, fds.null, target);
    }
  };
  wire(cmd.stdin_mode, fds.in, 0, true);
  wire(cmd.stdout_mode, fds.out, 1, false);
  wire(cmd.stderr_mode, fds.err, 2, false);
  if (cmd.cwd) posix_spawn_file_actions_addchdir_np(&fa, cmd.cwd->c_str());

  // argv and envp
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(cmd.program.c_str()));
  for (const auto& a : cmd.args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::map<std::string, std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const char* eq = std::strchr(*e, '=');
    if (eq != nullptr) env[std::string(*e, static_cast<std::size_t>(eq - *e))] = eq + 1;
  }
  for (const auto& [k, v] : cmd.env) env[k] = v;
  std::vector<std::string> env_strings;
  env_strings.reserve(env.size());
  for (const auto& [k, v] : env) {
    std::string kv = k;
    kv += '=';
    kv += v;
    env_strings.push_back(std::move(kv));
  }
  std::vector<char*> envp;
  envp.reserve(env_strings.size() + 1);
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);

  // The child starts with default signal dispositions and an empty mask (the runtime
  // ignores SIGPIPE; a child must not inherit that).
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, cmd.program.c_str(), &fa, &attr, argv.data(), envp.data());
  posix_spawnattr_destroy(&attr);
  if (rc != 0) fail(rc, "duet: spawn '" + cmd.program + "'");

  child c;
  c.pid_ = pid;
  const int pfd = pidfd_open(pid);
  if (pfd < 0) {
    const int e = errno;
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    fail(e, "duet: pidfd_open");
  }
  c.pidfd_ = io_handle(pfd, loop);
  // Keep our ends; the child's ends close when `fds` goes out of scope.
  if (cmd.stdin_mode == stdio::pipe) c.in_ = io_handle(std::exchange(fds.in[1], -1), loop);
  if (cmd.stdout_mode == stdio::pipe) c.out_ = io_handle(std::exchange(fds.out[0], -1), loop);
  if (cmd.stderr_mode == stdio::pipe) c.err_ = io_handle(std::exchange(fds.err[0], -1), loop);
  return c;
}

child::child(child&& o) noexcept
    : pid_(std::exchange(o.pid_, -1)),
      pidfd_(std::move(o.pidfd_)),
      in_(std::move(o.in_)),
      out_(std::move(o.out_)),
      err_(std::move(o.err_)),
      status_(o.status_) {}

child& child::operator=(child&& o) noexcept {
  if (this != &o) {
    reap_now();
    pid_ = std::exchange(o.pid_, -1);
    pidfd_ = std::move(o.pidfd_);
    in_ = std::move(o.in_);
    out_ = std::move(o.out_);
    err_ = std::move(o.err_);
    status_ = o.status_;
  }
  return *this;
}

child::~child() { reap_now(); }

void child::reap_now() noexcept {
  if (pid_ < 0 || status_) return;
  ::kill(pid_, SIGKILL);
  siginfo_t info{};
  while (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED) != 0 && errno == EINTR) {
  }
  status_ = decode(info);
}

io_handle& child::stdin_pipe() {
  if (!in_.is_open()) throw std::logic_error("duet::child: stdin is not a pipe (or was closed)");
  return in_;
}
io_handle& child::stdout_pipe() {
  if (!out_.is_open()) throw std::logic_error("duet::child: stdout is not a pipe");
  return out_;
}
io_handle& child::stderr_pipe() {
  if (!err_.is_open()) throw std::logic_error("duet::child: stderr is not a pipe");
  return err_;
}

void child::kill(int sig) {
  if (pid_ < 0 || status_) return;
  // The pidfd names exactly our child, even if its pid was reused after an exit we have not
  // reaped yet (it cannot be: we hold the zombie until waitid).
  if (::syscall(SYS_pidfd_send_signal, pidfd_.native_handle(), sig, nullptr, 0) != 0 && errno != ESRCH)
    fail(errno, "duet: kill child " + std::to_string(pid_));
}

task<exit_status> child::wait() {
  if (status_) co_return *status_;
  if (pid_ < 0) throw std::logic_error("duet::child::wait: no child");
  alignas(siginfo_t) std::byte info_buf[sizeof(siginfo_t)];
  bool cancelled = false;
  try {
    co_await fd_awaiter(pidfd_.entry(), pidfd_.loop(), false, &attempt_reap, "duet: wait for child",
                        {.data = info_buf, .size = sizeof info_buf});
  } catch (const cancelled_error&) {
    cancelled = true;
  }
  if (cancelled) {
    reap_now();  // SIGKILL, then a short blocking reap
    throw cancelled_error();
  }
  siginfo_t info{};
  std::memcpy(&info, info_buf, sizeof info);
  status_ = decode(info);
  co_return *status_;
}

task<std::string> read_to_end(io_handle& h) {
  std::string all;
  std::array<std::byte, 16384> buf{};
  for (;;) {
    const std::size_t n = co_await h.read_some(buf);
    if (n == 0) co_return all;
    all.append(reinterpret_cast<const char*>(buf.data()), n);
  }
}

task<output> run(command cmd, io_loop& loop) {
  cmd.stdout_mode = stdio::pipe;
  cmd.stderr_mode = stdio::pipe;
  if (cmd.stdin_mode == stdio::inherit) cmd.stdin_mode = stdio::null;
  child c = child::spawn(cmd, loop);
  // Drain both pipes concurrently: a child blocked on a full stderr pipe would never exit.
  auto [out, err] = co_await when_all(read_to_end(c.stdout_pipe()), read_to_end(c.stderr_pipe()));
  exit_status st = co_await c.wait();
  co_return output{st, std::move(out), std::move(err)};
}

}  // namespace duet
