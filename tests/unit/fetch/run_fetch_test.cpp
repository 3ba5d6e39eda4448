// run_fetch() in-process (the entry `duet demo` uses) against duet's HTTP
// server on 127.0.0.1: the crawl, the files written byte for byte, retries of
// 503s, and one error per bad URL while the rest download. Processes mode needs
// the `duet` binary: tests/integration/fetch_test.sh.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <set>
#include <string>

#include "duet/io/http/server.hpp"
#include "duet/runtime.hpp"
#include "fetch/fetch.hpp"

namespace http = duet::http;
using duet_cli::fetch_mode;
using duet_cli::fetch_options;
using duet_cli::fetch_result;

namespace {

constexpr int pages = 30;

// Page i: i * 997 + 1 bytes of a pattern that depends on i, so a mix-up shows.
std::string page_body(int i) {
  std::string s(static_cast<std::size_t>(i) * 997 + 1, '\0');
  for (std::size_t k = 0; k < s.size(); ++k) s[k] = static_cast<char>('a' + (k * 7 + static_cast<std::size_t>(i)) % 26);
  return s;
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), {}};
}

// A site on duet's server: "/" links /page/0 .. /page/29 (and an /about page
// the crawl must skip); /busy/N answers 503 to the first request for each N,
// then the page.
class site {
 public:
  explicit site(duet::runtime& rt) {
    srv_.route("GET", "/", [](http::server_request&) -> duet::task<http::server_response> {
      std::string html = "<html><body><a href=\"/about\">about</a>\n";
      for (int i = 0; i < pages; ++i)
        html += "<a href=\"page/" + std::to_string(i) + "\">" + std::to_string(i) + "</a>\n";
      co_return http::server_response::html(html + "</body></html>");
    });
    srv_.route_prefix("GET", "/page/", [](http::server_request& r) -> duet::task<http::server_response> {
      co_return http::server_response::text(200, page_body(std::stoi(std::string(r.path_rest))));
    });
    srv_.route_prefix("GET", "/busy/", [this](http::server_request& r) -> duet::task<http::server_response> {
      const std::string key(r.path_rest);
      {
        std::lock_guard lock(mu_);
        if (refused_.insert(key).second) co_return http::server_response::text(503, "busy");
      }
      co_return http::server_response::text(200, page_body(static_cast<int>(key.size())));
    });
    srv_.listen(duet::socket_address::parse("127.0.0.1:0"), rt.io());
    run_ = rt.spawn(srv_.run());
    base_ = "http://127.0.0.1:" + std::to_string(srv_.local_address().port());
  }
  ~site() {
    srv_.stop();
    run_.get();
  }
  [[nodiscard]] const std::string& base() const { return base_; }

 private:
  http::server srv_;
  duet::join_handle<void> run_;
  std::string base_;
  std::mutex mu_;
  std::set<std::string> refused_;
};

class RunFetch : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("duet_fetch_test_" + std::to_string(::getpid()) + "_" +
                                                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

void expect_pages_written(const std::filesystem::path& dir, int count) {
  for (int i = 0; i < count; ++i) EXPECT_EQ(read_file(dir / std::to_string(i)), page_body(i)) << "page " << i;
  EXPECT_EQ(static_cast<int>(std::distance(std::filesystem::directory_iterator(dir), {})), count);
}

}  // namespace

TEST_F(RunFetch, EveryInProcessModeCrawlsAndWritesThePagesByteForByte) {
  duet::runtime rt({.cpu_threads = 2});
  site s(rt);
  for (const char* mode : {"async", "sequential", "threads:4"}) {
    for (std::size_t c : {std::size_t{0}, std::size_t{3}}) {
      if (c != 0 && std::string(mode) != "async") continue;
      SCOPED_TRACE(std::string(mode) + " -c " + std::to_string(c));
      const std::filesystem::path out = dir_ / (std::string(mode).substr(0, 5) + std::to_string(c));
      const fetch_options o{.crawl = s.base() + "/",
                            .select = "^page/",
                            .output_dir = out.string(),
                            .mode = fetch_mode::parse(mode),
                            .concurrency = c,
                            .quiet = true};
      const fetch_result r = duet_cli::run_fetch(o, rt);
      EXPECT_TRUE(r.ok());
      EXPECT_EQ(r.urls, std::size_t{pages});
      EXPECT_EQ(r.list_links, std::size_t{pages});
      EXPECT_EQ(r.stats.ok, std::size_t{pages});
      std::uint64_t want_bytes = 0;
      for (int i = 0; i < pages; ++i) want_bytes += page_body(i).size();
      EXPECT_EQ(r.stats.bytes, want_bytes);
      EXPECT_EQ(r.latency.count, std::size_t{pages});
      EXPECT_LE(r.latency.p50, r.latency.p99);
      EXPECT_GE(r.peak_concurrency, 1u);
      if (c != 0) {
        EXPECT_LE(r.peak_concurrency, c);
      }
      expect_pages_written(out, pages);
    }
  }
}

TEST_F(RunFetch, AsyncOverSeveralIoThreadsGetsEveryPageOnce) {
  duet::runtime rt({.cpu_threads = 2});
  site s(rt);
  std::uint64_t want_bytes = 0;
  for (int i = 0; i < pages; ++i) want_bytes += page_body(i).size();
  for (std::size_t threads : {std::size_t{1}, std::size_t{3}}) {
    for (bool to_files : {false, true}) {
      SCOPED_TRACE("--io-threads " + std::to_string(threads) + (to_files ? " -o" : ""));
      const std::filesystem::path out = dir_ / ("io" + std::to_string(threads));
      const fetch_options o{.crawl = s.base() + "/",
                            .select = "^page/",
                            .output_dir = to_files ? out.string() : std::string(),
                            .concurrency = 8,
                            .io_threads = threads,
                            .quiet = true};
      const fetch_result r = duet_cli::run_fetch(o, rt);
      EXPECT_TRUE(r.ok());
      EXPECT_EQ(r.stats.ok, std::size_t{pages});
      EXPECT_EQ(r.stats.bytes, want_bytes) << "bodies counted, whether kept or not";
      if (to_files) expect_pages_written(out, pages);
    }
  }
}

TEST_F(RunFetch, RetriesA503AndCountsIt) {
  duet::runtime rt({.cpu_threads = 2});
  site s(rt);
  for (const char* mode : {"async", "threads:2"}) {
    fetch_options o{.output_dir = (dir_ / mode).string(), .mode = fetch_mode::parse(mode), .retries = 2, .quiet = true};
    for (int i = 0; i < 5; ++i) o.urls.push_back(s.base() + "/busy/" + std::string(mode) + std::to_string(i));
    const fetch_result r = duet_cli::run_fetch(o, rt);
    EXPECT_TRUE(r.ok()) << mode << ": " << (r.errors.empty() ? "" : r.errors.front());
    EXPECT_EQ(r.stats.ok, 5u) << mode;
    EXPECT_EQ(r.stats.retried, 5u) << mode;  // one 503 per URL
  }
}

TEST_F(RunFetch, BadUrlsFailOneEachAndTheRestDownload) {
  duet::runtime rt({.cpu_threads = 2});
  site s(rt);
  for (const char* mode : {"async", "sequential"}) {
    SCOPED_TRACE(mode);
    const fetch_options o{.urls = {s.base() + "/page/1", "no scheme here", "http://127.0.0.1:1/refused",
                                   s.base() + "/nothing-here", s.base() + "/page/2"},
                          .output_dir = (dir_ / mode).string(),
                          .mode = fetch_mode::parse(mode),
                          .retries = 0,
                          .quiet = true};
    const fetch_result r = duet_cli::run_fetch(o, rt);
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(r.stats.ok, 2u);
    EXPECT_EQ(r.stats.failed, 3u);
    ASSERT_EQ(r.errors.size(), 3u);
    const std::string all = r.errors[0] + "\n" + r.errors[1] + "\n" + r.errors[2];
    EXPECT_NE(all.find("no scheme here: not a valid http:// or https:// URL"), std::string::npos) << all;
    EXPECT_NE(all.find("127.0.0.1:1/refused"), std::string::npos) << all;
    EXPECT_NE(all.find("/nothing-here: HTTP 404"), std::string::npos) << all;
    EXPECT_EQ(read_file(dir_ / mode / "1"), page_body(1));
    EXPECT_EQ(read_file(dir_ / mode / "2"), page_body(2));
    EXPECT_FALSE(std::filesystem::exists(dir_ / mode / "nothing-here")) << "a 404 left its body behind";
  }
}

TEST_F(RunFetch, AJobThatCannotStartSaysWhy) {
  duet::runtime rt({.cpu_threads = 1});
  site s(rt);
  EXPECT_THROW((void)duet_cli::run_fetch(fetch_options{.quiet = true}, rt), std::invalid_argument);
  try {
    (void)duet_cli::run_fetch(fetch_options{.crawl = s.base() + "/", .select = "^zzz", .quiet = true}, rt);
    ADD_FAILURE() << "an empty crawl did not throw";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("no links matching --select '^zzz'"), std::string::npos) << e.what();
  }
  EXPECT_THROW((void)duet_cli::run_fetch(fetch_options{.crawl = s.base() + "/", .select = "(", .quiet = true}, rt),
               std::invalid_argument);
}
