// duet::http::fetch_blocking: the blocking twin of client::send, for a thread (or process) per
// request, against the local test server.
#include <gtest/gtest.h>

#include <thread>

#include "duet/duet.hpp"
#include "duet/io/http/client.hpp"
#include "test_server.hpp"

using namespace std::chrono_literals;
namespace http = duet::http;
using http_test::reply;
using http_test::seen_request;
using http_test::test_server;

TEST(HttpFetchBlocking, GetsPostsAndReusesTheThreadsConnection) {
  duet::runtime rt({.cpu_threads = 1});
  test_server srv(rt.io(),
                  [](const seen_request& r) { return reply{.body = r.method + " " + r.target + " " + r.body}; });
  // A fresh thread: its curl handle starts without connections.
  std::thread([&] {
    for (int i = 0; i < 10; ++i) {
      auto r = http::fetch_blocking(http::request::get(srv.url(http_test::cat("/", i))));
      EXPECT_EQ(r.status, 200);
      EXPECT_EQ(r.body, http_test::cat("GET /", i) + " ");
    }
    auto p = http::fetch_blocking(http::request::post(srv.url("/form"), "k=v"));
    EXPECT_EQ(p.body, "POST /form k=v");
  }).join();
  EXPECT_EQ(srv.requests(), 11);
  EXPECT_EQ(srv.accepts(), 1) << "the thread's handle kept its connection";
}

TEST(HttpFetchBlocking, RetriesAndTimesOutLikeSend) {
  duet::runtime rt({.cpu_threads = 1});
  std::atomic<int> calls{0};
  test_server srv(rt.io(), [&](const seen_request& r) {
    if (r.target == "/slow") return reply{.body = "late", .delay = 30s};
    return calls.fetch_add(1) < 2 ? reply{.status = 503} : reply{.body = "ok"};
  });
  auto r = http::fetch_blocking(
      http::request::get(srv.url("/flaky")).with_retry({.attempts = 3, .base_delay = 1ms, .max_delay = 2ms}));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.attempts, 3);
  try {
    (void)http::fetch_blocking(http::request::get(srv.url("/slow")).with_timeout(200ms));
    FAIL() << "no timeout";
  } catch (const http::error& e) {
    EXPECT_EQ(e.code(), http::error::kind::timeout);
    EXPECT_NE(std::string(e.what()).find("GET " + srv.url("/slow")), std::string::npos) << e.what();
  }
}

TEST(HttpFetchBlocking, ConnectErrorsNameTheUrl) {
  const std::string url = [] {
    duet::runtime rt({.cpu_threads = 1});
    auto l = duet::tcp_listener::bind(duet::socket_address::parse("127.0.0.1:0"), 16, rt.io());
    return http_test::cat("http://127.0.0.1:", l.local_address().port()) + "/";
  }();
  try {
    (void)http::fetch_blocking(http::request::get(url));
    FAIL() << "connected to nobody";
  } catch (const http::error& e) {
    EXPECT_EQ(e.code(), http::error::kind::connect);
    EXPECT_NE(std::string(e.what()).find("duet: GET " + url + ": "), std::string::npos) << e.what();
  }
}
