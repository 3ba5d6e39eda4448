// Internal: a descriptor registered with the loop's epoll (edge-triggered, both directions,
// once, on first wait) and the at most one reader and one writer waiting on it.
//
// Why no wake-up is lost with edge-triggered epoll: an operation first tries its syscall on
// whatever thread it runs (the fast path); if that fails with EAGAIN it is armed on the loop
// thread, which tries the syscall *again* before recording itself as the waiter. An edge that
// arrived between the two tries was either consumed by that second try or is still queued in
// epoll and will be reported with the waiter in place: the loop never runs epoll_wait between
// the second try and the recording.
#pragma once

#include <sys/types.h>
#include <atomic>
#include <cstddef>

#include "duet/io/detail/wait_op.hpp"

namespace duet::io::detail {

struct fd_op;

struct fd_entry {
  int fd = -1;
  bool registered = false;  // loop thread only
  fd_op* reader = nullptr;  // loop thread only
  fd_op* writer = nullptr;  // loop thread only
  // Loop thread only: the loop got a readable report while no reader was parked (it dropped
  // it), since the last reader armed. A read_some_drained() that arms with this unset may
  // park without trying the read: every byte that arrived after the caller's drained read
  // produced a report that is still on its way (see arm_fd).
  bool missed_read = false;
  void* backend_data[2] = {nullptr, nullptr};
  // Set (release) by the first operation that had to wait, before the loop sees the entry;
  // read (acquire) by close(): an entry the loop never saw is closed at once, on the caller.
  std::atomic<bool> loop_owned{false};  // the backend's per-direction state (io_uring: a pending poll)
};

/// A wait_op that performs a syscall when the descriptor is ready.
struct fd_op : wait_op {
  fd_op() noexcept : wait_op(wait_kind::fd) {}

  fd_entry* entry = nullptr;
  bool for_write = false;
  /// Performs the syscall; true when finished (result or error set), false on EAGAIN.
  bool (*attempt)(fd_op*) noexcept = nullptr;
  ssize_t result = 0;
  int error = 0;
  // Operation arguments, used by the attempt functions.
  std::byte* data = nullptr;
  std::size_t size = 0;
  std::size_t done = 0;
  const void* addr = nullptr;  // connect / sendto: the destination
  unsigned addr_len = 0;
  void* out_addr = nullptr;  // recvfrom: where the sender's address goes
  unsigned out_addr_len = 0;
  bool wait_first = false;      // read_some_drained(): see fd_entry::missed_read
  fd_op* armed_prev = nullptr;  // the loop's list of armed descriptor ops (loop thread only),
  fd_op* armed_next = nullptr;  // for cancelling them at shutdown

  /// Sets the descriptor, direction and syscall; call before begin().
  void init(fd_entry& e, bool write, bool (*fn)(fd_op*) noexcept) noexcept;
  /// On the loop: the descriptor reported ready for this op's direction.
  void on_ready() noexcept;
};

}  // namespace duet::io::detail
