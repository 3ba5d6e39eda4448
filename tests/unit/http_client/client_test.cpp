// duet::http::client against a local test server on duet's TCP (test_server.hpp): bytes that
// arrive, connections the server accepted, requests it counted, errors that name the problem.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>

#include "duet/duet.hpp"
#include "duet/io/http/client.hpp"
#include "test_server.hpp"

using namespace std::chrono_literals;
namespace http = duet::http;
using http_test::reply;
using http_test::seen_request;
using http_test::test_server;

namespace {

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A directory removed at the end of the test.
struct temp_dir {
  std::filesystem::path path;
  temp_dir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "duet-http-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path = tmpl;
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

// An address where nobody listens: a port bound and released.
std::string refused_url() {
  auto l = duet::tcp_listener::bind(duet::socket_address::parse("127.0.0.1:0"));
  return http_test::cat("http://127.0.0.1:", l.local_address().port()) + "/nobody";
}

http::retry_policy fast_retries(int attempts) { return {.attempts = attempts, .base_delay = 1ms, .max_delay = 5ms}; }

}  // namespace

TEST(HttpClient, GetReturnsStatusHeadersAndBody) {
  duet::runtime rt({.cpu_threads = 2});
  test_server srv(rt.io(), [](const seen_request& r) {
    return reply{.body = "hello " + r.target, .headers = {{"X-Duet-Test", "yes"}, {"Content-Type", "text/plain"}}};
  });
  http::client c({}, rt.io());
  auto r = rt.block_on(c.get(srv.url("/greeting?x=1")));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "hello /greeting?x=1");
  EXPECT_EQ(r.body_bytes, r.body.size());
  EXPECT_EQ(r.effective_url, srv.url("/greeting?x=1"));
  EXPECT_EQ(r.attempts, 1);
  ASSERT_TRUE(r.header("x-duet-test").has_value()) << "header lookup is case-insensitive";
  EXPECT_EQ(*r.header("X-DUET-TEST"), "yes");
  EXPECT_EQ(r.header("content-length").value_or(""), std::to_string(r.body.size()));
  EXPECT_FALSE(r.header("X-Missing").has_value());
}

TEST(HttpClient, SendsMethodHeadersAndBody) {
  duet::runtime rt({.cpu_threads = 2});
  test_server srv(rt.io(), [](const seen_request& r) {
    return reply{.body = r.method + "|" + r.header("X-Token") + "|" + r.header("User-Agent") + "|" + r.body};
  });
  http::client c({.user_agent = "duet-test/1"}, rt.io());
  auto body = [&]() -> duet::task<std::vector<std::string>> {
    std::vector<std::string> out;
    std::vector<http::request> reqs;
    reqs.push_back(http::request::post(srv.url("/p"), "a=1&b=2").header("X-Token", "t1"));
    reqs.push_back(http::request::make("PUT", srv.url("/p"), "put-body"));
    reqs.push_back(http::request::make("DELETE", srv.url("/p")));
    reqs.push_back(http::request::make("PATCH", srv.url("/p"), "x"));
    for (auto& rq : reqs) {
      auto r = co_await c.send(std::move(rq));
      out.push_back(r.body);
    }
    auto head = co_await c.send(http::request::make("HEAD", srv.url("/p")));
    out.push_back(std::to_string(head.status) + http_test::cat("/", static_cast<long long>(head.body_bytes)));
    // A body larger than curl's default "Expect: 100-continue" threshold goes out at once.
    const std::string big = http_test::pattern_bytes(2 << 20, 7);
    auto r = co_await c.send(http::request::post(srv.url("/big"), big));
    out.push_back(r.body == "POST||duet-test/1|" + big ? "big ok" : "big differs");
    co_return out;
  };
  auto out = rt.block_on(body());
  ASSERT_EQ(out.size(), 6U);
  EXPECT_EQ(out[0], "POST|t1|duet-test/1|a=1&b=2");
  EXPECT_EQ(out[1], "PUT||duet-test/1|put-body");
  EXPECT_EQ(out[2], "DELETE||duet-test/1|");
  EXPECT_EQ(out[3], "PATCH||duet-test/1|x");
  EXPECT_EQ(out[4], "200/0");
  EXPECT_EQ(out[5], "big ok");
}

TEST(HttpClient, SequentialRequestsReuseOneConnection) {
  duet::runtime rt({.cpu_threads = 2});
  test_server srv(rt.io(), [](const seen_request& r) { return reply{.body = r.target}; });
  http::client c({}, rt.io());
  constexpr int n = 25;
  auto body = [&]() -> duet::task<int> {
    int ok = 0;
    for (int i = 0; i < n; ++i) ok += (co_await c.get(srv.url(http_test::cat("/", i)))).body == http_test::cat("/", i);
    co_return ok;
  };
  EXPECT_EQ(rt.block_on(body()), n);
  EXPECT_EQ(srv.requests(), n);
  EXPECT_EQ(srv.accepts(), 1) << "every request after the first reuses the kept-alive connection";
}

TEST(HttpClient, ReconnectsWhenTheServerClosesTheConnection) {
  duet::runtime rt({.cpu_threads = 2});
  test_server srv(rt.io(), [](const seen_request& r) { return reply{.body = r.target, .close = true}; });
  http::client c({}, rt.io());
  auto body = [&]() -> duet::task<int> {
    int ok = 0;
    for (int i = 0; i < 5; ++i) ok += (co_await c.get(srv.url(http_test::cat("/", i)))).body == http_test::cat("/", i);
    co_return ok;
  };
  EXPECT_EQ(rt.block_on(body()), 5);
  EXPECT_EQ(srv.accepts(), 5);
}

TEST(HttpClient, FollowsRedirectsAndReportsTheEffectiveUrl) {
  duet::runtime rt({.cpu_threads = 2});
  test_server srv(rt.io(), [](const seen_request& r) {
    // /hop/N redirects to /hop/N-1; /hop/0 answers.
    if (r.target.starts_with("/hop/")) {
      const int n = std::stoi(r.target.substr(5));
      if (n == 0) return reply{.body = "arrived"};
      return reply{.status = n % 2 == 0 ? 302 : 301,
                   .body = http_test::cat("redirect body ", n),
                   .headers = {{"Location", http_test::cat("/hop/", n - 1)}}};
    }
    return reply{.status = 404};
  });
  http::client c({}, rt.io());
  auto r = rt.block_on(c.get(srv.url("/hop/4")));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "arrived") << "the bodies of the redirect responses are not part of the result";
  EXPECT_EQ(r.body_bytes, 7U);
  EXPECT_EQ(r.effective_url, srv.url("/hop/0"));
  EXPECT_FALSE(r.header("Location").has_value()) << "headers are the final response's";

  // Not followed: the 3xx is the response.
  auto raw = rt.block_on(c.send(http::request::get(srv.url("/hop/2")).redirects(0)));
  EXPECT_EQ(raw.status, 302);
  EXPECT_EQ(raw.header("Location").value_or(""), "/hop/1");
  EXPECT_EQ(raw.body, "redirect body 2");

  // More hops than allowed: an error naming the URL.
  try {
    rt.block_on(c.send(http::request::get(srv.url("/hop/5")).redirects(3)));
    FAIL() << "followed more redirects than allowed";
  } catch (const http::error& e) {
    EXPECT_EQ(e.code(), http::error::kind::other);
    const std::string what = e.what();
    EXPECT_NE(what.find("GET " + srv.url("/hop/5")), std::string::npos) << what;
    EXPECT_NE(what.find("edirect"), std::string::npos) << what;
  }
}

TEST(HttpClient, ErrorStatusesAreResponsesNotErrors) {
  duet::runtime rt({.cpu_threads = 2});
  test_server srv(rt.io(), [](const seen_request& r) {
    if (r.target == "/missing") return reply{.status = 404, .body = "no such page"};
    return reply{.status = 500, .body = "broken"};
  });
  http::client c({}, rt.io());
  auto a = rt.block_on(c.send(http::request::get(srv.url("/missing")).retries(3)));
  EXPECT_EQ(a.status, 404);
  EXPECT_EQ(a.body, "no such page");
  EXPECT_EQ(a.attempts, 1) << "404 is not transient";
  auto b = rt.block_on(c.send(http::request::get(srv.url("/broken")).retries(3)));
  EXPECT_EQ(b.status, 500);
  EXPECT_EQ(b.attempts, 1) << "500 is not among the retried statuses";
  EXPECT_EQ(srv.requests(), 2);
}

TEST(HttpClient, RetriesTransientStatusesUntilSuccess) {
  duet::runtime rt({.cpu_threads = 2});
  std::atomic<int> calls{0};
  test_server srv(rt.io(), [&](const seen_request&) {
    const int n = calls.fetch_add(1);
    if (n == 0) return reply{.status = 503, .body = "busy"};
    if (n == 1) return reply{.status = 429, .body = "slow down"};
    if (n == 2) return reply{.status = 502};
    return reply{.body = "finally"};
  });
  http::client c({}, rt.io());
  auto r = rt.block_on(c.send(http::request::get(srv.url("/flaky")).with_retry(fast_retries(5))));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "finally");
  EXPECT_EQ(r.attempts, 4);
  EXPECT_EQ(srv.requests(), 4);
}

TEST(HttpClient, ExhaustedRetriesReturnTheLastResponse) {
  duet::runtime rt({.cpu_threads = 2});
  test_server srv(rt.io(), [](const seen_request&) { return reply{.status = 503, .body = "still busy"}; });
  http::client c({}, rt.io());
  auto r = rt.block_on(c.send(http::request::get(srv.url("/down")).with_retry(fast_retries(3))));
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body, "still busy");
  EXPECT_EQ(r.attempts, 3);
  EXPECT_EQ(srv.requests(), 3) << "exactly `attempts` tries";
}

TEST(HttpClient, ConnectErrorsAreRetriedThenNamed) {
  duet::runtime rt({.cpu_threads = 2});
  http::client c({}, rt.io());
  const std::string url = refused_url();
  try {
    rt.block_on(c.send(http::request::get(url).with_retry(fast_retries(3))));
    FAIL() << "connected to nobody";
  } catch (const http::error& e) {
    EXPECT_EQ(e.code(), http::error::kind::connect);
    EXPECT_TRUE(e.transient());
    const std::string what = e.what();
    EXPECT_NE(what.find("duet: GET " + url + ": "), std::string::npos) << what;
    EXPECT_NE(what.find("onnect"), std::string::npos) << what;
    EXPECT_NE(what.find("attempt 3 of 3"), std::string::npos) << what;
  }
}

TEST(HttpClient, BadUrlsAreNamedAndNotRetried) {
  duet::runtime rt({.cpu_threads = 1});
  http::client c({}, rt.io());
  for (const std::string url : {"gopher://127.0.0.1/x", "http://[::1/", "no scheme at all"}) {
    try {
      rt.block_on(c.send(http::request::get(url).with_retry(fast_retries(3))));
      ADD_FAILURE() << "fetched " << url;
    } catch (const http::error& e) {
      EXPECT_FALSE(e.transient()) << e.what();
      EXPECT_TRUE(e.code() == http::error::kind::bad_url || e.code() == http::error::kind::resolve) << e.what();
      EXPECT_NE(std::string(e.what()).find(url), std::string::npos) << e.what();
      EXPECT_EQ(std::string(e.what()).find("attempt"), std::string::npos) << "not retried: " << e.what();
    }
  }
}

TEST(HttpClient, AnAttemptThatTakesTooLongTimesOut) {
  duet::runtime rt({.cpu_threads = 2});
  test_server srv(rt.io(), [](const seen_request&) { return reply{.body = "late", .delay = 30s}; });
  http::client c({}, rt.io());
  try {
    rt.block_on(c.send(http::request::get(srv.url("/slow")).with_timeout(200ms)));
    FAIL() << "no timeout";
  } catch (const http::error& e) {
    EXPECT_EQ(e.code(), http::error::kind::timeout);
    EXPECT_NE(std::string(e.what()).find(srv.url("/slow")), std::string::npos) << e.what();
  }
  EXPECT_TRUE(http_test::eventually([&] { return srv.hangups() == 1; })) << "curl closed the connection";
  EXPECT_EQ(c.active_transfers(), 0U);
}

TEST(HttpClient, ATimedOutAttemptIsRetried) {
  duet::runtime rt({.cpu_threads = 2});
  std::atomic<int> calls{0};
  test_server srv(rt.io(), [&](const seen_request&) {
    return calls.fetch_add(1) == 0 ? reply{.body = "late", .delay = 30s} : reply{.body = "prompt"};
  });
  http::client c({}, rt.io());
  auto r =
      rt.block_on(c.send(http::request::get(srv.url("/once-slow")).with_timeout(200ms).with_retry(fast_retries(2))));
  EXPECT_EQ(r.body, "prompt");
  EXPECT_EQ(r.attempts, 2);
}

TEST(HttpClient, TheTotalTimeoutBoundsEveryAttemptTogether) {
  duet::runtime rt({.cpu_threads = 2});
  test_server srv(rt.io(), [](const seen_request&) { return reply{.body = "late", .delay = 30s}; });
  http::client c({}, rt.io());
  auto req = http::request::get(srv.url("/always-slow"))
                 .with_timeout(300ms)
                 .with_total_timeout(700ms)
                 .with_retry(fast_retries(50));
  try {
    rt.block_on(c.send(std::move(req)));
    FAIL() << "no timeout";
  } catch (const http::error& e) {
    EXPECT_EQ(e.code(), http::error::kind::timeout);
    EXPECT_NE(std::string(e.what()).find("total timeout of 700 ms"), std::string::npos) << e.what();
  }
  // Each attempt takes its full 300 ms, so 700 ms leave room for three at most.
  EXPECT_GE(srv.requests(), 2);
  EXPECT_LE(srv.requests(), 3);
}

TEST(HttpClient, ConnectionResetsAreTransferErrorsAndRetried) {
  duet::runtime rt({.cpu_threads = 2});
  std::atomic<int> calls{0};
  test_server srv(rt.io(), [&](const seen_request& r) {
    if (r.target == "/always-reset") return reply{.reset = true};
    return calls.fetch_add(1) == 0 ? reply{.reset = true} : reply{.body = "second time lucky"};
  });
  http::client c({}, rt.io());
  try {
    rt.block_on(c.get(srv.url("/always-reset")));
    FAIL() << "a reset connection gave a response";
  } catch (const http::error& e) {
    EXPECT_EQ(e.code(), http::error::kind::transfer) << e.what();
    EXPECT_NE(std::string(e.what()).find(srv.url("/always-reset")), std::string::npos) << e.what();
  }
  auto r = rt.block_on(c.send(http::request::get(srv.url("/reset-once")).with_retry(fast_retries(2))));
  EXPECT_EQ(r.body, "second time lucky");
  EXPECT_EQ(r.attempts, 2);
}

TEST(HttpClient, StreamsTheBodyToAFile) {
  duet::runtime rt({.cpu_threads = 2});
  const std::string big = http_test::pattern_bytes(3 << 20, 42);
  test_server srv(rt.io(), [&](const seen_request& r) {
    if (r.target == "/moved")
      return reply{.status = 302, .body = "you should not see this", .headers = {{"Location", "/big"}}};
    return reply{.body = big};
  });
  temp_dir dir;
  http::client c({}, rt.io());
  auto r = rt.block_on(c.send(http::request::get(srv.url("/big")).to_file((dir.path / "big.bin").string())));
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.body.empty()) << "streamed, not kept in memory";
  EXPECT_EQ(r.body_bytes, big.size());
  EXPECT_TRUE(read_file(dir.path / "big.bin") == big) << "the file holds exactly the served bytes";

  // Through a redirect: only the final response's body lands in the file.
  auto m = rt.block_on(c.send(http::request::get(srv.url("/moved")).to_file((dir.path / "moved.bin").string())));
  EXPECT_EQ(m.body_bytes, big.size());
  EXPECT_TRUE(read_file(dir.path / "moved.bin") == big);

  // A device that cannot be rewound (nor needs to be): /dev/null, also through a redirect.
  for (const char* path : {"/big", "/moved"}) {
    auto n = rt.block_on(c.send(http::request::get(srv.url(path)).to_file("/dev/null")));
    EXPECT_EQ(n.status, 200) << path;
    EXPECT_EQ(n.body_bytes, big.size()) << path;
  }

  // A file that cannot be created: a file error naming it.
  const std::string bad = (dir.path / "no-such-dir" / "x.bin").string();
  try {
    rt.block_on(c.send(http::request::get(srv.url("/big")).to_file(bad)));
    FAIL() << "wrote into a missing directory";
  } catch (const http::error& e) {
    EXPECT_EQ(e.code(), http::error::kind::file);
    EXPECT_NE(std::string(e.what()).find(bad), std::string::npos) << e.what();
  }
}

TEST(HttpClient, DiscardBodyCountsTheBytesAndKeepsNone) {
  duet::runtime rt({.cpu_threads = 2});
  const std::string big = http_test::pattern_bytes(1 << 20, 9);
  test_server srv(rt.io(), [&](const seen_request& r) {
    if (r.target == "/moved") return reply{.status = 301, .body = "not this one", .headers = {{"Location", "/big"}}};
    if (r.target == "/missing") return reply{.status = 404, .body = "no such page"};
    return reply{.body = big};
  });
  http::client c({}, rt.io());
  for (const char* path : {"/big", "/moved"}) {
    auto r = rt.block_on(c.send(http::request::get(srv.url(path)).discard_body()));
    EXPECT_EQ(r.status, 200) << path;
    EXPECT_TRUE(r.body.empty()) << path;
    EXPECT_EQ(r.body_bytes, big.size()) << path << ": only the final response's body is counted";
  }
  auto e = rt.block_on(c.send(http::request::get(srv.url("/missing")).discard_body()));
  EXPECT_EQ(e.status, 404);
  EXPECT_EQ(e.body_bytes, std::string("no such page").size());
  // The next request on the same (pooled) curl handle keeps its body again.
  auto k = rt.block_on(c.get(srv.url("/big")));
  EXPECT_TRUE(k.body == big);
  EXPECT_EQ(srv.accepts(), 1) << "all of it on one kept-alive connection";
}

TEST(HttpClient, AnyReceiveBufferGetsTheSameBytes) {
  duet::runtime rt({.cpu_threads = 2});
  const std::string big = http_test::pattern_bytes(3 << 20, 5);
  test_server srv(rt.io(), [&](const seen_request&) { return reply{.body = big}; });
  // 0: curl's default; 100: below curl's minimum (it clamps); 64 MB: above its maximum.
  for (std::size_t size : {std::size_t{0}, std::size_t{100}, std::size_t{64} << 10, std::size_t{64} << 20}) {
    http::client c({.receive_buffer = size}, rt.io());
    auto r = rt.block_on(c.get(srv.url("/")));
    EXPECT_EQ(r.status, 200) << size;
    EXPECT_TRUE(r.body == big) << "receive_buffer " << size << ": " << r.body.size() << " bytes";
  }
}

TEST(HttpClient, CancellingTheTaskRemovesTheTransfer) {
  duet::runtime rt({.cpu_threads = 2});
  test_server srv(rt.io(), [](const seen_request&) { return reply{.body = "late", .delay = 30s}; });
  http::client c({}, rt.io());

  // duet::timeout cancels the request.
  auto with_timeout = [&]() -> duet::task<void> { co_await duet::timeout(c.get(srv.url("/a")), 100ms); };
  EXPECT_THROW(rt.block_on(with_timeout()), duet::timeout_error);
  EXPECT_EQ(c.active_transfers(), 0U) << "removed from curl before the task resumed";
  EXPECT_TRUE(http_test::eventually([&] { return srv.hangups() == 1; })) << "its connection was closed";

  // join_handle::cancel.
  auto h = rt.spawn(c.get(srv.url("/b")));
  ASSERT_TRUE(http_test::eventually([&] { return srv.requests() == 2; }));
  EXPECT_EQ(c.active_transfers(), 1U);
  h.cancel();
  EXPECT_THROW(h.get(), duet::cancelled_error);
  EXPECT_EQ(c.active_transfers(), 0U);
  EXPECT_TRUE(http_test::eventually([&] { return srv.hangups() == 2; }));

  // A task group stopped with ten requests in flight.
  auto group = [&]() -> duet::task<void> {
    duet::task_group g;
    for (int i = 0; i < 10; ++i)
      g.spawn([](http::client& cl, std::string u) -> duet::task<void> { co_await cl.get(std::move(u)); }(
                                                      c, srv.url(http_test::cat("/g", i))));
    for (int i = 0; i < 10'000 && srv.requests() < 12; ++i) co_await duet::sleep_for(1ms);
    g.cancel();
    co_await g.wait();
  };
  EXPECT_THROW(rt.block_on(group()), duet::cancelled_error);
  EXPECT_EQ(c.active_transfers(), 0U);
  EXPECT_TRUE(http_test::eventually([&] { return srv.hangups() == 12; }));
}

TEST(HttpClient, AThousandRequestsInFlightAgainstOneServer) {
  duet::runtime rt({.cpu_threads = 2});
  // Each reply waits 200 ms, so the requests overlap.
  constexpr int n = 1000;
  test_server srv(rt.io(), [](const seen_request& r) { return reply{.body = "page" + r.target, .delay = 200ms}; });
  http::client c({}, rt.io());
  std::atomic<std::size_t> peak{0};
  std::atomic<bool> done{false};
  auto one = [&](int i) -> duet::task<std::string> {
    auto r = co_await c.get(srv.url(http_test::cat("/", i)));
    co_return r.status == 200 ? r.body : http_test::cat("status ", r.status);
  };
  auto watch = [&]() -> duet::task<void> {
    while (!done.load()) {
      std::size_t a = c.active_transfers();
      if (a > peak.load()) peak.store(a);
      co_await duet::sleep_for(1ms);
    }
  };
  auto body = [&]() -> duet::task<std::vector<std::string>> {
    std::vector<duet::task<std::string>> ts;
    for (int i = 0; i < n; ++i) ts.push_back(one(i));
    auto w = duet::spawn(watch());
    auto out = co_await duet::when_all(std::move(ts));
    done.store(true);
    co_await w;
    co_return out;
  };
  auto pages = rt.block_on(body());
  ASSERT_EQ(pages.size(), static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) EXPECT_EQ(pages[i], http_test::cat("page/", i));
  EXPECT_EQ(srv.requests(), n);
  EXPECT_LE(srv.accepts(), n);
  EXPECT_GT(peak.load(), 100U) << "requests overlapped";
  EXPECT_EQ(c.active_transfers(), 0U);
}

TEST(HttpClient, ResumesOnTheExecutorItWasSentFrom) {
  duet::runtime rt({.cpu_threads = 2});
  test_server srv(rt.io(), [](const seen_request&) { return reply{.body = "x"}; });
  http::client c({}, rt.io());
  auto from_cpu = [&]() -> duet::task<bool> {
    co_await c.get(srv.url("/a"));
    co_return duet::detail::current_executor() == &rt.cpu();
  };
  EXPECT_TRUE(rt.block_on(from_cpu()));
  auto from_io = [&]() -> duet::task<bool> {
    co_await duet::on(rt.io());
    co_await c.get(srv.url("/b"));
    co_return rt.io().on_loop_thread();
  };
  EXPECT_TRUE(rt.block_on(from_io()));
}

TEST(HttpClient, DestroyingTheClientFailsWhatIsInFlight) {
  duet::runtime rt({.cpu_threads = 2});
  test_server srv(rt.io(), [](const seen_request&) { return reply{.body = "late", .delay = 30s}; });
  auto c = std::make_unique<http::client>(http::client_options{}, rt.io());
  auto h = rt.spawn(c->get(srv.url("/orphan")));
  ASSERT_TRUE(http_test::eventually([&] { return srv.requests() == 1; }));
  c.reset();
  try {
    h.get();
    FAIL() << "a request outlived its client";
  } catch (const http::error& e) {
    EXPECT_EQ(e.code(), http::error::kind::cancelled);
    EXPECT_NE(std::string(e.what()).find("shut down"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(http_test::eventually([&] { return srv.hangups() == 1; }));
}

TEST(HttpClient, TheDefaultClientServesAnyRuntime) {
  for (int round = 0; round < 2; ++round) {
    duet::runtime rt({.cpu_threads = 1});
    test_server srv(rt.io(), [](const seen_request& r) { return reply{.body = r.target}; });
    EXPECT_EQ(rt.block_on(http::get(srv.url(http_test::cat("/r", round)))).body, http_test::cat("/r", round));
  }
}
