#include "duet/trace/trace.hpp"

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <new>
#include <mutex>
#include <stdexcept>
#include <vector>

namespace duet {
namespace detail {

std::atomic<bool> trace_on{false};

namespace {

constexpr std::size_t ring_capacity = 1u << 16;

// One thread's events. The owner appends under `mu` (uncontended except while a writer
// copies the ring out), so a trace can be written while workers are still parking.
struct ring {
  std::mutex mu;
  std::string thread_name;
  int tid = 0;
  std::vector<trace_event> events;  // ring_capacity slots once used
  std::size_t total = 0;            // events ever appended; the ring holds the last ones
};

struct registry {
  std::mutex mu;
  std::vector<std::shared_ptr<ring>> rings;  // kept after their threads exit
  int next_tid = 1;
};

registry& reg() {
  static registry* r = new registry();  // leaked: threads may record during static teardown
  return *r;
}

ring& my_ring() {
  thread_local std::shared_ptr<ring> mine = [] {
    auto r = std::make_shared<ring>();
    registry& g = reg();
    std::lock_guard lock(g.mu);
    r->tid = g.next_tid++;
    r->thread_name = "thread-" + std::to_string(r->tid);
    g.rings.push_back(r);
    return r;
  }();
  return *mine;
}

std::uint64_t now_ns() noexcept {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
          .count());
}

}  // namespace

void trace_record(trace_kind kind, const char* name) noexcept {
  ring& r = my_ring();
  std::lock_guard lock(r.mu);
  if (r.events.empty()) {
    // First event on this thread: allocate the ring before reading the clock, so the
    // allocation is not charged to the span. Out of memory: drop the event (noexcept).
    try {
      r.events.resize(ring_capacity);
    } catch (const std::bad_alloc&) {
      return;
    }
  }
  const std::uint64_t ts = now_ns();
  r.events[r.total % ring_capacity] = trace_event{ts, name, kind};
  ++r.total;
}

void trace_name_thread(const char* name) noexcept {
  ring& r = my_ring();
  std::lock_guard lock(r.mu);
  r.thread_name = name;
}

}  // namespace detail

namespace trace {

// relaxed: an on/off switch; events recorded around the switch may or may not be kept.
void enable() noexcept { detail::trace_on.store(true, std::memory_order_relaxed); }
void disable() noexcept { detail::trace_on.store(false, std::memory_order_relaxed); }
bool enabled() noexcept { return detail::trace_enabled(); }

void clear() noexcept {
  auto& g = detail::reg();
  std::lock_guard lock(g.mu);
  for (auto& r : g.rings) {
    std::lock_guard rl(r->mu);
    r->total = 0;
  }
}

std::size_t event_count() noexcept {
  auto& g = detail::reg();
  std::lock_guard lock(g.mu);
  std::size_t n = 0;
  for (auto& r : g.rings) {
    std::lock_guard rl(r->mu);
    n += std::min(r->total, detail::ring_capacity);
  }
  return n;
}

namespace {
void write_json_string(std::FILE* f, const std::string& s) {
  std::fputc('"', f);
  for (char c : s) {
    if (c == '"' || c == '\\') std::fputc('\\', f);
    if (static_cast<unsigned char>(c) < 0x20) continue;
    std::fputc(c, f);
  }
  std::fputc('"', f);
}
}  // namespace

void write_chrome_json(const std::string& path) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "w"), &std::fclose);
  if (!f) throw std::runtime_error("duet::trace: cannot write '" + path + "': " + std::strerror(errno));
  // Copy the rings out first, so recording threads wait on each ring only briefly.
  struct snapshot {
    int tid;
    std::string name;
    std::vector<detail::trace_event> events;
  };
  std::vector<snapshot> snaps;
  std::uint64_t t0 = UINT64_MAX;
  {
    auto& g = detail::reg();
    std::lock_guard lock(g.mu);
    for (auto& r : g.rings) {
      std::lock_guard rl(r->mu);
      snapshot s{r->tid, r->thread_name, {}};
      const std::size_t n = std::min(r->total, detail::ring_capacity);
      for (std::size_t i = r->total - n; i < r->total; ++i) s.events.push_back(r->events[i % detail::ring_capacity]);
      if (!s.events.empty()) t0 = std::min(t0, s.events.front().ts_ns);
      snaps.push_back(std::move(s));
    }
  }
  std::FILE* out = f.get();
  std::fputs("{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n", out);
  bool first = true;
  auto sep = [&] {
    if (!first) std::fputs(",\n", out);
    first = false;
  };
  for (auto& s : snaps) {
    if (s.events.empty()) continue;
    sep();
    std::fprintf(out, "{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":%d,\"args\":{\"name\":", s.tid);
    write_json_string(out, s.name);
    std::fputs("}}", out);
    int depth = 0;
    for (auto& e : s.events) {
      const double us = static_cast<double>(e.ts_ns - t0) / 1000.0;
      const char* name = e.name != nullptr ? e.name : "task";
      using detail::trace_kind;
      switch (e.kind) {
        case trace_kind::task_begin:
          ++depth;
          sep();
          std::fputs("{\"name\":", out);
          write_json_string(out, name);  // user span names may hold quotes or backslashes
          std::fprintf(out, ",\"ph\":\"B\",\"pid\":1,\"tid\":%d,\"ts\":%.3f}", s.tid, us);
          break;
        case trace_kind::task_end:
          if (depth == 0) break;  // its begin fell out of the ring
          --depth;
          sep();
          std::fprintf(out, "{\"ph\":\"E\",\"pid\":1,\"tid\":%d,\"ts\":%.3f}", s.tid, us);
          break;
        default: {
          static const char* const names[] = {"", "", "steal", "park", "unpark", ""};
          const char* n = e.kind == trace_kind::mark ? name : names[static_cast<int>(e.kind)];
          sep();
          std::fputs("{\"name\":", out);
          write_json_string(out, n);
          std::fprintf(out, ",\"ph\":\"i\",\"s\":\"t\",\"pid\":1,\"tid\":%d,\"ts\":%.3f}", s.tid, us);
        }
      }
    }
    for (; depth > 0; --depth) {  // close spans still open when the ring was copied
      sep();
      std::fprintf(out, "{\"ph\":\"E\",\"pid\":1,\"tid\":%d,\"ts\":%.3f}", s.tid,
                   static_cast<double>(s.events.back().ts_ns - t0) / 1000.0);
    }
  }
  std::fputs("\n]}\n", out);
  if (std::ferror(out) != 0) throw std::runtime_error("duet::trace: error writing '" + path + "'");
}

}  // namespace trace
}  // namespace duet
