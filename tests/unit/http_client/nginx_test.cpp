// duet::http::client (and fetch_blocking) against a real server that is not duet's: nginx from
// Debian (nginx-light), started by the test on a free loopback port with a config and a
// document root in a temporary directory, and stopped by its PID.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <thread>

#include "duet/duet.hpp"
#include "duet/io/http/client.hpp"
#include "test_server.hpp"

extern char** environ;

using namespace std::chrono_literals;
namespace http = duet::http;
namespace fs = std::filesystem;

namespace {

constexpr const char* nginx_binary = "/usr/sbin/nginx";

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

bool accepts_connections(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

// nginx in the foreground (`daemon off; master_process off;`) serving `root` from a temp dir.
class nginx_server {
 public:
  nginx_server() {
    std::string tmpl = (fs::temp_directory_path() / "duet-nginx-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
    fs::create_directories(root());
    // A free port: bound and released (nginx binds it a moment later; nobody else is racing
    // for loopback ports in this test).
    {
      auto l = duet::tcp_listener::bind(duet::socket_address::parse("127.0.0.1:0"));
      port_ = l.local_address().port();
    }
    const std::string d = dir_.string();
    std::ofstream conf(dir_ / "nginx.conf");
    conf << "daemon off;\nmaster_process off;\nworker_processes 1;\n"
         << "pid " << d << "/nginx.pid;\nerror_log " << d << "/error.log warn;\n"
         << "events { worker_connections 1024; }\n"
         << "http {\n"
         // $connection: nginx's serial number of the connection a request came on.
         << "  log_format conn '$connection $request_uri $status';\n"
         << "  access_log " << d << "/access.log conn;\n"
         << "  client_body_temp_path " << d << "/body;\n  proxy_temp_path " << d << "/proxy;\n"
         << "  fastcgi_temp_path " << d << "/fastcgi;\n  uwsgi_temp_path " << d << "/uwsgi;\n"
         << "  scgi_temp_path " << d << "/scgi;\n"
         << "  keepalive_requests 10000;\n"
         << "  server {\n    listen 127.0.0.1:" << port_ << ";\n    root " << root().string() << ";\n"
         << "    location = /moved { return 302 /files/small.txt; }\n"
         << "  }\n"
         << "}\n";
  }

  void start() {
    const std::string conf = (dir_ / "nginx.conf").string();
    const std::string prefix = dir_.string() + "/";
    const std::string errlog = (dir_ / "error.log").string();
    std::vector<std::string> args = {nginx_binary, "-c", conf, "-p", prefix, "-e", errlog};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (int rc = ::posix_spawn(&pid_, nginx_binary, nullptr, nullptr, argv.data(), environ); rc != 0)
      throw std::system_error(rc, std::generic_category(), "posix_spawn nginx");
    // Bounded wait until it accepts (or exits: a config error).
    for (int i = 0; i < 1000; ++i) {
      if (accepts_connections(port_)) return;
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        throw std::runtime_error("nginx exited at start-up: " + slurp(dir_ / "error.log"));
      }
      std::this_thread::sleep_for(10ms);
    }
    throw std::runtime_error("nginx did not accept connections within 10 s: " + slurp(dir_ / "error.log"));
  }

  ~nginx_server() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      for (int i = 0; i < 500 && ::waitpid(pid_, &status, WNOHANG) == 0; ++i) std::this_thread::sleep_for(10ms);
      if (::waitpid(pid_, &status, WNOHANG) == 0) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
      }
    }
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  [[nodiscard]] fs::path root() const { return dir_ / "www"; }
  [[nodiscard]] fs::path dir() const { return dir_; }
  [[nodiscard]] std::string url(const std::string& path) const {
    return http_test::cat("http://127.0.0.1:", port_) + path;
  }
  /// The access log's lines: "CONNECTION URI STATUS".
  [[nodiscard]] std::vector<std::string> access_log() const {
    std::istringstream in(slurp(dir_ / "access.log"));
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
  }

 private:
  fs::path dir_;
  int port_ = 0;
  pid_t pid_ = -1;
};

class HttpClientNginx : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::access(nginx_binary, X_OK) != 0)
      GTEST_SKIP() << nginx_binary << " is missing: install Debian's nginx-light to run the tests against nginx";
    nginx_ = std::make_unique<nginx_server>();
    fs::create_directories(nginx_->root() / "files");
    // Sizes around buffer boundaries, and a large one.
    const std::vector<std::size_t> sizes = {0, 1, 1023, 16384, 100'000, 3'000'017};
    for (std::size_t i = 0; i < sizes.size(); ++i) {
      const std::string name = http_test::cat("f", i) + ".bin";
      std::ofstream(nginx_->root() / "files" / name, std::ios::binary) << http_test::pattern_bytes(sizes[i], 100 + i);
      files_.push_back("/files/" + name);
    }
    std::ofstream(nginx_->root() / "files" / "small.txt") << "small file\n";
    for (int i = 0; i < 200; ++i)
      std::ofstream(nginx_->root() / "files" / (http_test::cat("page", i) + ".html"))
          << "<html>page " << i << http_test::pattern_bytes(static_cast<std::size_t>(i) * 37, 7) << "</html>";
    nginx_->start();
  }
  [[nodiscard]] std::string on_disk(const std::string& path) const { return slurp(nginx_->root().string() + path); }

  std::unique_ptr<nginx_server> nginx_;
  std::vector<std::string> files_;
};

}  // namespace

TEST_F(HttpClientNginx, FetchedBytesEqualTheFiles) {
  duet::runtime rt({.cpu_threads = 2});
  http::client c({}, rt.io());
  for (const std::string& f : files_) {
    auto r = rt.block_on(c.get(nginx_->url(f)));
    EXPECT_EQ(r.status, 200) << f;
    EXPECT_EQ(r.body_bytes, fs::file_size(nginx_->root().string() + f)) << f;
    EXPECT_TRUE(r.body == on_disk(f)) << f << ": the bytes differ";
    EXPECT_EQ(r.header("Content-Length").value_or(""), std::to_string(r.body.size())) << f;
  }
  auto missing = rt.block_on(c.get(nginx_->url("/files/none.bin")));
  EXPECT_EQ(missing.status, 404);
  auto moved = rt.block_on(c.get(nginx_->url("/moved")));
  EXPECT_EQ(moved.status, 200);
  EXPECT_EQ(moved.body, "small file\n");
  EXPECT_EQ(moved.effective_url, nginx_->url("/files/small.txt"));
}

TEST_F(HttpClientNginx, ConcurrentDownloadsToFilesMatchByteForByte) {
  duet::runtime rt({.cpu_threads = 2});
  http::client c({}, rt.io());
  const fs::path out = nginx_->dir() / "out";
  fs::create_directories(out);
  std::vector<std::string> paths;
  for (int i = 0; i < 200; ++i) paths.push_back(http_test::cat("/files/page", i) + ".html");
  for (const auto& f : files_) paths.push_back(f);
  auto body = [&]() -> duet::task<std::vector<http::response>> {
    std::vector<duet::task<http::response>> ts;
    for (std::size_t i = 0; i < paths.size(); ++i)
      ts.push_back(c.send(http::request::get(nginx_->url(paths[i])).to_file((out / std::to_string(i)).string())));
    co_return co_await duet::when_all(std::move(ts));
  };
  auto rs = rt.block_on(body());
  ASSERT_EQ(rs.size(), paths.size());
  for (std::size_t i = 0; i < paths.size(); ++i) {
    EXPECT_EQ(rs[i].status, 200) << paths[i];
    EXPECT_TRUE(rs[i].body.empty());
    EXPECT_TRUE(slurp(out / std::to_string(i)) == on_disk(paths[i])) << paths[i] << ": the bytes differ";
  }
}

TEST_F(HttpClientNginx, SequentialRequestsUseOneConnection) {
  duet::runtime rt({.cpu_threads = 2});
  http::client c({}, rt.io());
  constexpr int n = 30;
  auto body = [&]() -> duet::task<int> {
    int ok = 0;
    for (int i = 0; i < n; ++i) {
      const std::string p = http_test::cat("/files/page", i) + ".html";
      ok += (co_await c.get(nginx_->url(p))).body == on_disk(p);
    }
    co_return ok;
  };
  EXPECT_EQ(rt.block_on(body()), n);
  // nginx writes the access log line after each response; give the last one a moment.
  ASSERT_TRUE(http_test::eventually([&] { return nginx_->access_log().size() >= static_cast<std::size_t>(n); }));
  std::set<std::string> connections;
  for (const std::string& line : nginx_->access_log()) connections.insert(line.substr(0, line.find(' ')));
  EXPECT_EQ(connections.size(), 1U) << "nginx saw the requests on one connection";
}

TEST_F(HttpClientNginx, FetchBlockingFromThreadsMatchesTheFiles) {
  // What `duet fetch --mode threads:N` does: fetch_blocking on plain threads.
  std::vector<std::string> paths;
  for (int i = 0; i < 64; ++i) paths.push_back(http_test::cat("/files/page", i) + ".html");
  std::vector<std::string> bodies(paths.size());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (std::size_t i = static_cast<std::size_t>(t); i < paths.size(); i += 4)
        bodies[i] = http::fetch_blocking(http::request::get(nginx_->url(paths[i]))).body;
    });
  for (auto& th : threads) th.join();
  for (std::size_t i = 0; i < paths.size(); ++i) EXPECT_TRUE(bodies[i] == on_disk(paths[i])) << paths[i];
  // Each thread kept its connection: at most 4 distinct connections for 64 requests.
  ASSERT_TRUE(http_test::eventually([&] { return nginx_->access_log().size() >= paths.size(); }));
  std::set<std::string> connections;
  for (const std::string& line : nginx_->access_log()) connections.insert(line.substr(0, line.find(' ')));
  EXPECT_LE(connections.size(), 4U);
}
