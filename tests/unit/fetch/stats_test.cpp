// Latency percentiles, transfer totals, progress lines and the fetcher's small formats.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>
#include <vector>

#include "common/progress.hpp"
#include "common/stats.hpp"
#include "fetch/fetch.hpp"
#include "fetch/job.hpp"

using namespace duet_cli;

TEST(Stats, NearestRankPercentilesOfOneToHundred) {
  std::vector<double> v(100);
  std::iota(v.begin(), v.end(), 1.0);
  std::shuffle(v.begin(), v.end(), std::mt19937(7));
  const latency_summary s = summarize(v);
  EXPECT_EQ(s.count, 100u);
  EXPECT_EQ(s.min, 1.0);
  EXPECT_EQ(s.p50, 50.0);
  EXPECT_EQ(s.p95, 95.0);
  EXPECT_EQ(s.p99, 99.0);
  EXPECT_EQ(s.max, 100.0);
  EXPECT_DOUBLE_EQ(s.mean, 50.5);
}

TEST(Stats, PercentilesAreMeasuredValues) {
  const std::vector<double> sorted = {0.1, 0.2, 0.9};
  EXPECT_EQ(nearest_rank(sorted, 0.5), 0.2);
  EXPECT_EQ(nearest_rank(sorted, 0.99), 0.9);
  EXPECT_EQ(nearest_rank(sorted, 0.01), 0.1);
  EXPECT_EQ(nearest_rank({}, 0.5), 0.0);
  EXPECT_EQ(summarize({}).count, 0u);
  EXPECT_EQ(summarize({3.0}).p99, 3.0);
}

TEST(Stats, MergeAddsEverything) {
  transfer_stats a, b;
  a.record_ok(100, 0.5);
  a.failed = 1;
  b.record_ok(200, 0.25);
  b.record_ok(300, 0.75);
  b.retried = 2;
  a.merge(b);
  EXPECT_EQ(a.ok, 3u);
  EXPECT_EQ(a.failed, 1u);
  EXPECT_EQ(a.retried, 2u);
  EXPECT_EQ(a.bytes, 600u);
  EXPECT_EQ(summarize(a.latencies).p50, 0.5);
}

TEST(Progress, BytesInBinaryUnits) {
  EXPECT_EQ(format_bytes(0), "0 B");
  EXPECT_EQ(format_bytes(1023), "1023 B");
  EXPECT_EQ(format_bytes(1536), "1.5 KB");
  EXPECT_EQ(format_bytes(100 * 1024 * 233), "22.8 MB");
  EXPECT_EQ(format_bytes(5ull << 30), "5.0 GB");
}

TEST(Progress, BarAndPlainLinesSayHowFarItIs) {
  const progress_state s{.done = 58, .total = 232, .failed = 2, .bytes = 58 * 102400, .in_flight = 174, .elapsed = 0.4};
  const std::string bar = progress_bar_line(s, 20);
  EXPECT_EQ(bar.substr(0, 22), "[#####...............]");
  EXPECT_NE(bar.find(" 25%"), std::string::npos) << bar;
  EXPECT_NE(bar.find("58/232"), std::string::npos) << bar;
  EXPECT_NE(bar.find("in flight 174"), std::string::npos) << bar;
  EXPECT_NE(bar.find("2 failed"), std::string::npos) << bar;
  EXPECT_EQ(progress_plain_line("fetch", s), "fetch: 25% (58/232, 5.7 MB, 2 failed, 400 ms)");
}

TEST(Progress, LinesModeWritesOneLinePerTenPercent) {
  char* buf = nullptr;
  std::size_t len = 0;
  std::FILE* mem = open_memstream(&buf, &len);
  ASSERT_NE(mem, nullptr);
  {
    progress_reporter p("fetch", progress_style::lines, mem);
    for (std::size_t done = 1; done <= 233; ++done) p.update({.done = done, .total = 233});
    p.finish();
  }
  std::fclose(mem);
  const std::string out(buf, len);
  std::free(buf);
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 10) << out;
  EXPECT_EQ(out.find('\033'), std::string::npos) << "escape codes in plain lines";
  EXPECT_NE(out.find("fetch: 100% (233/233"), std::string::npos) << out;
}

TEST(FetchMode, ParsesTheTutorialsFourWays) {
  EXPECT_EQ(fetch_mode::parse("sequential").kind, fetch_mode::sequential);
  EXPECT_EQ(fetch_mode::parse("async").kind, fetch_mode::async);
  const fetch_mode t = fetch_mode::parse("threads:16");
  EXPECT_EQ(t.kind, fetch_mode::threads);
  EXPECT_EQ(t.workers, 16u);
  EXPECT_EQ(t.to_string(), "threads:16");
  EXPECT_EQ(fetch_mode::parse("processes:3").workers, 3u);
  EXPECT_GE(fetch_mode::parse("processes").workers, 1u);
  for (const char* bad : {"threads", "threads:0", "threads:x", "threads:4x", "fibers", "async:3", ""})
    EXPECT_THROW(fetch_mode::parse(bad), std::invalid_argument) << bad;
}

TEST(FetchEvents, ChildLinesRoundTrip) {
  using namespace duet_cli::fetch_detail;
  const item_outcome ok{.status = 200, .bytes = 102400, .seconds = 0.59, .attempts = 2};
  auto back = parse_event_line(event_line(41, ok).substr(0, event_line(41, ok).size() - 1));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->first, 41u);
  EXPECT_EQ(back->second.status, 200);
  EXPECT_EQ(back->second.bytes, 102400u);
  EXPECT_DOUBLE_EQ(back->second.seconds, 0.59);
  EXPECT_EQ(back->second.attempts, 2);
  EXPECT_EQ(back->second.error, "");
  const item_outcome bad{.error = "http://x/: Couldn't\tconnect\nto server"};
  const std::string line = event_line(3, bad);
  EXPECT_EQ(std::count(line.begin(), line.end(), '\n'), 1);
  back = parse_event_line(line.substr(0, line.size() - 1));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->second.error, "http://x/: Couldn't connect to server");
  EXPECT_FALSE(parse_event_line("garbage").has_value());
  EXPECT_FALSE(parse_event_line("x\t1\t2\t3\t4\t").has_value());
}

TEST(FetchUrls, OnlyAbsoluteHttpUrlsAreValid) {
  using duet_cli::fetch_detail::valid_http_url;
  EXPECT_TRUE(valid_http_url("http://127.0.0.1:8080/page/1"));
  EXPECT_TRUE(valid_http_url("https://example.com"));
  EXPECT_FALSE(valid_http_url("ftp://example.com/x"));
  EXPECT_FALSE(valid_http_url("not a url"));
  EXPECT_FALSE(valid_http_url("/relative/path"));
  EXPECT_FALSE(valid_http_url("http://"));
}
