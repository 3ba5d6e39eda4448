// The asynchronous HTTP client: one curl multi handle per client, driven by the io loop
// through curl's multi-socket interface (curl_multi_socket_action with CURLMOPT_SOCKETFUNCTION
// and CURLMOPT_TIMERFUNCTION; see https://curl.se/libcurl/c/curl_multi_socket_action.html).
//
// How curl's sockets are watched: a private epoll instance, level-triggered, holds exactly the
// sockets and directions curl asks for (CURL_POLL_IN/OUT/INOUT -> EPOLL_CTL_MOD/ADD,
// CURL_POLL_REMOVE -> EPOLL_CTL_DEL). The io loop waits for that one epoll descriptor to become
// readable, through the public fd_awaiter with an "attempt" that is epoll_wait(0). Why this and
// not registering each curl socket with the loop:
//  * curl owns and closes its sockets, and may reuse a descriptor number at once; the loop's
//    model (an io_handle owns its descriptor and closes it through the loop) does not fit
//    descriptors that someone else closes, whereas an epoll set forgets a closed descriptor by
//    itself (close(2) removes it);
//  * level-triggered registration mirrors curl's model exactly ("tell me while the socket is
//    readable"), so no readiness can be lost between curl's calls;
//  * it needs no change in the io layer and works with both backends: epoll nests an epoll
//    descriptor, and io_uring polls it like any other descriptor.
// The cost is one epoll_wait(0) per batch of ready sockets.
//
// curl's timer is a timerfd in the same epoll set (CURLMOPT_TIMERFUNCTION -> timerfd_settime;
// readable -> curl_multi_socket_action(CURL_SOCKET_TIMEOUT)). One wait of the loop thus covers
// sockets and timer; re-arming (curl does it often) is at most one syscall, with no task to
// cancel and re-create as a duet sleep would need; see on_timer() for how most are avoided.
//
// Threads: everything that touches the CURLM runs on the loop's thread: the driver task
// (spawned on the loop) and the start/cancel jobs of each transfer. A request's easy handle is
// configured on the sender's thread before it is handed to the loop (the post orders the two),
// and freed on the loop once the loop has taken it.
//
// Lifetime: the client's state is shared by the client object, the driver task and each
// request in flight. ~client() closes the private epoll descriptor on the loop; the driver's
// wait then fails, and the driver fails the transfers still in flight (error kind::cancelled),
// frees the multi handle and exits. A loop that shuts down cancels the driver's wait: same path.
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <ctime>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <system_error>
#include <utility>
#include <vector>

#include "curl_easy.hpp"
#include "duet/io/io_handle.hpp"
#include "duet/io/timer.hpp"
#include "duet/task/on.hpp"
#include "duet/task/spawn.hpp"

namespace duet::http {

namespace detail {
struct transfer;
}
using detail::transfer;

struct client::state {
  state(io_loop& l, const client_options& o);
  ~state();
  state(const state&) = delete;
  state& operator=(const state&) = delete;

  // The loop's thread only.
  void on_events(std::size_t n) noexcept;
  void set_timer(std::int64_t deadline_ms) noexcept;
  void drain_done() noexcept;
  void shutdown() noexcept;
  void link(transfer& t) noexcept;
  void unlink(transfer& t) noexcept;

  io_loop& loop;
  client_options opts;
  CURLM* multi = nullptr;      // null once shut down
  io_handle ep;                // the private epoll set: curl's sockets and `tfd`
  int tfd = -1;                // curl's timer
  std::int64_t armed_ms = -1;  // CLOCK_MONOTONIC ms `tfd` is armed for; -1 = disarmed
  bool in_batch = false;       // the driver is handing events to curl (it checks run_now after)
  bool run_now = false;        // curl asked for a timeout action "as soon as possible"
  std::array<epoll_event, 256> events{};
  transfer* active = nullptr;         // transfers added to `multi`
  std::vector<std::uint8_t> watched;  // by descriptor: 1 = in the epoll set (on_socket)

  // Idle easy handles. A handle costs curl a dozen allocations to make and keeps its receive
  // buffer; taking a used one (curl_easy_reset keeps both) saved a third of the client's malloc
  // work at 1,000 requests in flight. Any thread: a request configures its handle on the
  // sender's thread, and the loop gives it back.
  CURL* take_handle() noexcept;
  void give_back(CURL* h) noexcept;
  std::mutex pool_mu;
  std::vector<CURL*> pool;  // at most kMaxPooled
  static constexpr std::size_t kMaxPooled = 1024;
  // Written on the loop, read by active_transfers() anywhere: relaxed, a statistic.
  std::atomic<std::size_t> active_count{0};
};

namespace detail {

// A job that keeps its transfer alive while it is queued.
struct transfer_job : duet::detail::job {
  std::shared_ptr<transfer> self;
};

// One attempt handed to the loop. The protocol, every step on the loop's thread except where
// said; `finished` decides who resumes the task, so it resumes exactly once:
//  * the task (its thread) registers a stop callback, then posts `start` as its last act;
//  * start: cancelled already -> resume (cancelled); client gone -> resume (error); else add
//    the easy handle to the multi handle;
//  * curl reports it done (drain_done) -> remove the handle, resume with the result;
//  * the stop callback (any thread) posts `cancel` once; cancel: if started and not finished,
//    remove the handle and resume (cancelled); if not started, start sees `cancel_requested`;
//  * the driver shutting down -> remove the handle, resume (client gone).
// The task, once resumed, first destroys the stop callback (which waits for one running on
// another thread); a `cancel` job still queued owns a reference to the transfer.
struct transfer : std::enable_shared_from_this<transfer> {
  transfer(std::shared_ptr<client::state> st, const request& r, std::chrono::milliseconds attempt_timeout)
      : s(std::move(st)), x(r, s->opts, attempt_timeout, s->take_handle()) {
    curl_easy_setopt(x.handle(), CURLOPT_PRIVATE, this);
    start.run_ = [](duet::detail::job* j) noexcept {
      const std::shared_ptr<transfer> t = std::move(static_cast<transfer_job*>(j)->self);
      t->on_start();
    };
    cancel.run_ = [](duet::detail::job* j) noexcept {
      const std::shared_ptr<transfer> t = std::move(static_cast<transfer_job*>(j)->self);
      t->on_cancel();
    };
  }
  ~transfer() { release(); }  // never handed to the loop, or already released there
  transfer(const transfer&) = delete;
  transfer& operator=(const transfer&) = delete;

  void on_start() noexcept {
    started = true;
    if (cancel_requested) return resume(outcome::cancelled);
    if (s->multi == nullptr) return resume(outcome::client_gone);
    if (CURLMcode mc = curl_multi_add_handle(s->multi, x.handle()); mc != CURLM_OK) {
      multi_error = curl_multi_strerror(mc);
      return resume(outcome::finished);
    }
    s->link(*this);
  }
  void on_cancel() noexcept {
    cancel_requested = true;
    if (!started || resumed) return;
    // curl forgets the transfer now; its connection is closed (the response was not read to
    // the end), which the server sees at once.
    detach();
    resume(outcome::cancelled);
  }
  /// Takes the handle out of the multi handle and frees it.
  void detach() noexcept {
    if (!added) return;
    curl_multi_remove_handle(s->multi, x.handle());
    s->unlink(*this);
    release();
  }
  void release() noexcept {
    CURL* h = x.owns_handle() ? nullptr : x.handle();  // a pooled handle goes back to the pool
    x.release_handle();
    if (h != nullptr) s->give_back(h);
  }
  enum class outcome : std::uint8_t { finished, cancelled, client_gone };
  void resume(outcome o) noexcept {
    resumed = true;
    result = o;
    back.handle = coro;
    // On the loop and resuming there: its local queue; elsewhere the home executor's queue.
    home->post(back);
  }

  // Awaiting: `co_await t->run()` after construction.
  struct awaiter {
    transfer& t;
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> h) noexcept { t.suspend(h); }
    void await_resume() const { t.resumed_now(); }
  };
  awaiter run() noexcept { return {*this}; }
  void suspend(std::coroutine_handle<> h) noexcept {
    coro = h;
    home = duet::detail::current_executor();
    if (home == nullptr) home = &s->loop;
    if (token.stop_possible()) on_stop.emplace(token, canceller{this});
    start.self = shared_from_this();
    s->loop.post(start);  // last: from here on the loop may resume us on another thread
  }
  void resumed_now() {
    on_stop.reset();  // after this no stop callback runs or will run
    if (result == outcome::cancelled) throw cancelled_error();
  }

  struct canceller {
    transfer* t;
    void operator()() const noexcept {
      // acq_rel: one poster wins; the loop reads nothing set here but the job (the post orders it).
      if (t->cancel_posted.exchange(true, std::memory_order_acq_rel)) return;
      t->cancel.self = t->shared_from_this();
      t->s->loop.post(t->cancel);
    }
  };

  std::shared_ptr<client::state> s;
  detail::easy_transfer x;
  std::stop_token token;  // the awaiting task's
  std::optional<std::stop_callback<canceller>> on_stop;
  std::atomic<bool> cancel_posted{false};
  transfer_job start;
  transfer_job cancel;
  duet::detail::resume_job back;
  std::coroutine_handle<> coro;
  executor* home = nullptr;
  // Loop thread only until the task resumes (the post that resumes it orders them).
  bool started = false;
  bool cancel_requested = false;
  bool added = false;
  bool resumed = false;
  outcome result = outcome::finished;
  const char* multi_error = nullptr;
  transfer* prev = nullptr;  // the state's list of active transfers
  transfer* next = nullptr;
};

}  // namespace detail

namespace {

// fd_awaiter's attempt on the private epoll set: "ready" when epoll_wait(0) returns events,
// which land in the op's buffer.
bool poll_set(io::detail::fd_op* op) noexcept {
  for (;;) {
    const int n = ::epoll_wait(op->entry->fd, reinterpret_cast<epoll_event*>(op->data),
                               static_cast<int>(op->size / sizeof(epoll_event)), 0);
    if (n > 0) {
      op->result = n;
      return true;
    }
    if (n == 0) return false;
    if (errno == EINTR) continue;
    op->error = errno;
    op->result = -1;
    return true;
  }
}

// The driver: waits for curl's sockets and timer and hands their readiness to curl, until
// ~client() closes the epoll descriptor or the loop stops.
task<void> drive(std::shared_ptr<client::state> s) {
  try {
    for (;;) {
      const std::size_t n =
          co_await fd_awaiter(s->ep.entry(), s->loop, false, &poll_set, "duet: http client: epoll_wait",
                              {.data = reinterpret_cast<std::byte*>(s->events.data()), .size = sizeof(s->events)});
      s->on_events(n);
      // Let the loop's other tasks run between batches: with many busy transfers the set
      // could be ready again at once, every time.
      co_await yield();
    }
    // NOLINTNEXTLINE(bugprone-empty-catch): both end the driver, which is what they ask for
  } catch (const std::exception&) {  // EBADF from ~client(), cancelled_error from a stopping loop
  }
  s->shutdown();
}

int on_socket(CURL* /*easy*/, curl_socket_t fd, int what, void* userp, void* /*socketp*/) noexcept {
  auto* s = static_cast<client::state*>(userp);
  const int ep = s->ep.native_handle();
  // `watched` says which descriptors the set holds, so that the usual calls cost one epoll_ctl
  // (curl removes a kept-alive connection's socket after each transfer and adds it back for
  // the next). It can be stale in one way only: curl closed a socket without removing it
  // (close(2) took it out of the set); then MOD fails with ENOENT and we ADD.
  const auto i = static_cast<std::size_t>(fd);
  if (what == CURL_POLL_REMOVE) {
    if (i < s->watched.size() && std::exchange(s->watched[i], 0) != 0)
      ::epoll_ctl(ep, EPOLL_CTL_DEL, fd, nullptr);  // errors: closed already
    return 0;
  }
  epoll_event ev{};
  ev.events = ((what & CURL_POLL_IN) != 0 ? EPOLLIN : 0U) | ((what & CURL_POLL_OUT) != 0 ? EPOLLOUT : 0U);
  ev.data.fd = fd;
  if (i >= s->watched.size()) {
    try {
      s->watched.resize(std::max<std::size_t>(i + 1, s->watched.size() * 2), 0);
    } catch (const std::bad_alloc&) {  // NOLINT(bugprone-empty-catch): untracked, MOD-then-ADD below
    }
  }
  const bool known = i < s->watched.size() && s->watched[i] != 0;
  // A failure left (ENOMEM, the user's epoll watch limit) shows as that transfer's timeout:
  // an error return here would make curl abort every transfer of the multi handle.
  if (known) {
    if (::epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev) != 0 && errno == ENOENT) ::epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  } else if (::epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0 && errno == EEXIST) {
    ::epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
  }
  if (i < s->watched.size()) s->watched[i] = 1;
  return 0;
}

std::int64_t monotonic_ms() noexcept {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000;
}

// curl keeps one timer and re-sets it very often, mostly to the same deadline (counting down)
// or to "now" while a batch is being handed to it. Both cost nothing here: the timerfd is only
// re-armed for a deadline that changed, and "now" during a batch is served by the driver
// before it waits again (state::on_events).
int on_timer(CURLM* /*multi*/, long timeout_ms, void* userp) noexcept {
  auto* s = static_cast<client::state*>(userp);
  s->run_now = timeout_ms == 0;
  if (timeout_ms < 0) {
    s->set_timer(-1);
  } else if (timeout_ms == 0) {
    if (!s->in_batch) s->set_timer(monotonic_ms());  // a deadline already due: fires at once
  } else {
    s->set_timer(monotonic_ms() + timeout_ms);
  }
  return 0;
}

}  // namespace

client::state::state(io_loop& l, const client_options& o) : loop(l), opts(o) {
  detail::global_init();
  const int fd = ::epoll_create1(EPOLL_CLOEXEC);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "duet: http client: epoll_create1");
  ep = io_handle(fd, loop);
  tfd = ::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (tfd < 0) throw std::system_error(errno, std::generic_category(), "duet: http client: timerfd_create");
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = tfd;
  if (::epoll_ctl(fd, EPOLL_CTL_ADD, tfd, &ev) != 0)
    throw std::system_error(errno, std::generic_category(), "duet: http client: epoll_ctl(timerfd)");
  multi = curl_multi_init();
  if (multi == nullptr) throw std::runtime_error("duet: http client: curl_multi_init failed");
  curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, &on_socket);
  curl_multi_setopt(multi, CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, &on_timer);
  curl_multi_setopt(multi, CURLMOPT_TIMERDATA, this);
  curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, static_cast<long>(o.max_connections_per_host));
  curl_multi_setopt(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, static_cast<long>(o.max_total_connections));
}

client::state::~state() {
  // Normally shutdown() ran on the loop; if the driver never ran, nobody else uses the handle.
  if (multi != nullptr) curl_multi_cleanup(multi);
  for (CURL* h : pool) curl_easy_cleanup(h);
  if (tfd >= 0) ::close(tfd);
}

CURL* client::state::take_handle() noexcept {
  {
    const std::lock_guard lock(pool_mu);
    if (!pool.empty()) {
      CURL* h = pool.back();
      pool.pop_back();
      return h;
    }
  }
  return curl_easy_init();  // null: easy_transfer reports it
}

void client::state::give_back(CURL* h) noexcept {
  {
    const std::lock_guard lock(pool_mu);
    if (pool.size() < kMaxPooled) {
      try {
        pool.push_back(h);
        return;
      } catch (const std::bad_alloc&) {  // NOLINT(bugprone-empty-catch): freed below instead
      }
    }
  }
  curl_easy_cleanup(h);
}

void client::state::link(transfer& t) noexcept {
  t.added = true;
  t.prev = nullptr;
  t.next = active;
  if (active != nullptr) active->prev = &t;
  active = &t;
  active_count.fetch_add(1, std::memory_order_relaxed);  // relaxed: a statistic
}

void client::state::unlink(transfer& t) noexcept {
  if (!t.added) return;
  t.added = false;
  if (t.prev != nullptr)
    t.prev->next = t.next;
  else
    active = t.next;
  if (t.next != nullptr) t.next->prev = t.prev;
  t.prev = t.next = nullptr;
  active_count.fetch_sub(1, std::memory_order_relaxed);  // relaxed: a statistic
}

void client::state::set_timer(std::int64_t deadline_ms) noexcept {
  if (deadline_ms == armed_ms) return;
  armed_ms = deadline_ms;
  itimerspec t{};  // all zero: disarm
  if (deadline_ms >= 0) {
    t.it_value.tv_sec = deadline_ms / 1000;
    t.it_value.tv_nsec = (deadline_ms % 1000) * 1'000'000;
  }
  ::timerfd_settime(tfd, TFD_TIMER_ABSTIME, &t, nullptr);
}

void client::state::on_events(std::size_t n) noexcept {
  if (multi == nullptr) return;
  in_batch = true;
  int running = 0;
  bool timer_due = false;
  for (std::size_t i = 0; i < n; ++i) {
    const epoll_event& ev = events[i];
    if (ev.data.fd == tfd) {
      timer_due = true;
      continue;
    }
    int flags = 0;
    if ((ev.events & (EPOLLIN | EPOLLHUP)) != 0) flags |= CURL_CSELECT_IN;
    if ((ev.events & EPOLLOUT) != 0) flags |= CURL_CSELECT_OUT;
    if ((ev.events & EPOLLERR) != 0) flags |= CURL_CSELECT_ERR;
    curl_multi_socket_action(multi, ev.data.fd, flags, &running);
  }
  if (timer_due) {
    std::uint64_t expirations = 0;
    // Consume the expiry (level-triggered: it would stay readable). EAGAIN: a socket_action
    // above re-armed the timer since; then it is not due, but a spurious TIMEOUT call is harmless.
    if (::read(tfd, &expirations, sizeof expirations) > 0) armed_ms = -1;  // one-shot: expired
    curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &running);
  }
  // "As soon as possible" requests made during the batch, a bounded number of rounds; what is
  // left goes through the timerfd (and so behind the loop's other work).
  for (int round = 0; run_now && round < 8; ++round) {
    run_now = false;
    curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &running);
  }
  in_batch = false;
  if (run_now) set_timer(monotonic_ms());
  drain_done();
}

// Completes the transfers curl reports as done. Outside every curl callback: removing a
// handle from the multi handle inside one is not allowed.
void client::state::drain_done() noexcept {
  int left = 0;
  while (CURLMsg* m = curl_multi_info_read(multi, &left)) {
    if (m->msg != CURLMSG_DONE) continue;
    CURL* easy = m->easy_handle;
    const CURLcode rc = m->data.result;  // read before remove_handle invalidates `m`
    void* priv = nullptr;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, &priv);
    auto* t = static_cast<transfer*>(priv);
    t->x.collect(rc);
    t->detach();
    t->resume(transfer::outcome::finished);
  }
}

void client::state::shutdown() noexcept {
  while (transfer* t = active) {
    t->detach();
    t->resume(transfer::outcome::client_gone);
  }
  if (multi != nullptr) {
    curl_multi_cleanup(multi);  // closes the cached connections (their REMOVE calls need `ep`)
    multi = nullptr;
  }
  ep.close();
}

client::client(const client_options& opts, io_loop& loop) : s_(std::make_shared<state>(loop, opts)) {
  spawn(loop, drive(s_)).detach();
}

client::~client() {
  if (!s_) return;
  // Closing the epoll descriptor on the loop fails the driver's wait; the driver cleans up.
  struct closer : duet::detail::job {
    std::shared_ptr<state> s;
    explicit closer(std::shared_ptr<state> st) : s(std::move(st)) {
      run_ = [](duet::detail::job* j) noexcept {
        auto* self = static_cast<closer*>(j);
        self->s->ep.close();
        delete self;
      };
    }
  };
  // NOLINTNEXTLINE(bugprone-unhandled-exception-at-new): bad_alloc in a destructor terminates
  s_->loop.post(*new closer(std::move(s_)));
}

std::size_t client::active_transfers() const noexcept {
  return s_->active_count.load(std::memory_order_relaxed);  // relaxed: a statistic
}

io_loop& client::loop() const noexcept { return s_->loop; }

namespace {
task<response> send_on(std::shared_ptr<client::state> s, request r);
}

// Not a coroutine itself: the task holds the state (not the client object), so a task created
// now and started later, or one still running when the client is destroyed, is safe.
task<response> client::send(request r) { return send_on(s_, std::move(r)); }

namespace {
task<response> send_on(std::shared_ptr<client::state> s, request r) {
  const std::stop_token token = co_await this_task::stop_token();
  detail::retry_schedule schedule(r);
  for (;;) {
    if (token.stop_requested()) throw cancelled_error();
    const std::chrono::milliseconds per = schedule.begin_attempt();
    std::optional<response> resp;
    std::optional<error> err;
    {
      const auto t = std::make_shared<transfer>(s, r, per);
      t->token = token;
      co_await t->run();
      if (t->result == transfer::outcome::client_gone)
        throw error(error::kind::cancelled,
                    detail::describe(r) + "the http client was shut down (destroyed, or its io loop stopped)");
      if (t->multi_error != nullptr) throw error(error::kind::other, detail::describe(r) + t->multi_error);
      if (t->x.result() == CURLE_OK)
        resp = t->x.take_response();
      else
        err = t->x.make_error();
    }
    if (auto done = schedule.finish(std::move(resp), err)) co_return std::move(*done);
    co_await sleep_for(schedule.wait(), s->loop);
  }
}
}  // namespace

client& default_client() {
  // Both live until exit: the loop's thread outlives every runtime, so requests through the
  // default client never find their loop gone.
  static client* const c = [] {
    static io_loop* const l = new io_loop({.name = "duet-http"});
    return new client({}, *l);
  }();
  return *c;
}

}  // namespace duet::http
