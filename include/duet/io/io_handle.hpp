// io_handle: an owned, non-blocking descriptor bound to an io loop, with the awaitable read
// and write every stream (TCP, Unix socket, pipe) shares.
//
//     std::size_t n = co_await stream.read_some(buffer);   // 0 at end of stream
//     co_await stream.write_all(bytes);                    // every byte, or an exception
//
// Errors throw std::system_error whose message names the operation and the errno text
// ("duet: read: Connection reset by peer"). Writes to a closed peer raise EPIPE; they never
// kill the process with SIGPIPE. At most one read and one write may be pending on a handle
// at a time (a reader task and a writer task may share it).
#pragma once

#include <coroutine>
#include <cstddef>
#include <memory>
#include <span>
#include <string_view>
#include <system_error>

#include "duet/io/detail/fd_entry.hpp"
#include "duet/io/io_loop.hpp"
#include "duet/task/cancel.hpp"
#include "duet/task/task.hpp"

namespace duet {

/// The arguments of one descriptor operation: its buffer and, for connect, the address.
struct fd_args {
  std::byte* data = nullptr;
  std::size_t size = 0;
  const void* addr = nullptr;
  unsigned addr_len = 0;
  void* out_addr = nullptr;
  unsigned out_addr_len = 0;
  /// Reads only: skip the first try and wait for readiness at once (see read_some_drained).
  bool wait_first = false;
};

/// Awaitable for one descriptor operation: tries the syscall at once, waits for readiness only
/// when it would block. Completes with the byte count (or the new descriptor for accept).
class [[nodiscard]] fd_awaiter {
 public:
  using attempt_fn = bool (*)(io::detail::fd_op*) noexcept;
  fd_awaiter(io::detail::fd_entry& e, io_loop& loop, bool write, attempt_fn fn, const char* what,
             const fd_args& a = {}) noexcept
      : loop_(loop), what_(what) {
    op_.init(e, write, fn);
    op_.data = a.data;
    op_.size = a.size;
    op_.addr = a.addr;
    op_.addr_len = a.addr_len;
    op_.out_addr = a.out_addr;
    op_.out_addr_len = a.out_addr_len;
    op_.wait_first = a.wait_first;
  }
  fd_awaiter(const fd_awaiter&) = delete;
  fd_awaiter& operator=(const fd_awaiter&) = delete;

  bool await_ready() noexcept {
    if (op_.wait_first) return false;
    fast_ = op_.attempt(&op_);
    return fast_;
  }
  template <class P>
  bool await_suspend(std::coroutine_handle<P> h) noexcept {
    // release: pairs with the acquire in io_handle::close().
    op_.entry->loop_owned.store(true, std::memory_order_release);
    return op_.begin(loop_, h, io::detail::token_of(h));
  }
  std::size_t await_resume() {
    if (!fast_ && op_.finish()) throw cancelled_error();
    if (op_.error != 0) throw std::system_error(op_.error, std::generic_category(), what_);
    return static_cast<std::size_t>(op_.result);
  }
  /// After completion: the length of the address a recvfrom stored.
  [[nodiscard]] unsigned out_addr_len() const noexcept { return op_.out_addr_len; }

 private:
  io::detail::fd_op op_;
  io_loop& loop_;
  const char* what_;
  bool fast_ = false;
};

class io_handle {
 public:
  io_handle() noexcept = default;
  /// Takes ownership of `fd` (made non-blocking here) for use on `loop`.
  io_handle(int fd, io_loop& loop);
  io_handle(io_handle&&) noexcept = default;
  io_handle& operator=(io_handle&& o) noexcept {
    if (this != &o) {
      close();
      e_ = std::move(o.e_);
      loop_ = o.loop_;
    }
    return *this;
  }
  ~io_handle() { close(); }

  [[nodiscard]] bool is_open() const noexcept { return e_ != nullptr; }
  [[nodiscard]] int native_handle() const noexcept { return e_ ? e_->fd : -1; }
  [[nodiscard]] io_loop& loop() const noexcept { return *loop_; }
  /// Closes the descriptor. A read or write still pending on it fails with EBADF. Called off
  /// the loop's thread, the close itself runs on the loop, moments later (in order with
  /// everything else posted there): the loop may still be reporting events for it.
  void close() noexcept;

  /// Reads what is available, at most buf.size() bytes; 0 means end of stream.
  fd_awaiter read_some(std::span<std::byte> buf);
  /// read_some for a caller whose previous read on this handle returned fewer bytes than it
  /// asked for (so the socket was drained then) and that has read nothing since: it waits for
  /// readiness without first trying the read, saving a syscall that would fail with EAGAIN
  /// (how an HTTP server waits for a keep-alive client's next request). The loop still tries
  /// the read before parking whenever a readiness report could have been missed meanwhile, so
  /// no wake-up is lost. Calling it when the previous read filled its buffer may wait for
  /// data that is already there (with epoll's edge-triggered registration, until more comes).
  fd_awaiter read_some_drained(std::span<std::byte> buf);
  /// Reads exactly buf.size() bytes; throws std::system_error(ECONNRESET) naming how many
  /// bytes arrived if the stream ends first.
  task<void> read_exact(std::span<std::byte> buf);
  /// Writes every byte of `buf`; returns buf.size().
  fd_awaiter write_all(std::span<const std::byte> buf);
  /// Convenience: writes the bytes of a string.
  fd_awaiter write_all(std::string_view s) { return write_all(std::as_bytes(std::span(s.data(), s.size()))); }

 public:
  /// Internal: the loop's record of the descriptor; throws std::logic_error when closed.
  [[nodiscard]] io::detail::fd_entry& entry() const;

 protected:
  std::unique_ptr<io::detail::fd_entry> e_;
  io_loop* loop_ = nullptr;
};

}  // namespace duet
