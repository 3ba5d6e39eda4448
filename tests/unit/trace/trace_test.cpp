#include "duet/trace/trace.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>

#include "duet/duet.hpp"
#include "unit/core/test_support.hpp"

namespace {

/// A strict recursive-descent JSON checker (RFC 8259 grammar): true if `s` is one JSON value.
class json_checker {
 public:
  explicit json_checker(std::string_view s) : s_(s) {}
  bool valid() {
    ws();
    if (!value()) return false;
    ws();
    return i_ == s_.size();
  }

 private:
  bool value() {
    if (i_ >= s_.size()) return false;
    switch (s_[i_]) {
      case '{':
        return object();
      case '[':
        return array();
      case '"':
        return string();
      case 't':
        return lit("true");
      case 'f':
        return lit("false");
      case 'n':
        return lit("null");
      default:
        return number();
    }
  }
  bool object() {
    ++i_;
    ws();
    if (peek('}')) return ++i_, true;
    for (;;) {
      ws();
      if (!string()) return false;
      ws();
      if (!peek(':')) return false;
      ++i_;
      ws();
      if (!value()) return false;
      ws();
      if (peek(',')) {
        ++i_;
        continue;
      }
      if (peek('}')) return ++i_, true;
      return false;
    }
  }
  bool array() {
    ++i_;
    ws();
    if (peek(']')) return ++i_, true;
    for (;;) {
      ws();
      if (!value()) return false;
      ws();
      if (peek(',')) {
        ++i_;
        continue;
      }
      if (peek(']')) return ++i_, true;
      return false;
    }
  }
  bool string() {
    if (!peek('"')) return false;
    for (++i_; i_ < s_.size(); ++i_) {
      const auto c = static_cast<unsigned char>(s_[i_]);
      if (c == '"') return ++i_, true;
      if (c < 0x20) return false;
      if (c == '\\') {
        if (++i_ >= s_.size()) return false;
        if (std::string_view("\"\\/bfnrtu").find(s_[i_]) == std::string_view::npos) return false;
      }
    }
    return false;
  }
  bool number() {
    const std::size_t start = i_;
    if (peek('-')) ++i_;
    if (!digits()) return false;
    if (peek('.')) {
      ++i_;
      if (!digits()) return false;
    }
    if (peek('e') || peek('E')) {
      ++i_;
      if (peek('+') || peek('-')) ++i_;
      if (!digits()) return false;
    }
    return i_ > start;
  }
  bool digits() {
    const std::size_t start = i_;
    while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_]))) ++i_;
    return i_ > start;
  }
  bool lit(std::string_view w) {
    if (s_.substr(i_, w.size()) != w) return false;
    i_ += w.size();
    return true;
  }
  bool peek(char c) const { return i_ < s_.size() && s_[i_] == c; }
  void ws() {
    while (i_ < s_.size() && std::string_view(" \t\r\n").find(s_[i_]) != std::string_view::npos) ++i_;
  }
  std::string_view s_;
  std::size_t i_ = 0;
};

std::size_t count(const std::string& hay, const std::string& needle) {
  std::size_t n = 0;
  for (auto p = hay.find(needle); p != std::string::npos; p = hay.find(needle, p + 1)) ++n;
  return n;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string temp_path(const char* stem) {
  return (std::filesystem::temp_directory_path() / (std::string(stem) + "-" + std::to_string(::getpid()) + ".json"))
      .string();
}

/// Work that certainly steals: f waits until another worker has taken g.
void forced_steal(duet::thread_pool& pool) {
  auto t = []() -> duet::task<> {
    std::atomic<bool> g_started{false};
    duet::join(
        [&] {
          while (!g_started.load()) std::this_thread::yield();
        },
        [&] { g_started.store(true); });
    co_return;
  };
  duet::spawn(pool, t()).get();
}

TEST(JsonChecker, AcceptsJsonAndRejectsBrokenText) {
  EXPECT_TRUE(json_checker(R"({"a":[1,2.5,-3e2,"x\"y",true,false,null,{}]})").valid());
  EXPECT_FALSE(json_checker(R"({"a":[1,2,]})").valid());
  EXPECT_FALSE(json_checker(R"({"a":1)").valid());
  EXPECT_FALSE(json_checker(R"({"a" 1})").valid());
  EXPECT_FALSE(json_checker("{\"a\":\"line\nbreak\"}").valid());
}

TEST(Trace, EnabledRunRecordsTaskBeginEndStealAndParkEvents) {
  duet::trace::clear();
  duet::trace::enable();
  EXPECT_TRUE(duet::trace::enabled());
  {
    duet::thread_pool pool({.threads = 2, .name = "trace-cpu"});
    forced_steal(pool);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // let the workers park
  }
  duet::trace::disable();
  EXPECT_FALSE(duet::trace::enabled());
  EXPECT_GT(duet::trace::event_count(), 0u);

  const std::string path = temp_path("duet-trace-test");
  duet::trace::write_chrome_json(path);
  const std::string json = read_file(path);
  std::filesystem::remove(path);
  ASSERT_FALSE(json.empty());
  EXPECT_TRUE(json_checker(json).valid()) << json.substr(0, 2000);
  const std::size_t begins = count(json, "\"ph\":\"B\"");
  const std::size_t ends = count(json, "\"ph\":\"E\"");
  EXPECT_GE(begins, 2u);  // the spawned task and the stolen half of the join
  EXPECT_EQ(begins, ends);
  EXPECT_GE(count(json, "\"name\":\"steal\""), 1u);
  EXPECT_GE(count(json, "\"name\":\"park\""), 1u);
  EXPECT_GE(count(json, "\"name\":\"unpark\""), 1u);
  EXPECT_EQ(count(json, "\"traceEvents\""), 1u);
  EXPECT_GE(count(json, "\"trace-cpu-0\""), 1u);  // worker threads are named in the trace
}

TEST(Trace, SpansAndMarksAppearByName) {
  duet::trace::clear();
  duet::trace::enable();
  {
    duet::trace::span outer("outer-span");
    duet::trace::span inner("inner-span");
    duet::trace::mark("a-mark");
  }
  duet::trace::disable();
  EXPECT_EQ(duet::trace::event_count(), 5u);  // 2 begins, 2 ends, 1 mark
  const std::string path = temp_path("duet-trace-span");
  duet::trace::write_chrome_json(path);
  const std::string json = read_file(path);
  std::filesystem::remove(path);
  EXPECT_TRUE(json_checker(json).valid()) << json;
  EXPECT_EQ(count(json, "\"name\":\"outer-span\",\"ph\":\"B\""), 1u);
  EXPECT_EQ(count(json, "\"name\":\"inner-span\",\"ph\":\"B\""), 1u);
  EXPECT_EQ(count(json, "\"ph\":\"E\""), 2u);
  EXPECT_EQ(count(json, "\"name\":\"a-mark\",\"ph\":\"i\""), 1u);
}

TEST(Trace, NamesWithQuotesAndBackslashesAreEscaped) {
  duet::trace::clear();
  duet::trace::enable();
  {
    duet::trace::span s("say \"hi\"");
    duet::trace::mark("back\\slash");
  }
  duet::trace::disable();
  const std::string path = temp_path("duet-trace-escape");
  duet::trace::write_chrome_json(path);
  const std::string json = read_file(path);
  std::filesystem::remove(path);
  EXPECT_TRUE(json_checker(json).valid()) << json;
  EXPECT_EQ(count(json, R"("name":"say \"hi\"","ph":"B")"), 1u) << json;
  EXPECT_EQ(count(json, R"("name":"back\\slash","ph":"i")"), 1u) << json;
}

TEST(Trace, DisabledRecordsNothing) {
  duet::trace::disable();
  duet::trace::clear();
  EXPECT_EQ(duet::trace::event_count(), 0u);
  {
    duet::thread_pool pool({.threads = 2});
    forced_steal(pool);
    duet::trace::span s("ignored");
    duet::trace::mark("ignored");
  }
  EXPECT_EQ(duet::trace::event_count(), 0u);
  // An empty trace is still a valid file.
  const std::string path = temp_path("duet-trace-empty");
  duet::trace::write_chrome_json(path);
  const std::string json = read_file(path);
  std::filesystem::remove(path);
  EXPECT_TRUE(json_checker(json).valid()) << json;
  EXPECT_EQ(count(json, "\"ph\":"), 0u);
}

TEST(Trace, ClearForgetsEveryEvent) {
  duet::trace::enable();
  duet::trace::mark("x");
  duet::trace::disable();
  EXPECT_GT(duet::trace::event_count(), 0u);
  duet::trace::clear();
  EXPECT_EQ(duet::trace::event_count(), 0u);
}

TEST(Trace, UnwritablePathThrowsNamingThePath) {
  const std::string path = "/nonexistent-duet-dir/sub/trace.json";
  try {
    duet::trace::write_chrome_json(path);
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
}

// More events than a ring holds: the oldest are dropped, and ends whose begins were dropped are
// left out, so the file stays balanced and valid.
TEST(Trace, AFullRingKeepsTheLatestEventsAndStaysBalanced) {
  duet::trace::clear();
  duet::trace::enable();
  duet::trace::span outer("outer");
  for (int i = 0; i < 40000; ++i) duet::trace::span s("s");  // 80,001 events in all
  duet::trace::disable();
  EXPECT_EQ(duet::trace::event_count(), 65536u);
  const std::string path = temp_path("duet-trace-wrap");
  duet::trace::write_chrome_json(path);
  const std::string json = read_file(path);
  std::filesystem::remove(path);
  EXPECT_TRUE(json_checker(json).valid());
  EXPECT_EQ(count(json, "\"ph\":\"B\""), count(json, "\"ph\":\"E\""));
  EXPECT_EQ(count(json, "\"name\":\"outer\""), 0u);  // its begin fell out of the ring
}

}  // namespace
