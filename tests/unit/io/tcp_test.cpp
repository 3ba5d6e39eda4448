// TCP over loopback with real sockets: bytes that arrive, errors that name the problem.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <atomic>
#include <numeric>
#include <string>

#include "duet/duet.hpp"

using namespace std::chrono_literals;

namespace {

duet::task<void> echo_connection(duet::tcp_stream s) {
  std::array<std::byte, 4096> buf{};
  for (;;) {
    const std::size_t n = co_await s.read_some(buf);
    if (n == 0) co_return;
    co_await s.write_all(std::span(buf.data(), n));
  }
}

duet::task<void> echo_server(duet::tcp_listener& l, int connections) {
  duet::task_group g;
  for (int i = 0; i < connections; ++i) g.spawn(echo_connection(co_await l.accept()));
  co_await g.wait();
}

// Sends `rounds` messages of varying size and checks every echoed byte.
duet::task<std::size_t> echo_client(duet::socket_address addr, int id, int rounds) {
  auto s = co_await duet::tcp_stream::connect(addr);
  s.set_nodelay(true);
  std::size_t total = 0;
  for (int r = 0; r < rounds; ++r) {
    std::vector<std::byte> out(1 + (id * 131 + r * 17) % 3000);
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = std::byte(static_cast<unsigned char>(id + r + i));
    std::vector<std::byte> in(out.size());
    co_await s.write_all(out);
    co_await s.read_exact(in);
    EXPECT_EQ(in, out);
    total += in.size();
  }
  s.shutdown_write();
  std::array<std::byte, 16> tail{};
  EXPECT_EQ(co_await s.read_some(tail), 0u) << "server closes after our half-close";
  co_return total;
}

std::size_t expected_bytes(int clients, int rounds) {
  std::size_t n = 0;
  for (int id = 0; id < clients; ++id)
    for (int r = 0; r < rounds; ++r) n += 1 + (id * 131 + r * 17) % 3000;
  return n;
}

}  // namespace

TEST(Tcp, EchoesEveryByteToManyConcurrentClients) {
  duet::runtime rt({.cpu_threads = 2});
  constexpr int clients = 64, rounds = 50;
  auto body = [&]() -> duet::task<std::size_t> {
    auto l = duet::tcp_listener::bind(duet::socket_address::parse("127.0.0.1:0"));
    auto server = duet::spawn(echo_server(l, clients));
    std::vector<duet::task<std::size_t>> cs;
    for (int i = 0; i < clients; ++i) cs.push_back(echo_client(l.local_address(), i, rounds));
    auto sizes = co_await duet::when_all(std::move(cs));
    co_await server;
    co_return std::accumulate(sizes.begin(), sizes.end(), std::size_t{0});
  };
  EXPECT_EQ(rt.block_on(body()), expected_bytes(clients, rounds));
}

TEST(Tcp, WorksOverIpv6AndFromTheIoLoop) {
  duet::runtime rt({.cpu_threads = 1});
  auto body = [&]() -> duet::task<std::size_t> {
    co_await duet::on(rt.io());
    auto l = duet::tcp_listener::bind(duet::socket_address::parse("[::1]:0"));
    EXPECT_EQ(l.local_address().family(), AF_INET6);
    auto server = duet::spawn(echo_server(l, 3));
    std::vector<duet::task<std::size_t>> cs;
    for (int i = 0; i < 3; ++i) cs.push_back(echo_client(l.local_address(), i, 20));
    auto sizes = co_await duet::when_all(std::move(cs));
    co_await server;
    co_return std::accumulate(sizes.begin(), sizes.end(), std::size_t{0});
  };
  EXPECT_EQ(rt.block_on(body()), expected_bytes(3, 20));
}

TEST(Tcp, ConnectionRefusedNamesTheAddress) {
  duet::runtime rt({.cpu_threads = 1});
  // Bind then close a listener to find a port with nobody listening.
  auto free_port = [] {
    auto l = duet::tcp_listener::bind(duet::socket_address::parse("127.0.0.1:0"));
    return l.local_address();
  }();
  auto body = [&]() -> duet::task<void> { co_await duet::tcp_stream::connect(free_port); };
  try {
    rt.block_on(body());
    FAIL() << "connected to nobody";
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code().value(), ECONNREFUSED);
    EXPECT_NE(std::string(e.what()).find(free_port.to_string()), std::string::npos) << e.what();
  }
}

TEST(Tcp, BindingAPortInUseNamesIt) {
  duet::runtime rt({.cpu_threads = 1});
  auto first = duet::tcp_listener::bind(duet::socket_address::parse("127.0.0.1:0"));
  try {
    auto second = duet::tcp_listener::bind(first.local_address());
    FAIL() << "bound twice";
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code().value(), EADDRINUSE);
    EXPECT_NE(std::string(e.what()).find("bind"), std::string::npos) << e.what();
  }
}

TEST(Tcp, PeerResetIsAnErrorNotACrash) {
  duet::runtime rt({.cpu_threads = 2});
  auto body = [&]() -> duet::task<int> {
    auto l = duet::tcp_listener::bind(duet::socket_address::parse("127.0.0.1:0"));
    auto client = co_await duet::tcp_stream::connect(l.local_address());
    {
      auto server_side = co_await l.accept();
      linger lg{1, 0};  // close with RST
      setsockopt(server_side.native_handle(), SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    }
    co_await duet::sleep_for(20ms);
    std::array<std::byte, 64> buf{};
    try {
      co_await client.read_some(buf);
      co_return 0;
    } catch (const std::system_error& e) {
      co_return e.code().value();
    }
  };
  EXPECT_EQ(rt.block_on(body()), ECONNRESET);
}

TEST(Tcp, WritingToAClosedPeerGivesEpipeWithoutSigpipe) {
  duet::runtime rt({.cpu_threads = 2});
  auto body = [&]() -> duet::task<int> {
    auto l = duet::tcp_listener::bind(duet::socket_address::parse("127.0.0.1:0"));
    auto client = co_await duet::tcp_stream::connect(l.local_address());
    {
      auto server_side = co_await l.accept();
    }  // closed at once
    std::vector<std::byte> chunk(64 * 1024);
    try {
      for (int i = 0; i < 1000; ++i) co_await client.write_all(chunk);  // bounded
      co_return 0;
    } catch (const std::system_error& e) {
      co_return e.code().value();
    }
  };
  const int err = rt.block_on(body());
  EXPECT_TRUE(err == EPIPE || err == ECONNRESET) << err;
}

TEST(Tcp, HalfCloseLetsThePeerStillAnswer) {
  duet::runtime rt({.cpu_threads = 2});
  auto body = [&]() -> duet::task<std::string> {
    auto l = duet::tcp_listener::bind(duet::socket_address::parse("127.0.0.1:0"));
    auto client = co_await duet::tcp_stream::connect(l.local_address());
    auto server_side = co_await l.accept();
    co_await client.write_all(std::string_view("question"));
    client.shutdown_write();
    // The server reads to end of stream, then answers on its still-open half.
    std::string got;
    std::array<std::byte, 16> buf{};
    for (;;) {
      const std::size_t n = co_await server_side.read_some(buf);
      if (n == 0) break;
      got.append(reinterpret_cast<const char*>(buf.data()), n);
    }
    co_await server_side.write_all(std::string_view("answer"));
    server_side.close();
    std::string reply;
    for (;;) {
      const std::size_t n = co_await client.read_some(buf);
      if (n == 0) break;
      reply.append(reinterpret_cast<const char*>(buf.data()), n);
    }
    co_return got + "/" + reply;
  };
  EXPECT_EQ(rt.block_on(body()), "question/answer");
}

TEST(Tcp, APendingReadIsCancellable) {
  duet::runtime rt({.cpu_threads = 2});
  auto body = [&]() -> duet::task<void> {
    auto l = duet::tcp_listener::bind(duet::socket_address::parse("127.0.0.1:0"));
    auto client = co_await duet::tcp_stream::connect(l.local_address());
    auto server_side = co_await l.accept();
    auto reader = [](duet::tcp_stream& s) -> duet::task<std::size_t> {
      std::array<std::byte, 8> buf{};
      co_return co_await s.read_some(buf);  // nobody writes
    };
    EXPECT_THROW(co_await duet::timeout(reader(client), 20ms), duet::timeout_error);
    // The stream is still usable after the cancelled read.
    co_await server_side.write_all(std::string_view("x"));
    std::array<std::byte, 8> buf{};
    EXPECT_EQ(co_await client.read_some(buf), 1u);
  };
  rt.block_on(body());
}

TEST(Tcp, RunningOutOfDescriptorsIsAClearErrorAndTheRuntimeRecovers) {
  rlimit old{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &old), 0);
  rlimit low = old;
  low.rlim_cur = 256;
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
  {
    duet::runtime rt({.cpu_threads = 1});
    auto body = [&]() -> duet::task<int> {
      auto l = duet::tcp_listener::bind(duet::socket_address::parse("127.0.0.1:0"));
      std::vector<duet::tcp_stream> held;
      int err = 0;
      for (int i = 0; i < 400 && err == 0; ++i) {  // bounded: 256 descriptors cannot hold 400 pairs
        try {
          held.push_back(co_await duet::tcp_stream::connect(l.local_address()));
          held.push_back(co_await l.accept());
        } catch (const std::system_error& e) {
          err = e.code().value();
        }
      }
      held.clear();                // give them back; closing from a CPU worker completes on the loop:
      co_await duet::on(rt.io());  // once here, the loop has run every close posted before
      // Everything works again (a fresh listener: the old backlog holds half-accepted peers).
      auto l2 = duet::tcp_listener::bind(duet::socket_address::parse("127.0.0.1:0"));
      auto c = co_await duet::tcp_stream::connect(l2.local_address());
      auto s = co_await l2.accept();
      co_await c.write_all(std::string_view("ok"));
      std::array<std::byte, 2> buf{};
      co_await s.read_exact(buf);
      co_return err;
    };
    EXPECT_EQ(rt.block_on(body()), EMFILE);
  }
  setrlimit(RLIMIT_NOFILE, &old);
}

TEST(SocketAddress, ParsesAndRejectsWithAClearMessage) {
  EXPECT_EQ(duet::socket_address::parse("127.0.0.1:80").to_string(), "127.0.0.1:80");
  EXPECT_EQ(duet::socket_address::parse("[::1]:443").to_string(), "[::1]:443");
  EXPECT_EQ(duet::socket_address::parse("[::1]:443").port(), 443);
  for (const char* bad : {"localhost:80", "127.0.0.1", "1.2.3.4:99999", "[::1]80", "1.2.3.4:x"}) {
    try {
      duet::socket_address::parse(bad);
      ADD_FAILURE() << bad;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(bad), std::string::npos) << e.what();
    }
  }
}
