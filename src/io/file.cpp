#include "duet/io/file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>
#include <utility>

#include "duet/io/blocking.hpp"

namespace duet {

namespace {
[[noreturn]] void fail(int err, const std::string& what) {
  throw std::system_error(err, std::generic_category(), what);
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
