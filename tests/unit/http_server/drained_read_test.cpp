// io_handle::read_some_drained(), the read the HTTP server uses to wait for a keep-alive
// client's next request without the read that would fail with EAGAIN first: it must still see
// every byte, including bytes whose readiness report the loop took (and dropped) while no read
// was waiting. Real loopback TCP; the peer is a plain blocking socket on its own thread. Both
// backends, the reading task on the loop and on the CPU pool.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>

#include "duet/duet.hpp"

using namespace std::chrono_literals;

namespace {

struct drained_result {
  std::string first, missed, later;
};

// The reader takes "a" (a short read: the socket is drained), lets the peer send "b" and the
// loop poll at least once before it waits again (so the loop takes b's report with no reader
// parked), then reads with read_some_drained() and must get "b". Then it waits again on an
// empty socket and must get the "d" the peer sends while it waits. A lost wake-up would not
// hang the test: after 5 s the peer sends "x" anyway, which shows up in the result.
drained_result drained_scenario(const std::string& backend, bool on_loop) {
  duet::runtime rt({.cpu_threads = 1});
  duet::io_loop loop({.name = "drained-test", .backend = backend});
  auto listener = duet::tcp_listener::bind(duet::socket_address::parse("127.0.0.1:0"), 16, loop);
  const std::uint16_t port = listener.local_address().port();
  std::atomic<int> stage{0};  // 1: reader waits for "a"; 2: "b" sent; 3: reader waits for "d"; 4: done

  std::thread peer([&] {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      ::close(fd);
      return;
    }
    auto await_stage = [&](int s, std::chrono::milliseconds limit) {
      for (auto t = std::chrono::steady_clock::now(); std::chrono::steady_clock::now() - t < limit;) {
        if (stage.load() >= s) return true;
        std::this_thread::sleep_for(1ms);
      }
      return false;
    };
    await_stage(1, 10s);
    std::this_thread::sleep_for(20ms);  // let the read park first (it registers the socket)
    ::send(fd, "a", 1, MSG_NOSIGNAL);
    await_stage(2, 10s);  // (the reader sets 2 once it wants "b")
    ::send(fd, "b", 1, MSG_NOSIGNAL);
    stage.store(3);
    await_stage(4, 10s);
    std::this_thread::sleep_for(20ms);  // the reader is waiting on an empty socket
    ::send(fd, "d", 1, MSG_NOSIGNAL);
    if (!await_stage(5, 5s)) ::send(fd, "x", 1, MSG_NOSIGNAL);  // a lost wake-up ends here
    await_stage(5, 10s);
    ::close(fd);
  });

  auto reader = [&]() -> duet::task<drained_result> {
    if (on_loop) co_await duet::on(loop);
    duet::tcp_stream s = co_await listener.accept();
    std::array<char, 64> buf{};
    auto bytes = std::as_writable_bytes(std::span(buf));
    drained_result r;
    stage.store(1);
    std::size_t n = co_await s.read_some(bytes);
    r.first.assign(buf.data(), n);
    stage.store(2);
    while (stage.load() < 3) co_await duet::sleep_for(1ms, loop);
    co_await duet::sleep_for(30ms, loop);  // the loop polls meanwhile: "b" is reported to nobody
    n = co_await s.read_some_drained(bytes);
    r.missed.assign(buf.data(), n);
    stage.store(4);
    n = co_await s.read_some_drained(bytes);
    r.later.assign(buf.data(), n);
    stage.store(5);
    co_return r;
  };
  drained_result r = rt.block_on(reader());
  peer.join();
  return r;
}

void check_backend(const std::string& backend) {
  for (const bool on_loop : {true, false}) {
    SCOPED_TRACE(backend + (on_loop ? ", reader on the loop" : ", reader on the CPU pool"));
    const drained_result r = drained_scenario(backend, on_loop);
    EXPECT_EQ(r.first, "a");
    EXPECT_EQ(r.missed, "b") << "bytes whose report came while nobody waited";
    EXPECT_EQ(r.later, "d") << "bytes that arrive while it waits";
  }
}

bool have_uring() {
  try {
    duet::io_loop probe({.name = "uring-probe", .backend = "io_uring"});
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace

TEST(DrainedRead, SeesEveryByteWithEpoll) { check_backend("epoll"); }

TEST(DrainedRead, SeesEveryByteWithIoUring) {
  if (!have_uring()) GTEST_SKIP() << "io_uring is not available here";
  check_backend("io_uring");
}
