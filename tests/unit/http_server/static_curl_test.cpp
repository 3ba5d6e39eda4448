// Static files (content types, large files, every way out of the root refused) and the server
// seen by a real client: Debian's curl, started as a child process.
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "server_support.hpp"

using namespace std::chrono_literals;
using duet::http::server_request;
using duet::http::server_response;
using http_test::client;
using http_test::get;
using http_test::running_server;
namespace fs = std::filesystem;

namespace {

// A fresh directory under the system's temp dir, removed at the end.
class temp_dir {
 public:
  temp_dir() {
    std::string tmpl = (fs::temp_directory_path() / "duet-http-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  [[nodiscard]] const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

void write(const fs::path& p, const std::string& bytes) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << bytes;
}

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string random_bytes(std::size_t n, unsigned seed) {
  std::mt19937 gen(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(gen() & 0xff);
  return s;
}

// Runs Debian's curl with `args` through the shell, bounded by timeout(1); returns its exit
// status. (std::system rather than duet::run: the server under test is the duet code here.)
int curl(const std::vector<std::string>& args) {
  std::string cmd = "timeout 30 curl --silent --show-error --max-time 20";
  for (const std::string& a : args) {
    cmd += " '";
    for (char c : a) cmd += c == '\'' ? std::string("'\\''") : std::string(1, c);
    cmd += "'";
  }
  const int st = std::system(cmd.c_str());
  const int code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  if (code != 0) ADD_FAILURE() << cmd << " exited with " << code;
  return code;
}

}  // namespace

TEST(HttpStatic, ServesFilesWithTheirContentType) {
  temp_dir root;
  write(root.path() / "www/index.html", "<h1>home</h1>");
  write(root.path() / "www/css/site.css", "body{}");
  write(root.path() / "www/data.bin", random_bytes(5000, 1));
  running_server srv([&](duet::http::server& s) { s.static_files("/static/", root.path() / "www"); });
  client c(srv.port());
  auto r = c.exchange(get("/static/css/site.css"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "body{}");
  EXPECT_EQ(r.header("content-type"), "text/css; charset=utf-8");
  r = c.exchange(get("/static/data.bin"));
  EXPECT_EQ(r.body, random_bytes(5000, 1));
  EXPECT_EQ(r.header("content-type"), "application/octet-stream");
  r = c.exchange(get("/static/"));
  EXPECT_EQ(r.body, "<h1>home</h1>") << "a directory serves its index.html";
  EXPECT_EQ(r.header("content-type"), "text/html; charset=utf-8");
  EXPECT_EQ(c.exchange(get("/static/%63ss/site.css")).body, "body{}") << "percent-decoded";
  EXPECT_EQ(c.exchange(get("/static/missing.txt")).status, 404);
  EXPECT_EQ(c.exchange("POST /static/data.bin HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n").status, 405);
}

TEST(HttpStatic, RefusesEveryPathThatLeavesTheRoot) {
  temp_dir root;
  write(root.path() / "secret.txt", "SECRET");
  write(root.path() / "www/ok.txt", "fine");
  fs::create_directory_symlink(root.path(), root.path() / "www/up");  // a link pointing out
  fs::create_symlink(root.path() / "secret.txt", root.path() / "www/s.txt");
  running_server srv([&](duet::http::server& s) { s.static_files("/static", root.path() / "www"); });
  client c(srv.port());
  EXPECT_EQ(c.exchange(get("/static/ok.txt")).body, "fine");
  for (const char* attempt : {"/static/../secret.txt", "/static/%2e%2e/secret.txt", "/static/..%2fsecret.txt",
                              "/static/ok.txt/../../secret.txt", "/static/%2E%2E%2Fsecret.txt", "/static/up/secret.txt",
                              "/static/s.txt", "/static/./ok.txt/..", "/static/..", "/static/%00secret.txt",
                              "/static/ok.txt%00", "/static//../secret.txt", "/static/%2"}) {
    const auto r = c.exchange(get(attempt));
    EXPECT_EQ(r.status, 404) << attempt;
    EXPECT_EQ(r.body.find("SECRET"), std::string::npos) << attempt;
  }
}

TEST(HttpStatic, StreamsALargeFileWithItsLength) {
  temp_dir root;
  const std::string big = random_bytes(3 * 1024 * 1024 + 17, 2);
  write(root.path() / "big.bin", big);
  running_server srv([&](duet::http::server& s) { s.static_files("/", root.path()); });
  client c(srv.port());
  const auto r = c.exchange(get("/big.bin"));
  EXPECT_EQ(r.header("content-length"), std::to_string(big.size()));
  EXPECT_TRUE(r.body == big) << "got " << r.body.size() << " bytes";
  EXPECT_EQ(c.exchange(get("/big.bin")).body.size(), big.size()) << "keep-alive after a streamed file";
}

TEST(HttpCurl, FetchesFilesPagesAndStreamsByteForByte) {
  temp_dir root;
  const std::string page = random_bytes(200 * 1024, 3);
  write(root.path() / "www/page.bin", page);
  running_server srv([&](duet::http::server& s) {
    s.static_files("/files/", root.path() / "www");
    s.route("POST", "/echo", [](server_request& req) -> duet::task<server_response> {
      co_return server_response{.content_type = "application/octet-stream", .body = std::string(req.body)};
    });
    s.route("GET", "/stream", [](server_request&) -> duet::task<server_response> {
      auto n = std::make_shared<int>(0);
      co_return server_response::stream([n]() -> duet::task<std::string> {
        if (*n == 100) co_return std::string();
        const int k = (*n)++;
        co_return std::string(static_cast<std::size_t>(1000 + k), static_cast<char>('a' + k % 26));
      });
    });
  });
  const fs::path out = root.path() / "out";
  // Two files over one connection (curl reuses it), compared byte for byte.
  EXPECT_EQ(curl({"-o", (out / "1").string(), srv.url("/files/page.bin"), "-o", (out / "2").string(),
                  srv.url("/files/page.bin"), "--create-dirs"}),
            0);
  EXPECT_TRUE(read(out / "1") == page);
  EXPECT_TRUE(read(out / "2") == page);
  EXPECT_EQ(srv.server().stats().connections, 1u) << "curl reused the keep-alive connection";

  // A 2 MB upload: curl sends "Expect: 100-continue" and waits for our 100 before the body.
  const std::string upload = random_bytes(2 * 1024 * 1024, 4);
  write(root.path() / "upload.bin", upload);
  // curl's "@FILE" argument (built with append: GCC 12 warns falsely on "@" + std::string).
  std::string at_upload = "@";
  at_upload.append((root.path() / "upload.bin").string());
  EXPECT_EQ(curl({"--data-binary", at_upload, "-o", (out / "3").string(), srv.url("/echo")}), 0);
  EXPECT_TRUE(read(out / "3") == upload);

  // A chunked upload and a chunked response.
  EXPECT_EQ(curl({"-H", "Transfer-Encoding: chunked", "--data-binary", at_upload, "-o", (out / "4").string(),
                  srv.url("/echo")}),
            0);
  EXPECT_TRUE(read(out / "4") == upload);
  EXPECT_EQ(curl({"-o", (out / "5").string(), srv.url("/stream")}), 0);
  std::string expected;
  for (int n = 0; n < 100; ++n) expected += std::string(1000 + n, static_cast<char>('a' + n % 26));
  EXPECT_TRUE(read(out / "5") == expected);
}
