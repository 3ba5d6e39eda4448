// The HTTP server with real sockets: keep-alive, pipelining, status codes, chunked bodies,
// timeouts, graceful stop and many clients at once.
#include <atomic>
#include <chrono>
#include <mutex>
#include <numeric>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "server_support.hpp"

using namespace std::chrono_literals;
using duet::http::server_request;
using duet::http::server_response;
using http_test::client;
using http_test::get;
using http_test::running_server;

namespace {

// The routes most tests use.
void basic_routes(duet::http::server& s) {
  s.route("GET", "/hello",
          [](server_request&) -> duet::task<server_response> { co_return server_response::text(200, "hello world"); });
  // Echoes the query after a delay that is longest for the smallest numbers, so that a server
  // running pipelined requests side by side would answer them out of order.
  s.route("GET", "/echo", [](server_request& req) -> duet::task<server_response> {
    const int i = req.query.empty() ? 0 : std::stoi(std::string(req.query));
    co_await duet::sleep_for(std::chrono::milliseconds((50 - i % 50) % 4));
    co_return server_response::text(200, std::string(req.query));
  });
  s.route("POST", "/echo", [](server_request& req) -> duet::task<server_response> {
    co_return server_response{.content_type = "application/octet-stream", .body = std::string(req.body)};
  });
  s.route("GET", "/stream", [](server_request&) -> duet::task<server_response> {
    auto n = std::make_shared<int>(0);
    co_return server_response::stream([n]() -> duet::task<std::string> {
      if (*n == 10) co_return std::string();
      co_return "part" + std::to_string((*n)++) + ";";
    });
  });
  s.route("GET", "/boom", [](server_request&) -> duet::task<server_response> {
    throw std::runtime_error("handler failed");
    co_return server_response{};
  });
  s.route_prefix("GET", "/user/", [](server_request& req) -> duet::task<server_response> {
    co_return server_response::text(200, "user " + std::string(req.path_rest));
  });
}

// `clients` threads, each with its own connection to `port`, call `round(c, t, i)` for
// i < rounds; returns the sum of what the calls returned (their successful exchanges).
template <class Round>
int run_clients(std::uint16_t port, int clients, int rounds, Round round) {
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < clients; ++t)
    threads.emplace_back([&, t] {
      client c(port);
      for (int i = 0; i < rounds; ++i) ok.fetch_add(round(c, t, i));
    });
  for (auto& th : threads) th.join();
  return ok.load();
}

}  // namespace

TEST(HttpServer, ServesManyRequestsOnOneKeepAliveConnection) {
  running_server srv(basic_routes);
  client c(srv.port());
  for (int i = 0; i < 100; ++i) {
    const auto r = c.exchange(get("/hello"));
    ASSERT_TRUE(r.complete) << "request " << i;
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "hello world");
    EXPECT_EQ(r.header("content-type"), "text/plain; charset=utf-8");
    EXPECT_EQ(r.header("connection"), "");
    EXPECT_FALSE(r.header("date").empty());
  }
  const auto st = srv.server().stats();
  EXPECT_EQ(st.connections, 1u);
  EXPECT_EQ(st.requests, 100u);
}

TEST(HttpServer, AnswersPipelinedRequestsInOrder) {
  running_server srv(basic_routes);
  client c(srv.port());
  std::string burst;
  constexpr int n = 50;
  for (int i = 0; i < n; ++i) burst += get("/echo?" + std::to_string(i));
  ASSERT_TRUE(c.send(burst));  // all at once: they arrive in as few segments as TCP likes
  for (int i = 0; i < n; ++i) {
    const auto r = c.read_reply();
    ASSERT_TRUE(r.complete) << "response " << i;
    EXPECT_EQ(r.body, std::to_string(i));
  }
}

TEST(HttpServer, AnswersAPipelinedMixOfResponsesInOrder) {
  // Responses to requests that are already in the buffer are gathered and written together; a
  // streamed one, a HEAD and a 404 among them must keep their place and their framing.
  running_server srv(basic_routes);
  client c(srv.port());
  const std::string burst = get("/hello") + get("/stream") + get("/hello") + "HEAD /hello HTTP/1.1\r\nHost: h\r\n\r\n" +
                            get("/nowhere") + get("/echo?7") + get("/hello");
  ASSERT_TRUE(c.send(burst));
  EXPECT_EQ(c.read_reply().body, "hello world");
  EXPECT_EQ(c.read_reply().body, "part0;part1;part2;part3;part4;part5;part6;part7;part8;part9;");
  EXPECT_EQ(c.read_reply().body, "hello world");
  const auto head = c.read_reply(true);
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.header("content-length"), "11");
  EXPECT_EQ(c.read_reply().status, 404);
  EXPECT_EQ(c.read_reply().body, "7");
  const auto last = c.read_reply();
  ASSERT_TRUE(last.complete);
  EXPECT_EQ(last.body, "hello world");
  EXPECT_EQ(srv.server().stats().requests, 7u);
  EXPECT_FALSE(c.closed_now()) << "the connection stays open for more";
}

TEST(HttpServer, AnswersUnknownPathsWith404AndWrongMethodsWith405) {
  running_server srv(basic_routes);
  client c(srv.port());
  EXPECT_EQ(c.exchange(get("/nowhere")).status, 404);
  const auto r = c.exchange("DELETE /hello HTTP/1.1\r\nHost: h\r\n\r\n");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.header("allow"), "GET, HEAD");
  EXPECT_EQ(c.exchange(get("/user/alice")).body, "user alice");
  EXPECT_EQ(c.exchange(get("/hello")).body, "hello world") << "the connection stays usable";
}

TEST(HttpServer, AnswersAMalformedRequestWith400AndClosesOnlyThatConnection) {
  running_server srv(basic_routes);
  client good(srv.port());
  EXPECT_EQ(good.exchange(get("/hello")).status, 200);
  for (const char* bad : {"GET / HTTP/1.1\r\nHost : x\r\n\r\n", "\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03",
                          "GET / HTTP/1.1\r\n\r\n", "POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: x\r\n\r\n"}) {
    client c(srv.port());
    const auto r = c.exchange(bad);
    EXPECT_EQ(r.status, 400) << bad;
    EXPECT_EQ(r.header("connection"), "close");
    EXPECT_TRUE(c.closed_by_peer()) << bad;
    EXPECT_EQ(good.exchange(get("/hello")).body, "hello world") << "others are still served";
  }
  EXPECT_EQ(srv.server().stats().bad_requests, 4u);
}

TEST(HttpServer, RefusesOversizedHeadersWith431AndBodiesWith413) {
  running_server srv(basic_routes, {.limits = {.max_header_bytes = 1024, .max_headers = 8, .max_body_bytes = 1000}});
  {
    client c(srv.port());
    const auto r = c.exchange(get("/hello", "X-Big: " + std::string(2000, 'a') + "\r\n"));
    EXPECT_EQ(r.status, 431);
    EXPECT_TRUE(c.closed_by_peer());
  }
  {
    client c(srv.port());
    std::string many;
    for (int i = 0; i < 9; ++i) many += "X-" + std::to_string(i) + ": v\r\n";
    EXPECT_EQ(c.exchange(get("/hello", many)).status, 431);
  }
  {
    client c(srv.port());
    EXPECT_EQ(c.exchange(get("/" + std::string(2000, 'p'))).status, 414);
  }
  {
    client c(srv.port());
    const auto r = c.exchange("POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 1001\r\n\r\n");
    EXPECT_EQ(r.status, 413) << "refused before the body is sent";
    EXPECT_TRUE(c.closed_by_peer());
  }
  {
    client c(srv.port());
    std::string chunks = "POST /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (int i = 0; i < 20; ++i) chunks += "64\r\n" + std::string(100, 'c') + "\r\n";
    EXPECT_EQ(c.exchange(chunks + "0\r\n\r\n").status, 413);
  }
  client c(srv.port());
  const auto ok = c.exchange("POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 1000\r\n\r\n" + std::string(1000, 'b'));
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, std::string(1000, 'b'));
}

TEST(HttpServer, DecodesChunkedRequestBodiesAndSendsChunkedResponses) {
  running_server srv(basic_routes);
  client c(srv.port());
  const auto echoed = c.exchange(
      "POST /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n1;ext=1\r\n \r\n5\r\nworld\r\n0\r\nTrailer: t\r\n\r\n");
  EXPECT_EQ(echoed.status, 200);
  EXPECT_EQ(echoed.body, "hello world");
  const auto streamed = c.exchange(get("/stream"));
  EXPECT_EQ(streamed.header("transfer-encoding"), "chunked");
  EXPECT_EQ(streamed.header("content-length"), "");
  EXPECT_EQ(streamed.body, "part0;part1;part2;part3;part4;part5;part6;part7;part8;part9;");
  EXPECT_EQ(c.exchange(get("/hello")).body, "hello world") << "keep-alive after a chunked response";
}

TEST(HttpServer, SendsHeadersButNoBodyForHead) {
  running_server srv(basic_routes);
  client c(srv.port());
  const auto r = c.exchange("HEAD /hello HTTP/1.1\r\nHost: h\r\n\r\n", true);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("content-length"), "11");
  EXPECT_EQ(c.exchange(get("/hello")).body, "hello world") << "no stray body bytes before the next response";
}

TEST(HttpServer, ClosesAnHttp10ConnectionUnlessAskedToKeepIt) {
  running_server srv(basic_routes);
  {
    client c(srv.port());
    const auto r = c.exchange("GET /hello HTTP/1.0\r\n\r\n");
    EXPECT_EQ(r.body, "hello world");
    EXPECT_EQ(r.header("connection"), "close");
    EXPECT_TRUE(c.closed_by_peer());
  }
  client c(srv.port());
  EXPECT_EQ(c.exchange("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").header("connection"), "keep-alive");
  EXPECT_EQ(c.exchange("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").body, "hello world");
}

TEST(HttpServer, TurnsAHandlerExceptionInto500AndKeepsTheConnection) {
  running_server srv(basic_routes);
  client c(srv.port());
  EXPECT_EQ(c.exchange(get("/boom")).status, 500);
  EXPECT_EQ(c.exchange(get("/hello")).status, 200);
}

TEST(HttpServer, Sends100ContinueBeforeReadingAnExpectedBody) {
  running_server srv(basic_routes);
  client c(srv.port());
  ASSERT_TRUE(c.send("POST /echo HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n"));
  EXPECT_EQ(c.read_reply().status, 100);
  ASSERT_TRUE(c.send("data"));
  const auto r = c.read_reply();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "data");
}

TEST(HttpServer, DropsASlowLorisClientAndKeepsServingOthers) {
  running_server srv(basic_routes, {.header_timeout = 300ms});
  client loris(srv.port());
  client other(srv.port());
  ASSERT_TRUE(loris.send("GET /hello HTTP/1.1\r\nHost: h\r\nX-Slow: "));
  bool dropped = false;
  int served = 0;
  // One byte every 20 ms: each arrives well within any per-read timeout, but the headers never
  // end. Bounded: at most 500 rounds (10 s).
  for (int i = 0; i < 500 && !dropped; ++i) {
    std::this_thread::sleep_for(20ms);
    if (!loris.send("a") || loris.closed_now()) dropped = true;
    const auto r = other.exchange(get("/hello"));
    ASSERT_EQ(r.body, "hello world");
    ++served;
  }
  EXPECT_TRUE(dropped);
  EXPECT_GE(srv.server().stats().timeouts, 1u);
  EXPECT_GT(served, 0);
}

TEST(HttpServer, StopsGracefullyFinishingRequestsInProgress) {
  std::atomic<int> started{0};
  running_server srv([&](duet::http::server& s) {
    basic_routes(s);
    s.route("GET", "/slow", [&](server_request&) -> duet::task<server_response> {
      started.fetch_add(1);
      co_await duet::sleep_for(300ms);
      co_return server_response::text(200, "slow done");
    });
  });
  client idle(srv.port());
  EXPECT_EQ(idle.exchange(get("/hello")).status, 200);
  client busy(srv.port());
  ASSERT_TRUE(busy.send(get("/slow")));
  for (int i = 0; i < 1000 && started.load() == 0; ++i) std::this_thread::sleep_for(5ms);
  ASSERT_EQ(started.load(), 1);

  srv.server().stop();
  const auto r = busy.read_reply();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "slow done");
  EXPECT_EQ(r.header("connection"), "close");
  EXPECT_TRUE(busy.closed_by_peer());
  EXPECT_TRUE(idle.closed_by_peer()) << "idle keep-alive connections are closed";
  srv.stop();  // waits for run() to return
  client late(srv.port());
  EXPECT_EQ(late.connect_error(), ECONNREFUSED);
}

TEST(HttpServer, ServesManyConcurrentClients) {
  running_server srv(basic_routes);
  constexpr int clients = 32, rounds = 20;
  const int ok = run_clients(srv.port(), clients, rounds, [](client& c, int t, int i) {
    const std::string q = std::to_string(t * 1000 + i);
    const auto r = c.exchange(get("/echo?" + q));
    return r.status == 200 && r.body == q ? 1 : 0;
  });
  EXPECT_EQ(ok, clients * rounds);
  EXPECT_EQ(srv.server().stats().connections, static_cast<std::uint64_t>(clients));
}

TEST(HttpServer, ServesConnectionsOnTheIoLoopToo) {
  duet::runtime rt({.cpu_threads = 1});
  duet::http::server s;
  basic_routes(s);
  s.listen(duet::socket_address::parse("127.0.0.1:0"), rt.io());
  auto run = rt.spawn([](duet::http::server& srv, duet::io_loop& loop) -> duet::task<void> {
    co_await duet::on(loop);  // connections become tasks on the loop thread
    co_await srv.run();
  }(s, rt.io()));
  {
    client c(s.local_address().port());
    for (int i = 0; i < 20; ++i) EXPECT_EQ(c.exchange(get("/echo?" + std::to_string(i))).body, std::to_string(i));
  }
  s.stop();
  run.get();
}

TEST(HttpServer, SpreadsConnectionsOverItsOwnLoops) {
  std::mutex mu;
  std::set<std::thread::id> handler_threads;
  running_server srv(
      [&](duet::http::server& s) {
        basic_routes(s);
        s.route("GET", "/where", [&](server_request&) -> duet::task<server_response> {
          {
            std::lock_guard lock(mu);
            handler_threads.insert(std::this_thread::get_id());
          }
          co_return server_response::text(200, "here");
        });
      },
      {.loops = 3});
  constexpr int clients = 12, rounds = 10;
  const int ok = run_clients(srv.port(), clients, rounds, [](client& c, int t, int i) {
    const std::string q = std::to_string(t * 1000 + i);
    return (c.exchange(get("/where")).body == "here" ? 1 : 0) + (c.exchange(get("/echo?" + q)).body == q ? 1 : 0);
  });
  EXPECT_EQ(ok, 2 * clients * rounds);
  EXPECT_EQ(handler_threads.size(), 3u) << "12 connections, handed to 3 loops in turn";
  EXPECT_EQ(srv.server().stats().connections, static_cast<std::uint64_t>(clients));
  EXPECT_EQ(srv.server().stats().requests, static_cast<std::uint64_t>(2 * clients * rounds));

  // Pipelining on a loop of its own, then a graceful stop that closes the idle connections of
  // every loop.
  client piped(srv.port());
  std::string burst;
  for (int i = 0; i < 20; ++i) burst += get("/echo?" + std::to_string(i));
  ASSERT_TRUE(piped.send(burst));
  for (int i = 0; i < 20; ++i) EXPECT_EQ(piped.read_reply().body, std::to_string(i));
  std::vector<std::unique_ptr<client>> idle;
  for (int i = 0; i < 3; ++i) {
    idle.push_back(std::make_unique<client>(srv.port()));
    EXPECT_EQ(idle.back()->exchange(get("/hello")).body, "hello world");
  }
  srv.server().stop();
  for (auto& c : idle) EXPECT_TRUE(c->closed_by_peer());
  EXPECT_TRUE(piped.closed_by_peer());
  srv.stop();  // run() returned: every loop's connections finished
  client late(srv.port());
  EXPECT_EQ(late.connect_error(), ECONNREFUSED);
}
