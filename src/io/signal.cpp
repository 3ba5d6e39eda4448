#include "duet/io/signal.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <mutex>
#include <stdexcept>
#include <string>
#include <system_error>

#include "duet/io/io_handle.hpp"

namespace duet {

namespace {

// One self-pipe per signal number. The handler only reads write_end_plus1[] (descriptor + 1;
// 0 = none) and calls write(2), both async-signal-safe. relaxed atomics: the handler is
// installed (sigaction) after the store, and sigaction orders the store before any delivery.
std::array<std::atomic<int>, NSIG> write_end_plus1{};
std::array<int, NSIG> read_end = [] {
  std::array<int, NSIG> a{};
  a.fill(-1);
  return a;
}();
std::mutex install_mu;

extern "C" void on_signal(int signo) {
  const int saved = errno;
  const int fd = write_end_plus1[static_cast<std::size_t>(signo)].load(std::memory_order_relaxed) - 1;
  const char byte = 1;
  if (fd >= 0) [[maybe_unused]]
    auto r = ::write(fd, &byte, 1);  // a full pipe drops extras
  errno = saved;
}

int install(int signo) {
  if (signo <= 0 || signo >= NSIG || signo == SIGKILL || signo == SIGSTOP)
    throw std::invalid_argument("duet::signal: signal " + std::to_string(signo) + " cannot be awaited");
  std::lock_guard lock(install_mu);
  auto i = static_cast<std::size_t>(signo);
  if (read_end[i] >= 0) return read_end[i];
  int fds[2];
  if (::pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) throw std::system_error(errno, std::generic_category(), "duet: pipe");
  write_end_plus1[i].store(fds[1] + 1, std::memory_order_relaxed);
  read_end[i] = fds[0];
  struct sigaction sa{};
  sa.sa_handler = &on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  if (::sigaction(signo, &sa, nullptr) != 0)
    throw std::system_error(errno, std::generic_category(), "duet: sigaction " + std::to_string(signo));
  return fds[0];
}

}  // namespace

task<int> signal(int signo, io_loop& loop) {
  const int shared = install(signo);
  // A private descriptor of the shared pipe, so that this wait has its own loop registration.
  const int fd = ::fcntl(shared, F_DUPFD_CLOEXEC, 0);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "duet: dup signal pipe");
  io_handle h(fd, loop);
  std::array<std::byte, 1> b{};
  co_await h.read_some(b);
  co_return signo;
}

}  // namespace duet
