// The HTTP/1.1 request parser: whole requests, every split point, pipelining, chunked bodies,
// limits and malformed input.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "duet/io/http/parser.hpp"

using duet::http::parse_status;
using duet::http::parser_limits;
using duet::http::request_parser;

namespace {

// A parsed request, copied out of the parser's views so it can be compared after they die.
struct parsed {
  std::string method, target, path, query, body;
  std::vector<std::pair<std::string, std::string>> headers;
  int minor = -1;
  bool keep_alive = false;
  std::size_t consumed = 0;
  bool operator==(const parsed&) const = default;
};

parsed copy(const request_parser& p) {
  const auto& r = p.request();
  parsed out{std::string(r.method), std::string(r.target), std::string(r.path),
             std::string(r.query),  std::string(r.body),   {},
             r.version_minor,       r.keep_alive,          p.consumed()};
  for (const auto& h : r.headers) out.headers.emplace_back(h.name, h.value);
  return out;
}

// Parses `text` in one call; fails the test unless it is complete.
parsed parse_whole(const std::string& text, const parser_limits& limits = {}) {
  request_parser p(limits);
  const parse_status st = p.parse(text);
  EXPECT_EQ(st, parse_status::done) << p.error_message() << " in: " << text;
  return st == parse_status::done ? copy(p) : parsed{};
}

// Parses `text` arriving in two pieces split at `cut`, through a buffer that is reallocated
// between the calls (so stale views would show).
parsed parse_split(const std::string& text, std::size_t cut) {
  request_parser p;
  std::string first = text.substr(0, cut);
  const parse_status st1 = p.parse(first);
  EXPECT_NE(st1, parse_status::error) << p.error_message() << " at cut " << cut;
  if (st1 == parse_status::done) return copy(p);  // complete already (the rest is not part of it)
  std::string whole = first;
  whole.append(text, cut);
  first.assign(first.size(), 'X');  // the old buffer is garbage now
  EXPECT_EQ(p.parse(whole), parse_status::done) << p.error_message() << " at cut " << cut;
  return copy(p);
}

struct bad_case {
  std::string text;
  int status;
};

int error_of(const std::string& text, const parser_limits& limits = {}) {
  request_parser p(limits);
  const parse_status st = p.parse(text);
  if (st != parse_status::error) return st == parse_status::done ? 200 : 0;
  EXPECT_NE(std::string(p.error_message()), "");
  return p.error_status();
}

const std::string simple =
    "GET /country/7.html?x=1&y=2 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: test\r\nAccept:   */*  \r\n\r\n";
const std::string with_body = "POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\nhello world";
const std::string chunked =
    "POST /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
    "4\r\nWiki\r\n5;name=value\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nX-Trailer: yes\r\n\r\n";

}  // namespace

TEST(HttpParser, ParsesARequestLineHeadersAndQuery) {
  const parsed r = parse_whole(simple);
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.target, "/country/7.html?x=1&y=2");
  EXPECT_EQ(r.path, "/country/7.html");
  EXPECT_EQ(r.query, "x=1&y=2");
  EXPECT_EQ(r.minor, 1);
  EXPECT_TRUE(r.keep_alive);
  EXPECT_EQ(r.body, "");
  EXPECT_EQ(r.consumed, simple.size());
  ASSERT_EQ(r.headers.size(), 3u);
  EXPECT_EQ(r.headers[0], (std::pair<std::string, std::string>{"Host", "127.0.0.1:8080"}));
  EXPECT_EQ(r.headers[2], (std::pair<std::string, std::string>{"Accept", "*/*"})) << "surrounding spaces trimmed";
}

TEST(HttpParser, HeaderLookupIsCaseInsensitive) {
  request_parser p;
  ASSERT_EQ(p.parse(simple), parse_status::done);
  EXPECT_EQ(p.request().header("user-agent"), "test");
  EXPECT_EQ(p.request().header("HOST"), "127.0.0.1:8080");
  EXPECT_FALSE(p.request().header("cookie").has_value());
}

TEST(HttpParser, GivesTheSameResultWhateverByteTheInputIsSplitAt) {
  for (const std::string& text : {simple, with_body, chunked}) {
    const parsed whole = parse_whole(text);
    for (std::size_t cut = 0; cut <= text.size(); ++cut) EXPECT_EQ(parse_split(text, cut), whole) << "cut " << cut;
  }
}

TEST(HttpParser, ParsesInputArrivingOneByteAtATime) {
  for (const std::string& text : {simple, with_body, chunked}) {
    const parsed whole = parse_whole(text);
    request_parser p;
    std::string buf;
    parse_status st = parse_status::need_more;
    for (char c : text) {
      ASSERT_EQ(st, parse_status::need_more) << "finished before the last byte";
      buf.push_back(c);
      st = p.parse(buf);
      ASSERT_NE(st, parse_status::error) << p.error_message();
    }
    ASSERT_EQ(st, parse_status::done);
    EXPECT_EQ(copy(p), whole);
  }
}

TEST(HttpParser, DecodesAChunkedBodyAndIgnoresExtensionsAndTrailers) {
  const parsed r = parse_whole(chunked);
  EXPECT_EQ(r.body, "Wikipedia in\r\n\r\nchunks.");
  EXPECT_EQ(r.consumed, chunked.size());
}

TEST(HttpParser, AcceptsBareLfLineEndsAndEmptyLinesBeforeTheRequest) {
  const parsed r = parse_whole("\r\n\r\nGET /a HTTP/1.1\nHost: h\n\n");
  EXPECT_EQ(r.path, "/a");
  EXPECT_EQ(r.headers.size(), 1u);
  const parsed c = parse_whole("POST / HTTP/1.1\nHost: h\nTransfer-Encoding: chunked\n\n3\nabc\n0\n\n");
  EXPECT_EQ(c.body, "abc");
}

TEST(HttpParser, StopsAtTheEndOfEachPipelinedRequest) {
  const std::string three = simple + with_body + chunked;
  std::vector<parsed> got;
  request_parser p;
  std::string_view rest = three;
  while (!rest.empty()) {
    ASSERT_EQ(p.parse(rest), parse_status::done) << p.error_message();
    got.push_back(copy(p));
    rest.remove_prefix(p.consumed());
    p.reset();
  }
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0], parse_whole(simple));
  EXPECT_EQ(got[1], parse_whole(with_body));
  EXPECT_EQ(got[2], parse_whole(chunked));
}

TEST(HttpParser, KeepAliveFollowsTheVersionAndTheConnectionHeader) {
  EXPECT_TRUE(parse_whole("GET / HTTP/1.1\r\nHost: h\r\n\r\n").keep_alive);
  EXPECT_FALSE(parse_whole("GET / HTTP/1.1\r\nHost: h\r\nConnection: Close\r\n\r\n").keep_alive);
  EXPECT_FALSE(parse_whole("GET / HTTP/1.0\r\n\r\n").keep_alive);
  EXPECT_TRUE(parse_whole("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").keep_alive);
  EXPECT_FALSE(parse_whole("GET / HTTP/1.1\r\nHost: h\r\nConnection: upgrade, close\r\n\r\n").keep_alive);
}

TEST(HttpParser, AcceptsAbsoluteFormAndAsteriskTargets) {
  const parsed a = parse_whole("GET http://example.com:81/p/q?z HTTP/1.1\r\nHost: example.com\r\n\r\n");
  EXPECT_EQ(a.path, "/p/q");
  EXPECT_EQ(a.query, "z");
  EXPECT_EQ(parse_whole("GET http://example.com HTTP/1.1\r\nHost: example.com\r\n\r\n").path, "/");
  EXPECT_EQ(parse_whole("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n").path, "*");
  EXPECT_EQ(error_of("GET * HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
}

TEST(HttpParser, ReportsExpect100ContinueOnceTheHeadersAreIn) {
  request_parser p;
  const std::string head = "PUT /f HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n";
  EXPECT_EQ(p.parse(head), parse_status::need_more);
  EXPECT_TRUE(p.headers_complete());
  EXPECT_TRUE(p.expects_continue());
  const std::string whole = head + "abcde";
  EXPECT_EQ(p.parse(whole), parse_status::done);
  EXPECT_EQ(p.request().body, "abcde");
}

TEST(HttpParser, EnforcesTheHeaderAndBodyLimits) {
  const parser_limits small{.max_header_bytes = 256, .max_headers = 4, .max_body_bytes = 100};
  EXPECT_EQ(error_of("GET /" + std::string(300, 'a') + " HTTP/1.1\r\n\r\n", small), 414);
  EXPECT_EQ(error_of("GET / HTTP/1.1\r\nHost: h\r\nX: " + std::string(300, 'a') + "\r\n\r\n", small), 431);
  EXPECT_EQ(error_of("GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n", small), 431);
  EXPECT_EQ(error_of("GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", small), 200);
  EXPECT_EQ(error_of("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 101\r\n\r\n", small), 413);
  EXPECT_EQ(error_of("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\n" + std::string(100, 'b'), small), 200);
  EXPECT_EQ(error_of("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "40\r\n" +
                         std::string(64, 'c') + "\r\n40\r\n" + std::string(64, 'c') + "\r\n0\r\n\r\n",
                     small),
            413);
  // An endless header is refused once it passes the limit, without waiting for its end.
  request_parser p(small);
  EXPECT_EQ(p.parse("GET / HTTP/1.1\r\nHost: h\r\nX: " + std::string(400, 'a')), parse_status::error);
  EXPECT_EQ(p.error_status(), 431);
}

TEST(HttpParser, RefusesMalformedRequestsWithTheRightStatus) {
  const std::vector<bad_case> cases{
      {"GET / HTTP/1.1\r\nHost : h\r\n\r\n", 400},                        // space before the colon
      {"GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n  folded\r\n\r\n", 400},     // obs-fold
      {"GET / HTTP/1.1\r\nHost: h\r\nNoColon\r\n\r\n", 400},              // no colon
      {"GET / HTTP/1.1\r\nHost: h\r\nX: a\x01b\r\n\r\n", 400},            // control character in a value
      {"GET / HTTP/1.1\r\n\r\n", 400},                                    // HTTP/1.1 without Host
      {"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400},              // two Hosts
      {"GET  / HTTP/1.1\r\nHost: h\r\n\r\n", 400},                        // empty target
      {"GET /a b HTTP/1.1\r\nHost: h\r\n\r\n", 400},                      // space in the target
      {"GET / HTTP/1.1 \r\nHost: h\r\n\r\n", 400},                        // junk after the version
      {"GET / HTTP/1.x\r\nHost: h\r\n\r\n", 400},                         // bad version
      {"GET / HTTP/2.0\r\nHost: h\r\n\r\n", 505},                         // unsupported version
      {"GET /\r\n\r\n", 400},                                             // HTTP/0.9
      {"G\x7fT / HTTP/1.1\r\nHost: h\r\n\r\n", 400},                      // bad method byte
      {"GET / HTTP/1.1\rHost: h\r\n\r\n", 400},                           // bare CR
      {"abc", 0},                                                         // incomplete, not an error yet
      {"\x16\x03\x01\x02\x00", 400},                                      // a TLS hello
      {"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n", 400},  // negative length
      {"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400},
      {"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999\r\n\r\n", 400},
      {"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
      {"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n", 501},
      {"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 501},
      {"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
      {"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400},
      {"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcd\r\n", 400},
      {"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n;x\r\n", 400},
      {"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFF\r\n", 400},
  };
  for (const bad_case& c : cases) EXPECT_EQ(error_of(c.text), c.status) << c.text;
}

TEST(HttpParser, ResetReadiesItForTheNextRequestAfterAnError) {
  request_parser p;
  EXPECT_EQ(p.parse("BAD REQUEST\r\n\r\n"), parse_status::error);
  EXPECT_EQ(p.parse(simple), parse_status::error) << "stays failed until reset";
  p.reset();
  EXPECT_EQ(p.parse(simple), parse_status::done);
  EXPECT_EQ(p.request().path, "/country/7.html");
}
