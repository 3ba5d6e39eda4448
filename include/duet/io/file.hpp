// Regular files. Regular files are always "ready" to epoll, so readiness waiting cannot help
// them: when the io loop runs on io_uring, reads and writes (positional or not) are submitted
// to it (IORING_OP_READ / IORING_OP_WRITE) and the task resumes when the kernel is done; on
// epoll they run on the blocking pool (pread/pwrite). open, size and sync use the pool on both.
// Like a blocking call, a read or write in progress is not interrupted by cancellation.
//
//     auto f = co_await duet::file::open("data.bin", duet::file::read_only);
//     std::size_t n = co_await f.read_at(buffer, 4096);
//     std::string text = co_await duet::read_file("notes.txt");
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "duet/task/task.hpp"

namespace duet {

class file {
 public:
  enum mode : std::uint8_t {
    read_only = 0,
    write_only = 1,  ///< created if missing, truncated
    read_write = 2,  ///< created if missing, not truncated
    append = 3,      ///< created if missing; writes go to the end
  };

  file() noexcept = default;
  file(file&& o) noexcept : fd_(std::exchange(o.fd_, -1)), path_(std::move(o.path_)) {}
  file& operator=(file&& o) noexcept;
  file(const file&) = delete;
  file& operator=(const file&) = delete;
  ~file();

  /// Opens `path`. Throws std::system_error naming the path (e.g. "No such file or directory").
  static task<file> open(std::string path, mode m = read_only);

  /// Reads up to buf.size() bytes at `offset`; 0 at end of file.
  task<std::size_t> read_at(std::span<std::byte> buf, std::uint64_t offset);
  /// Writes all of `data` at `offset`.
  task<std::size_t> write_at(std::span<const std::byte> data, std::uint64_t offset);
  /// Appends all of `data` (files opened in append mode) or writes at the current position.
  task<std::size_t> write(std::span<const std::byte> data);
  /// The file's size in bytes.
  task<std::uint64_t> size();
  /// fsync: the data reached the disk.
  task<void> sync();
  void close() noexcept;

  [[nodiscard]] bool is_open() const noexcept { return fd_ >= 0; }
  [[nodiscard]] int native_handle() const noexcept { return fd_; }

 private:
  int fd_ = -1;
  std::string path_;
};

/// Reads a whole file.
task<std::string> read_file(std::string path);
/// Creates or replaces a file with `data`.
task<void> write_file(std::string path, std::string data);

}  // namespace duet
