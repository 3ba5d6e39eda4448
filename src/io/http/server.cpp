// The server's accept loop, connections, timeout reaper and graceful stop. Routing, static
// files and response heads are in server_routes.cpp.
#include "duet/io/http/server.hpp"

#include <sys/socket.h>
#include <time.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "duet/io/timer.hpp"
#include "duet/task/cancel.hpp"
#include "duet/task/task_group.hpp"
#include "server_state.hpp"

namespace duet::http {

using detail::conn_entry;
using detail::phase;

namespace {

constexpr std::size_t initial_buffer = std::size_t{8} * 1024;
constexpr std::string_view continue_line = "HTTP/1.1 100 Continue\r\n\r\n";

std::int64_t ms_ns(std::chrono::milliseconds d) { return std::chrono::nanoseconds(d).count(); }

// Appends "<hex size>\r\n<piece>\r\n": one chunk of a chunked body.
void append_chunk(std::string& out, std::string_view piece) {
  std::array<char, 20> hex{};
  const auto r = std::to_chars(hex.data(), hex.data() + hex.size(), piece.size(), 16);
  out.append(hex.data(), r.ptr);
  out.append("\r\n");
  out.append(piece);
  out.append("\r\n");
}

// One connection, one coroutine frame for its whole life: read requests, run their handlers,
// write the responses, repeat. The per-request path allocates nothing of its own (the buffers
// are the connection's and keep their capacity; the handler's frame comes from the frame
// pool) and makes two syscalls when the client sends one request at a time (wrk, browsers):
// the read that brings the request and the send of the response. The read that would fail
// with EAGAIN before waiting is skipped (read_some_drained: the previous read came back short,
// so the socket was empty then). Pipelined requests already in the buffer are answered
// together: their responses are gathered and sent in one write.
class connection {
 public:
  connection(server::state& s, tcp_stream sock) : s_(s), sock_(std::move(sock)), parser_(s.opts.limits) {
    entry_.fd = sock_.native_handle();
    // The largest raw request we will buffer: the head, the body, and chunk framing around it.
    max_raw_ = s.opts.limits.max_header_bytes + 2 * s.opts.limits.max_body_bytes + std::size_t{64} * 1024;
  }

  task<void> serve() {
    if (!add()) co_return;
    try {
      sock_.set_nodelay(true);
      // (Not `while (co_await ...) {}`: GCC 12 mis-compiles a co_await in a loop condition with
      // an empty body; the request was never answered.)
      for (;;) {
        // 1. A whole request in the buffer.
        bool sent_continue = false;
        bool body_phase = false;
        if (start_ == end_) {
          if (!out_.empty()) co_await flush();  // answer the batch before waiting for more
          start_ = end_ = 0;
          // seq_cst store and load, against begin_stop()'s seq_cst store of `stopping` and its
          // exchange on `state`: either stop() sees us idle (and closes us) or we see it stopping.
          entry_.state.store(phase::idle, std::memory_order_seq_cst);
          if (s_.stopping.load(std::memory_order_seq_cst)) break;
          set_deadline(s_.opts.idle_timeout);
        } else {
          entry_.state.store(phase::reading, std::memory_order_relaxed);
          set_deadline(s_.opts.header_timeout);
        }
        parse_status st;
        bool eof = false;
        while ((st = parser_.parse(pending())) == parse_status::need_more) {
          // A pipelined request that is not all here yet: send the answers gathered so far
          // first (the client may be waiting for them before it sends the rest).
          if (!out_.empty()) co_await flush();
          if (parser_.headers_complete() && !body_phase) {
            body_phase = true;
            set_deadline(s_.opts.io_timeout);
            if (parser_.expects_continue() && !sent_continue) {
              sent_continue = true;
              co_await sock_.write_all(continue_line);
            }
          }
          if (!make_room()) {
            co_await refuse(413, "request too large");
            eof = true;
            break;
          }
          const auto room = std::as_writable_bytes(std::span<char>(buf_.get() + end_, cap_ - end_));
          const std::size_t n = drained_ ? co_await sock_.read_some_drained(room) : co_await sock_.read_some(room);
          // A short read emptied the socket: the next wait needs no try first.
          drained_ = n < room.size();
          if (n == 0) {  // end of stream (or shut down by stop() or the reaper)
            eof = true;
            break;
          }
          if (start_ == end_) {
            // The first byte of a request: from now on stop() lets it finish.
            phase expected = phase::idle;
            if (!entry_.state.compare_exchange_strong(expected, phase::reading, std::memory_order_relaxed)) {
              eof = true;  // stop() closed us while the bytes arrived
              break;
            }
            set_deadline(s_.opts.header_timeout);
          }
          end_ += n;
        }
        if (eof) break;
        if (st == parse_status::error) {
          if (!out_.empty()) co_await flush();
          co_await refuse(parser_.error_status(), parser_.error_message());
          break;
        }

        // 2. Its response.
        entry_.state.store(phase::busy, std::memory_order_relaxed);
        entry_.deadline.store(0, std::memory_order_relaxed);  // a handler may take its time
        server_request req = parser_.request();
        const bool head = req.method == "HEAD";
        const detail::route_match m = s_.find(req.method, req.path);
        // Not default-constructed and then assigned: that would build (and free) a second
        // content_type string per request.
        std::optional<server_response> resp;
        if (m.h == nullptr) {
          resp.emplace(server_response::text(m.status, std::string(reason_phrase(m.status)) + "\n"));
          if (!m.allow.empty()) resp->header("Allow", m.allow);
        } else {
          req.path_rest = m.rest;
          try {
            resp.emplace(co_await (*m.h)(req));
          } catch (const cancelled_error&) {
            throw;
          } catch (...) {
            resp.emplace(server_response::text(500, "Internal Server Error\n"));
          }
        }
        const bool http10 = req.version_minor == 0;
        const bool keep = req.keep_alive && !resp->close && !s_.stopping.load(std::memory_order_relaxed);
        s_.n_requests.fetch_add(1, std::memory_order_relaxed);  // before the write: a client that
                                                                // saw the response sees the count
        start_ += parser_.consumed();
        parser_.reset();
        bool again = keep;
        if (!resp->source) {
          detail::write_head(out_, *resp, keep, http10, false, resp->body.size(), s_.opts.server_name);
          if (!head) out_.append(resp->body);
          // Gather the answers to pipelined requests already here; send the rest now.
          if (!keep || start_ == end_ || out_.size() >= batch_bytes) co_await flush();
        } else {
          again = co_await send_stream(*resp, keep, http10, head);
        }
        if (!again) break;
      }
    } catch (...) {  // NOLINT(bugprone-empty-catch): see below
      // A reset, a write to a closed peer, a descriptor shut down by the reaper or stop(), or
      // cancellation: this connection ends; the server goes on.
    }
    s_.remove(entry_);
  }

 private:
  // Responses gathered for pipelined requests are sent once they reach this size.
  static constexpr std::size_t batch_bytes = std::size_t{64} * 1024;

  bool add() {
    std::lock_guard lock(s_.mu);
    if (s_.stop_marked) return false;
    conn_entry& h = s_.head;
    entry_.next = h.next;
    entry_.prev = &h;
    h.next->prev = &entry_;
    h.next = &entry_;
    return true;
  }

  void set_deadline(std::chrono::milliseconds d) {
    entry_.deadline.store(detail::now_ns() + ms_ns(d), std::memory_order_relaxed);
  }

  std::string_view pending() const { return {buf_.get() + start_, end_ - start_}; }

  // Makes room after end_: moves the unconsumed bytes to the front, or grows the buffer.
  // False when the request is larger than anything we would accept.
  bool make_room() {
    if (end_ < cap_) return true;
    if (start_ > 0) {
      std::memmove(buf_.get(), buf_.get() + start_, end_ - start_);
      end_ -= start_;
      start_ = 0;
      return true;
    }
    if (cap_ >= max_raw_) return false;
    const std::size_t cap = std::min(max_raw_, std::max(cap_ * 2, initial_buffer));
    auto bigger = std::make_unique_for_overwrite<char[]>(cap);
    if (end_ > 0) std::memcpy(bigger.get(), buf_.get(), end_);
    buf_ = std::move(bigger);
    cap_ = cap;
    return true;
  }

  // Sends the gathered responses (out_ keeps its capacity for the next ones).
  task<void> flush() {
    const phase before = entry_.state.load(std::memory_order_relaxed);
    set_deadline(s_.opts.io_timeout);
    co_await sock_.write_all(out_);
    out_.clear();
    // Back to the limit of the phase we were in (reading: the header timeout; busy: none).
    if (before == phase::reading) set_deadline(s_.opts.header_timeout);
    if (before == phase::busy) entry_.deadline.store(0, std::memory_order_relaxed);
  }

  // Writes a response whose body comes from its source (out_ is empty: a streamed response
  // is never gathered with others). Returns whether the connection may carry another request.
  task<bool> send_stream(server_response& resp, bool keep, bool http10, bool head) {
    if (!out_.empty()) co_await flush();
    set_deadline(s_.opts.io_timeout);
    // Chunked, unless its length is known (or the client speaks HTTP/1.0, where the end of the
    // connection ends the body).
    const bool chunked = !resp.content_length && !http10;
    const bool keep_stream = keep && (resp.content_length || chunked);
    detail::write_head(out_, resp, keep_stream, http10, chunked, resp.content_length.value_or(0), s_.opts.server_name);
    if (head) {
      co_await sock_.write_all(out_);
      out_.clear();
      co_return keep_stream;
    }
    std::uint64_t sent = 0;
    for (;;) {
      std::string piece = co_await resp.source();
      if (piece.empty()) break;
      sent += piece.size();
      if (chunked)
        append_chunk(out_, piece);
      else
        out_.append(piece);
      co_await sock_.write_all(out_);
      out_.clear();
    }
    if (chunked) out_.append("0\r\n\r\n");
    if (!out_.empty()) co_await sock_.write_all(out_);
    out_.clear();
    // A source that lied about its length leaves the client unable to frame the next response.
    if (resp.content_length && sent != *resp.content_length)
      throw std::runtime_error("duet::http: body source length differs from content_length");
    co_return keep_stream;
  }

  // Answers a request the parser refused, then closes: half-close, and read (and drop) what
  // the client may still be sending for a moment, so that our answer is not lost to a reset.
  task<void> refuse(int status, const char* why) {
    s_.n_bad.fetch_add(1, std::memory_order_relaxed);
    s_.n_requests.fetch_add(1, std::memory_order_relaxed);
    entry_.state.store(phase::busy, std::memory_order_relaxed);
    server_response resp = server_response::text(status, std::string(reason_phrase(status)) + ": " + why + "\n");
    set_deadline(s_.opts.io_timeout);
    out_.clear();
    detail::write_head(out_, resp, false, false, false, resp.body.size(), s_.opts.server_name);
    out_.append(resp.body);
    co_await sock_.write_all(out_);
    out_.clear();
    sock_.shutdown_write();
    entry_.deadline.store(detail::now_ns() + ms_ns(std::chrono::milliseconds(1000)), std::memory_order_relaxed);
    std::array<std::byte, 4096> sink{};
    for (int i = 0; i < 64; ++i) {
      const std::size_t n = co_await sock_.read_some(sink);
      if (n == 0) break;
    }
  }

  server::state& s_;
  tcp_stream sock_;
  request_parser parser_;
  conn_entry entry_;
  std::unique_ptr<char[]> buf_;
  std::size_t cap_ = 0, start_ = 0, end_ = 0, max_raw_ = 0;
  bool drained_ = false;  // the last read returned less than it asked for
  std::string out_;       // responses not yet written
};

task<void> serve_connection(server::state& s, tcp_stream sock) {
  connection c(s, std::move(sock));
  co_await c.serve();
}

// Accepts connections and starts each one's task: in the single group (connections on run()'s
// executor), or on the next of the server's loops in turn, whose group posts it there.
task<void> accept_loop(server::state& s, const std::vector<io_loop*>& loops,
                       const std::vector<std::unique_ptr<task_group>>& groups) {
  std::size_t next = 0;
  for (;;) {
    int fd = -1;
    int err = 0;
    try {
      fd = co_await s.listener.accept_raw();
    } catch (const std::system_error& e) {
      err = e.code().value();
      // Out of descriptors or memory: wait for connections to finish instead of failing.
      if (err != EMFILE && err != ENFILE && err != ENOBUFS && err != ENOMEM) throw;
    }
    if (err != 0) {
      co_await sleep_for(std::chrono::milliseconds(50), *s.loop);
      continue;
    }
    const std::size_t i = loops.empty() ? 0 : next++ % loops.size();
    tcp_stream sock;
    try {
      sock = tcp_stream(fd, loops.empty() ? *s.loop : *loops[i]);
    } catch (const std::system_error&) {  // NOLINT(bugprone-empty-catch): fcntl failed; fd is closed
      continue;                           // and that client sees a reset; the others go on
    }
    s.n_connections.fetch_add(1, std::memory_order_relaxed);
    groups[i]->spawn(serve_connection(s, std::move(sock)));
  }
}

// Resumes the awaiting coroutine on `ex`. Unlike on(), not a cancellation point: run() must
// get back to its caller's executor even when it was cancelled.
struct hop_to {
  executor& ex;
  duet::detail::resume_job job{};
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> h) noexcept {
    job.handle = h;
    ex.post(job);
  }
  void await_resume() const noexcept {}
};

// Drops the connections whose deadline passed, every tick until cancelled.
task<void> reaper(server::state& s) {
  const auto shortest = std::min({s.opts.header_timeout, s.opts.idle_timeout, s.opts.io_timeout});
  const auto tick =
      std::clamp<std::chrono::milliseconds>(shortest / 4, std::chrono::milliseconds(5), std::chrono::milliseconds(250));
  interval iv(tick, *s.loop);
  for (;;) {
    co_await iv.tick();
    s.reap();
  }
}

}  // namespace

namespace detail {
std::int64_t now_ns() noexcept {
  // The coarse clock (a tick of the kernel, a few ms): deadlines are seconds long and the
  // reaper checks them every 5-250 ms, and a connection reads the clock at each phase of
  // every request, where the coarse clock costs a load instead of reading the TSC.
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}
}  // namespace detail

void server::state::remove(conn_entry& c) {
  std::lock_guard lock(mu);
  c.prev->next = c.next;
  c.next->prev = c.prev;
  c.prev = c.next = nullptr;
}

void server::state::begin_stop() noexcept {
  std::lock_guard lock(mu);
  stop_marked = true;
  // seq_cst: pairs with the seq_cst store of phase::idle and load of `stopping` in
  // connection::one_request() (a store-then-load on each side: see there).
  stopping.store(true, std::memory_order_seq_cst);
  for (conn_entry* c = head.next; c != &head; c = c->next) {
    phase expected = phase::idle;
    if (c->state.compare_exchange_strong(expected, phase::closing, std::memory_order_seq_cst))
      ::shutdown(c->fd, SHUT_RDWR);  // its pending read returns end of stream
  }
}

void server::state::reap() noexcept {
  const std::int64_t now = detail::now_ns();
  std::lock_guard lock(mu);
  for (conn_entry* c = head.next; c != &head; c = c->next) {
    const std::int64_t d = c->deadline.load(std::memory_order_relaxed);
    if (d != 0 && now > d) {
      c->deadline.store(0, std::memory_order_relaxed);
      c->state.store(phase::closing, std::memory_order_relaxed);
      ::shutdown(c->fd, SHUT_RDWR);  // its pending read or write ends now
      n_timeouts.fetch_add(1, std::memory_order_relaxed);
    }
  }
}

server::server(const server_options& opts) : s_(std::make_unique<state>(opts)) {
  s_->head.next = s_->head.prev = &s_->head;
}

server::~server() { stop(); }

void server::listen(const socket_address& addr, io_loop& loop) {
  s_->listener = tcp_listener::bind(addr, 4096, loop);
  s_->loop = &loop;
}

socket_address server::local_address() const { return s_->listener.local_address(); }

void server::stop() noexcept {
  s_->stop_source.request_stop();
  s_->begin_stop();
}

server_stats server::stats() const noexcept {
  return {.connections = s_->n_connections.load(std::memory_order_relaxed),
          .requests = s_->n_requests.load(std::memory_order_relaxed),
          .bad_requests = s_->n_bad.load(std::memory_order_relaxed),
          .timeouts = s_->n_timeouts.load(std::memory_order_relaxed)};
}

task<void> server::run() {
  state& s = *s_;
  if (!s.listener.is_open()) throw std::logic_error("duet::http::server::run: call listen() first");
  if (s.running) throw std::logic_error("duet::http::server::run: already running");
  s.running = true;
  const std::stop_token caller = co_await this_task::stop_token();
  // The caller's cancellation stops the server as stop() would, and then cancels the rest.
  std::stop_callback on_cancel(caller, [&s] { s.stop_source.request_stop(); });

  // Where connections run (server_options::loops): run()'s executor, or the loops.
  std::vector<io_loop*> loops;
  if (s.opts.loops > 0) {
    loops.push_back(s.loop);
    while (s.own_loops.size() + 1 < s.opts.loops)
      s.own_loops.push_back(
          std::make_unique<io_loop>(loop_options{.name = "duet-http-" + std::to_string(s.own_loops.size() + 1)}));
    for (const auto& l : s.own_loops) loops.push_back(l.get());
  }
  executor* const home = duet::detail::current_executor();
  std::vector<std::unique_ptr<task_group>> conns;
  if (loops.empty())
    conns.push_back(std::make_unique<task_group>(caller));
  else
    for (io_loop* l : loops) conns.push_back(std::make_unique<task_group>(*l, caller));

  task_group side(caller);
  side.spawn(reaper(s));
  std::exception_ptr error;
  {
    task_group acceptor(s.stop_source.get_token());
    acceptor.spawn(accept_loop(s, loops, conns));
    try {
      co_await acceptor.wait();
    } catch (const cancelled_error&) {  // NOLINT(bugprone-empty-catch): see below
      // stop(): the normal way out
    } catch (...) {
      error = std::current_exception();
    }
  }
  s.listener.close();
  s.begin_stop();
  for (const auto& g : conns) {
    try {
      co_await g->wait();
    } catch (...) {
      if (!error) error = std::current_exception();
    }
  }
  // The last connection to finish resumed us on its thread: back to the caller's executor
  // (a loop of our own must not be the thread that later destroys it).
  if (!loops.empty() && home != nullptr) co_await hop_to{*home};
  side.cancel();
  try {
    co_await side.wait();
  } catch (const cancelled_error&) {  // NOLINT(bugprone-empty-catch): we cancelled the reaper ourselves
  }
  s.running = false;
  if (error) std::rethrow_exception(error);
}

}  // namespace duet::http
