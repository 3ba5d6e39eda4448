// Unix-domain stream and datagram sockets, UDP, and pipes: bytes and messages that arrive.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "duet/duet.hpp"

using namespace std::chrono_literals;

namespace {
std::string temp_socket_path(const char* tag) {
  return (std::filesystem::temp_directory_path() / ("duet-test-" + std::to_string(getpid()) + "-" + tag + ".sock"))
      .string();
}
std::span<const std::byte> bytes(std::string_view s) { return std::as_bytes(std::span(s.data(), s.size())); }
std::string text(std::span<const std::byte> b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }
}  // namespace

TEST(UnixStream, ListenerAcceptsAndBytesArriveBothWays) {
  duet::runtime rt({.cpu_threads = 2});
  const std::string path = temp_socket_path("stream");
  auto body = [&]() -> duet::task<std::string> {
    auto l = duet::unix_listener::bind(path, true);
    auto client = co_await duet::unix_stream::connect(path);
    auto server = co_await l.accept();
    co_await client.write_all(std::string_view("ping"));
    std::array<std::byte, 4> got{};
    co_await server.read_exact(got);
    co_await server.write_all(std::string_view("pong"));
    std::array<std::byte, 4> back{};
    co_await client.read_exact(back);
    co_return text(got) + text(back);
  };
  EXPECT_EQ(rt.block_on(body()), "pingpong");
  EXPECT_FALSE(std::filesystem::exists(path)) << "the listener removes its socket file";
}

TEST(UnixStream, PairCarriesAMegabyteIntact) {
  duet::runtime rt({.cpu_threads = 2});
  auto body = [&]() -> duet::task<bool> {
    auto [a, b] = duet::unix_stream::pair();
    std::vector<std::byte> out(1 << 20);
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = std::byte(static_cast<unsigned char>(i * 7));
    std::vector<std::byte> in(out.size());
    // The writer must run concurrently: the socket buffer is far smaller than a megabyte.
    auto writer = [](duet::unix_stream& s, std::span<const std::byte> d) -> duet::task<void> {
      co_await s.write_all(d);
    };
    co_await duet::when_all(writer(a, out), b.read_exact(in));
    co_return in == out;
  };
  EXPECT_TRUE(rt.block_on(body()));
}

TEST(UnixStream, ConnectingToAMissingPathNamesIt) {
  duet::runtime rt({.cpu_threads = 1});
  const std::string path = temp_socket_path("missing");
  auto body = [&]() -> duet::task<void> { co_await duet::unix_stream::connect(path); };
  try {
    rt.block_on(body());
    FAIL();
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code().value(), ENOENT);
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
}

TEST(UnixDatagram, KeepsMessageBoundaries) {
  duet::runtime rt({.cpu_threads = 1});
  const std::string path = temp_socket_path("dgram");
  std::filesystem::remove(path);
  auto body = [&]() -> duet::task<std::vector<std::string>> {
    auto server = duet::unix_datagram::bind(path);
    auto client = duet::unix_datagram::unbound();
    for (std::string_view m : {"one", "three", "fifteen"})
      co_await client.send_to(bytes(m), duet::socket_address::unix_path(path));
    std::vector<std::string> got;
    std::array<std::byte, 64> buf{};
    for (int i = 0; i < 3; ++i) {
      auto [n, from] = co_await server.recv_from(buf);
      got.push_back(text(std::span(buf.data(), n)));
    }
    co_return got;
  };
  EXPECT_EQ(rt.block_on(body()), (std::vector<std::string>{"one", "three", "fifteen"}));
  std::filesystem::remove(path);
}

TEST(Udp, EchoesDatagramsOverIpv4AndIpv6) {
  duet::runtime rt({.cpu_threads = 2});
  for (const char* host : {"127.0.0.1:0", "[::1]:0"}) {
    auto body = [&]() -> duet::task<int> {
      auto server = duet::udp_socket::bind(duet::socket_address::parse(host));
      auto client = duet::udp_socket::bind(duet::socket_address::parse(host));
      int echoed = 0;
      std::array<std::byte, 1500> buf{};
      for (int i = 0; i < 100; ++i) {
        const std::string msg = "datagram " + std::to_string(i);
        co_await client.send_to(bytes(msg), server.local_address());
        auto [n, from] = co_await server.recv_from(buf);
        co_await server.send_to(std::span(buf.data(), n), from);
        auto [m, back_from] = co_await client.recv_from(buf);
        if (text(std::span(buf.data(), m)) == msg && back_from.port() == server.local_address().port()) ++echoed;
      }
      co_return echoed;
    };
    EXPECT_EQ(rt.block_on(body()), 100) << host;
  }
}

TEST(Pipe, CarriesBytesAndSignalsEndOfStream) {
  duet::runtime rt({.cpu_threads = 2});
  auto body = [&]() -> duet::task<std::string> {
    auto [r, w] = duet::make_pipe();
    auto writer = [](duet::io_handle w) -> duet::task<void> {
      for (int i = 0; i < 1000; ++i) co_await w.write_all(std::string_view("0123456789"));
      // w closes here: the reader sees end of stream
    };
    auto reader = [](duet::io_handle& r) -> duet::task<std::string> {
      std::string all;
      std::array<std::byte, 777> buf{};
      for (;;) {
        const std::size_t n = co_await r.read_some(buf);
        if (n == 0) break;
        all += text(std::span(buf.data(), n));
      }
      co_return all;
    };
    auto [nothing, all] = co_await duet::when_all(writer(std::move(w)), reader(r));
    co_return all;
  };
  const std::string all = rt.block_on(body());
  ASSERT_EQ(all.size(), 10000u);
  for (std::size_t i = 0; i < all.size(); ++i) ASSERT_EQ(all[i], static_cast<char>('0' + i % 10));
}

TEST(Pipe, WritingWithNoReaderIsEpipe) {
  duet::runtime rt({.cpu_threads = 1});
  auto body = [&]() -> duet::task<int> {
    auto [r, w] = duet::make_pipe();
    r.close();
    try {
      co_await w.write_all(std::string_view("nobody listens"));
      co_return 0;
    } catch (const std::system_error& e) {
      co_return e.code().value();
    }
  };
  EXPECT_EQ(rt.block_on(body()), EPIPE);
}

TEST(File, WritesReadsAndReportsMissingFilesByName) {
  duet::runtime rt({.cpu_threads = 2});
  const std::string path = temp_socket_path("file") + ".bin";
  auto body = [&]() -> duet::task<std::string> {
    std::string data(300000, '\0');
    for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>('a' + i % 26);
    co_await duet::write_file(path, data);
    std::string back = co_await duet::read_file(path);
    EXPECT_EQ(back, data);
    auto f = co_await duet::file::open(path, duet::file::read_write);
    EXPECT_EQ(co_await f.size(), data.size());
    co_await f.write_at(bytes("XYZ"), 26);
    std::array<std::byte, 5> five{};
    EXPECT_EQ(co_await f.read_at(five, 25), 5u);
    co_await f.sync();
    co_return text(five);
  };
  EXPECT_EQ(rt.block_on(body()), "zXYZd");
  std::filesystem::remove(path);
  auto missing = [&]() -> duet::task<void> { co_await duet::read_file(path + ".missing"); };
  try {
    rt.block_on(missing());
    FAIL();
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code().value(), ENOENT);
    EXPECT_NE(std::string(e.what()).find(".missing"), std::string::npos) << e.what();
  }
}
