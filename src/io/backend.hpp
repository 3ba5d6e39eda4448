// Private to src/io: how the io loop waits for the kernel. Two implementations: epoll
// (edge-triggered registration once per descriptor) and io_uring (a one-shot poll per wait,
// through liburing). Both report "this descriptor is ready for reading/writing"; the
// operations themselves are the same non-blocking syscalls either way (see fd_entry.hpp).
// Only the loop thread calls these, except wake().
#pragma once

#include <cerrno>
#include <cstdint>
#include <memory>
#include <vector>

#include "duet/io/detail/fd_entry.hpp"

namespace duet::io::detail {

// A regular-file read or write that the backend performs itself (io_uring: IORING_OP_READ /
// IORING_OP_WRITE). Regular files are always "ready" to epoll, so readiness cannot help them;
// the epoll backend leaves them to the blocking pool. Not cancellable once submitted.
struct file_op : wait_op {
  file_op() noexcept : wait_op(wait_kind::file) {}
  static constexpr std::uint64_t current_position = ~std::uint64_t{0};
  int fd = -1;
  bool write = false;
  void* data = nullptr;
  unsigned size = 0;
  std::uint64_t offset = current_position;
  int result = 0;  // bytes transferred, or -errno
};

struct readiness {
  fd_entry* entry;
  bool readable;  // includes hang-up and error: the next syscall reports them
  bool writable;
};

class backend {
 public:
  virtual ~backend() = default;
  [[nodiscard]] virtual const char* name() const noexcept = 0;
  /// An operation on `e` would block in direction `write`: report when it may not.
  /// Throws std::system_error (e.g. ENOMEM, a descriptor epoll refuses).
  virtual void want(fd_entry& e, bool write) = 0;
  /// `e` is being closed: forget it; no readiness may be reported for it afterwards.
  virtual void forget(fd_entry& e) noexcept = 0;
  /// Waits up to `timeout_ms` (-1: no limit; 0: poll) and appends what became ready.
  virtual void wait(int timeout_ms, std::vector<readiness>& out) = 0;
  /// True if submit_file() works (io_uring); else files go to the blocking pool.
  [[nodiscard]] virtual bool runs_file_ops() const noexcept { return false; }
  /// Starts `op`; its completion (in a later wait()) sets op.result and calls op.complete().
  virtual void submit_file(file_op& op) noexcept {
    op.result = -ENOSYS;
    op.complete();
  }
  /// Any thread: makes a wait() in progress (or the next one) return promptly.
  virtual void wake() noexcept = 0;
};

std::unique_ptr<backend> make_epoll_backend();
/// nullptr when io_uring is unavailable (kernel, seccomp, or not built with liburing).
std::unique_ptr<backend> make_uring_backend();
/// Picks a backend: `requested` or $DUET_IO_BACKEND ("epoll", "io_uring"; default: io_uring
/// when available, else epoll). Throws std::invalid_argument for an unknown name and
/// std::runtime_error when io_uring is requested but unavailable.
std::unique_ptr<backend> make_backend(const char* requested);

}  // namespace duet::io::detail
