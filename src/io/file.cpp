#include "duet/io/file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <system_error>
#include <utility>

#include "duet/io/blocking.hpp"
#include "duet/io/io_loop.hpp"
#include "loop_state.hpp"

namespace duet {

namespace {
[[noreturn]] void fail(int err, const std::string& what) {
  throw std::system_error(err, std::generic_category(), what);
}

// One read or write submitted to the io loop's io_uring (see io::detail::file_op). The task
// resumes on its home executor with the kernel's result: bytes, or -errno.
class uring_file_awaiter {
 public:
  uring_file_awaiter(io_loop& l, int fd, bool write, void* data, std::size_t size, std::uint64_t offset) noexcept {
    op_.loop = &l;
    op_.fd = fd;
    op_.write = write;
    op_.data = data;
    // One submission moves at most 1 GiB (the SQE's length is 32 bits); callers loop.
    op_.size = static_cast<unsigned>(std::min<std::size_t>(size, std::size_t{1} << 30));
    op_.offset = offset;
  }
  bool await_ready() const noexcept { return false; }
  template <class P>
  bool await_suspend(std::coroutine_handle<P> h) noexcept {
    // Not cancellable once submitted (the kernel writes into the buffer until it is done), as a
    // call on the blocking pool is not: no stop slot.
    return op_.begin(*op_.loop, h, nullptr);
  }
  int await_resume() {
    if (op_.finish()) throw cancelled_error();  // only when the loop stopped before submitting
    return op_.result;
  }

 private:
  io::detail::file_op op_;
};

// The loop whose backend performs file I/O itself (io_uring), or nullptr: use the blocking pool.
io_loop* uring_loop() {
  io_loop& l = ambient_loop();
  return l.state().kernel->runs_file_ops() ? &l : nullptr;
}

// Reads once at `offset` through io_uring; retries EINTR/EAGAIN.
task<std::size_t> uring_read(io_loop& l, int fd, std::span<std::byte> buf, std::uint64_t offset,
                             const std::string& path) {
  for (;;) {
    const int r = co_await uring_file_awaiter(l, fd, false, buf.data(), buf.size(), offset);
    if (r >= 0) co_return static_cast<std::size_t>(r);
    if (r != -EINTR && r != -EAGAIN) fail(-r, "duet: read '" + path + "'");
  }
}

// Writes all of `data` through io_uring, at `offset` (or the file position) onwards.
task<void> uring_write(io_loop& l, int fd, std::span<const std::byte> data, std::uint64_t offset,
                       const std::string& path) {
  std::size_t done = 0;
  while (done < data.size()) {
    const std::uint64_t at = offset == io::detail::file_op::current_position ? offset : offset + done;
    // The kernel only reads from the buffer of a write.
    void* p = const_cast<std::byte*>(data.data() + done);
    const int r = co_await uring_file_awaiter(l, fd, true, p, data.size() - done, at);
    if (r < 0) {
      if (r == -EINTR || r == -EAGAIN) continue;
      fail(-r, "duet: write '" + path + "'");
    }
    if (r == 0) fail(EIO, "duet: write '" + path + "' made no progress");
    done += static_cast<std::size_t>(r);
  }
}

int flags_for(file::mode m) {
  switch (m) {
    case file::read_only:
      return O_RDONLY;
    case file::write_only:
      return O_WRONLY | O_CREAT | O_TRUNC;
    case file::read_write:
      return O_RDWR | O_CREAT;
    case file::append:
      return O_WRONLY | O_CREAT | O_APPEND;
  }
  return O_RDONLY;
}
}  // namespace

file& file::operator=(file&& o) noexcept {
  if (this != &o) {
    close();
    fd_ = std::exchange(o.fd_, -1);
    path_ = std::move(o.path_);
  }
  return *this;
}

file::~file() { close(); }

void file::close() noexcept {
  if (fd_ >= 0) ::close(std::exchange(fd_, -1));
}

task<file> file::open(std::string path, mode m) {
  // errno belongs to the blocking thread: each call returns -errno itself.
  const int fd = co_await spawn_blocking([&] {
    const int r = ::open(path.c_str(), flags_for(m) | O_CLOEXEC, 0644);
    return r < 0 ? -errno : r;
  });
  if (fd < 0) fail(-fd, "duet: open '" + path + "'");
  file f;
  f.fd_ = fd;
  f.path_ = std::move(path);
  co_return f;
}

task<std::size_t> file::read_at(std::span<std::byte> buf, std::uint64_t offset) {
  if (io_loop* l = uring_loop()) co_return co_await uring_read(*l, fd_, buf, offset, path_);
  const ssize_t n = co_await spawn_blocking([&] {
    ssize_t r;
    do r = ::pread(fd_, buf.data(), buf.size(), static_cast<off_t>(offset));
    while (r < 0 && errno == EINTR);
    return r < 0 ? static_cast<ssize_t>(-errno) : r;
  });
  if (n < 0) fail(static_cast<int>(-n), "duet: read '" + path_ + "'");
  co_return static_cast<std::size_t>(n);
}

task<std::size_t> file::write_at(std::span<const std::byte> data, std::uint64_t offset) {
  if (io_loop* l = uring_loop()) {
    co_await uring_write(*l, fd_, data, offset, path_);
    co_return data.size();
  }
  const int err = co_await spawn_blocking([&] {
    std::size_t done = 0;
    while (done < data.size()) {
      const ssize_t r = ::pwrite(fd_, data.data() + done, data.size() - done, static_cast<off_t>(offset + done));
      if (r < 0) {
        if (errno == EINTR) continue;
        return errno;
      }
      done += static_cast<std::size_t>(r);
    }
    return 0;
  });
  if (err != 0) fail(err, "duet: write '" + path_ + "'");
  co_return data.size();
}

task<std::size_t> file::write(std::span<const std::byte> data) {
  if (io_loop* l = uring_loop()) {
    co_await uring_write(*l, fd_, data, io::detail::file_op::current_position, path_);
    co_return data.size();
  }
  const int err = co_await spawn_blocking([&] {
    std::size_t done = 0;
    while (done < data.size()) {
      const ssize_t r = ::write(fd_, data.data() + done, data.size() - done);
      if (r < 0) {
        if (errno == EINTR) continue;
        return errno;
      }
      done += static_cast<std::size_t>(r);
    }
    return 0;
  });
  if (err != 0) fail(err, "duet: write '" + path_ + "'");
  co_return data.size();
}

task<std::uint64_t> file::size() {
  struct stat st{};
  const int r = co_await spawn_blocking([&] { return ::fstat(fd_, &st) == 0 ? 0 : errno; });
  if (r != 0) fail(r, "duet: stat '" + path_ + "'");
  co_return static_cast<std::uint64_t>(st.st_size);
}

task<void> file::sync() {
  const int r = co_await spawn_blocking([&] { return ::fsync(fd_) == 0 ? 0 : errno; });
  if (r != 0) fail(r, "duet: fsync '" + path_ + "'");
}

task<std::string> read_file(std::string path) {
  file f = co_await file::open(path);
  std::string out;
  std::uint64_t off = 0;
  for (;;) {
    out.resize(off + 65536);
    const std::size_t n = co_await f.read_at(std::as_writable_bytes(std::span(out.data() + off, 65536)), off);
    off += n;
    if (n == 0) break;
  }
  out.resize(off);
  co_return out;
}

task<void> write_file(std::string path, std::string data) {
  file f = co_await file::open(std::move(path), file::write_only);
  co_await f.write_at(std::as_bytes(std::span(data.data(), data.size())), 0);
}

}  // namespace duet
