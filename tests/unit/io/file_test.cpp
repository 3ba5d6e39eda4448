// Regular files on both backends (ctest runs this suite on io_uring, where reads and writes are
// IORING_OP_READ/WRITE submissions, and again on epoll, where they run on the blocking pool):
// bytes that land at their offsets, compared with a std::string reference.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "duet/duet.hpp"

namespace {
std::string temp_file(const char* tag) {
  static std::atomic<int> seq{0};
  return (std::filesystem::temp_directory_path() /
          ("duet-file-test-" + std::to_string(getpid()) + "-" + std::to_string(seq++) + "-" + tag + ".bin"))
      .string();
}
std::span<const std::byte> bytes(std::string_view s) { return std::as_bytes(std::span(s.data(), s.size())); }
std::string random_text(std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}
// Removes the file when the test ends, whatever happened.
struct scratch {
  std::string path;
  explicit scratch(const char* tag) : path(temp_file(tag)) {}
  ~scratch() { std::filesystem::remove(path); }
};
}  // namespace

TEST(File, AWholeFileLargerThanOneReadComesBackByteForByte) {
  duet::runtime rt({.cpu_threads = 2});
  scratch f("whole");
  const std::string data = random_text(3 * 1024 * 1024 + 123, 1);  // read_file reads 64 KiB at a time
  auto body = [&]() -> duet::task<std::string> {
    co_await duet::write_file(f.path, data);
    co_return co_await duet::read_file(f.path);
  };
  const std::string back = rt.block_on(body());
  ASSERT_EQ(back.size(), data.size());
  EXPECT_TRUE(back == data);
  EXPECT_EQ(std::filesystem::file_size(f.path), data.size());
}

TEST(File, PositionalWritesLandAtTheirOffsetsInAnyOrder) {
  duet::runtime rt({.cpu_threads = 2});
  scratch f("positional");
  constexpr std::size_t block = 4096, blocks = 64;
  std::string reference(block * blocks, '\0');
  for (std::size_t b = 0; b < blocks; ++b) reference.replace(b * block, block, random_text(block, 100 + b));
  auto body = [&]() -> duet::task<std::vector<std::string>> {
    auto file = co_await duet::file::open(f.path, duet::file::read_write);
    for (std::size_t i = 0; i < blocks; ++i) {  // back to front, with a stride: never sequential
      const std::size_t b = (blocks - 1 - i) * 7 % blocks;
      co_await file.write_at(bytes(std::string_view(reference).substr(b * block, block)), b * block);
    }
    EXPECT_EQ(co_await file.size(), reference.size());
    std::vector<std::string> reads;
    for (std::uint64_t off :
         {std::uint64_t{0}, std::uint64_t{4095}, std::uint64_t{100000}, std::uint64_t{block * blocks - 10}}) {
      std::string buf(1000, '\0');
      const std::size_t n = co_await file.read_at(std::as_writable_bytes(std::span(buf.data(), buf.size())), off);
      buf.resize(n);
      reads.push_back(std::move(buf));
    }
    std::string past(16, '\0');
    EXPECT_EQ(co_await file.read_at(std::as_writable_bytes(std::span(past.data(), past.size())), reference.size()), 0u)
        << "a read at the end of the file returns 0";
    co_return reads;
  };
  const auto reads = rt.block_on(body());
  ASSERT_EQ(reads.size(), 4u);
  EXPECT_TRUE(reads[0] == reference.substr(0, 1000));
  EXPECT_TRUE(reads[1] == reference.substr(4095, 1000));
  EXPECT_TRUE(reads[2] == reference.substr(100000, 1000));
  EXPECT_TRUE(reads[3] == reference.substr(block * blocks - 10)) << "a read across the end is short";
}

TEST(File, WritesWithoutAnOffsetFollowTheFilePositionAndAppendGoesToTheEnd) {
  duet::runtime rt({.cpu_threads = 1});
  scratch f("position");
  auto body = [&]() -> duet::task<std::string> {
    {
      auto file = co_await duet::file::open(f.path, duet::file::write_only);
      co_await file.write(bytes("hello "));
      co_await file.write(bytes("world"));
    }
    {
      auto file = co_await duet::file::open(f.path, duet::file::append);
      co_await file.write(bytes("!"));
      co_await file.write_at(bytes("?"), 0);  // O_APPEND: the kernel appends whatever the offset
    }
    co_return co_await duet::read_file(f.path);
  };
  EXPECT_EQ(rt.block_on(body()), "hello world!?");
}

TEST(File, ManyTasksReadDistinctBlocksAtOnceFromTheCpuPoolAndTheLoop) {
  duet::runtime rt({.cpu_threads = 2});
  scratch f("concurrent");
  constexpr std::size_t block = 8192, blocks = 96;
  const std::string reference = random_text(block * blocks, 7);
  std::vector<std::string> got(blocks);
  auto body = [&]() -> duet::task<void> {
    co_await duet::write_file(f.path, reference);
    auto file = co_await duet::file::open(f.path);
    co_await duet::scope([&](duet::task_group& g) -> duet::task<void> {
      for (std::size_t b = 0; b < blocks; ++b) {
        g.spawn([](duet::file& fl, std::string& out, std::size_t b, duet::io_loop* hop) -> duet::task<void> {
          if (hop != nullptr) co_await duet::on(*hop);  // half of them run on the loop itself
          out.assign(block, '\0');
          std::size_t got = 0;
          while (got < block) {
            const std::size_t n =
                co_await fl.read_at(std::as_writable_bytes(std::span(out.data() + got, block - got)), b * block + got);
            if (n == 0) break;
            got += n;
          }
          out.resize(got);
        }(file, got[b], b, b % 2 == 0 ? &rt.io() : nullptr));
      }
      co_return;
    });
  };
  rt.block_on(body());
  for (std::size_t b = 0; b < blocks; ++b) EXPECT_TRUE(got[b] == reference.substr(b * block, block)) << "block " << b;
}

TEST(File, ErrorsNameTheOperationTheFileAndTheErrno) {
  duet::runtime rt({.cpu_threads = 1});
  scratch f("errors");
  auto missing = [&]() -> duet::task<void> { co_await duet::read_file(f.path + ".missing"); };
  try {
    rt.block_on(missing());
    FAIL() << "reading a missing file must throw";
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code().value(), ENOENT);
    EXPECT_NE(std::string(e.what()).find(".missing"), std::string::npos) << e.what();
  }
  auto write_to_read_only = [&]() -> duet::task<void> {
    co_await duet::write_file(f.path, "x");
    auto file = co_await duet::file::open(f.path, duet::file::read_only);
    co_await file.write_at(bytes("nope"), 0);
  };
  try {
    rt.block_on(write_to_read_only());
    FAIL() << "writing to a read-only descriptor must throw";
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code().value(), EBADF);
    const std::string what = e.what();
    EXPECT_NE(what.find("write"), std::string::npos) << what;
    EXPECT_NE(what.find(f.path), std::string::npos) << what;
  }
  auto read_from_write_only = [&]() -> duet::task<void> {
    auto file = co_await duet::file::open(f.path, duet::file::write_only);
    std::string buf(8, '\0');
    co_await file.read_at(std::as_writable_bytes(std::span(buf.data(), buf.size())), 0);
  };
  try {
    rt.block_on(read_from_write_only());
    FAIL() << "reading from a write-only descriptor must throw";
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code().value(), EBADF);
    EXPECT_NE(std::string(e.what()).find("read"), std::string::npos) << e.what();
  }
}
