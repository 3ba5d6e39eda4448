// The io_uring backend: a one-shot IORING_OP_POLL_ADD per wait (level-triggered: data that is
// already there completes it at once, so no edge can be missed), the wake-up eventfd polled
// the same way, and submission + waiting in one io_uring_submit_and_wait_timeout call.
#include "backend.hpp"

#ifdef DUET_HAVE_URING

#include <liburing.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace duet::io::detail {

namespace {

constexpr std::uint64_t wake_tag = 1;    // user_data of the eventfd's poll
constexpr std::uint64_t remove_tag = 2;  // user_data of poll removals (results ignored)
constexpr std::uint64_t file_bit = 1;    // set in the user_data of a file_op (address | 1)

// One pending poll; its address is the SQE's user_data. `entry` becomes null when the
// descriptor is forgotten while the poll is still in the kernel.
struct poll_req {
  fd_entry* entry;
  bool write;
  poll_req* prev = nullptr;  // the backend's list of requests still in the kernel: freed by
  poll_req* next = nullptr;  // their completion, or by the destructor if none ever came
};

class uring_backend final : public backend {
 public:
  uring_backend() = default;
  bool init() {
    if (io_uring_queue_init(1024, &ring_, 0) < 0) return false;
    evfd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (evfd_ < 0) {
      io_uring_queue_exit(&ring_);
      return false;
    }
    ready_ = true;
    arm_wake();
    return true;
  }
  ~uring_backend() override {
    if (!ready_) return;
    io_uring_queue_exit(&ring_);  // cancels what is pending
    close(evfd_);
    while (pending_ != nullptr) unlink_and_free(pending_);  // their completions never came
  }

  const char* name() const noexcept override { return "io_uring"; }

  void want(fd_entry& e, bool write) override {
    void*& slot = e.backend_data[write ? 1 : 0];
    if (slot != nullptr) return;  // a poll for this direction is already pending
    auto* req = new poll_req{&e, write};
    req->next = pending_;
    if (pending_ != nullptr) pending_->prev = req;
    pending_ = req;
    io_uring_sqe* sqe = next_sqe();
    io_uring_prep_poll_add(sqe, e.fd, write ? POLLOUT : (POLLIN | POLLRDHUP));
    io_uring_sqe_set_data(sqe, req);
    slot = req;
  }

  bool runs_file_ops() const noexcept override { return true; }

  void submit_file(file_op& op) noexcept override {
    io_uring_sqe* sqe = next_sqe();
    // offset ~0 is the kernel's "-1": the file position (IORING_FEAT_RW_CUR_POS, Linux 5.6).
    if (op.write)
      io_uring_prep_write(sqe, op.fd, op.data, op.size, op.offset);
    else
      io_uring_prep_read(sqe, op.fd, op.data, op.size, op.offset);
    // Bit 0 tells a file op from a poll_req (both are 8-byte aligned addresses).
    io_uring_sqe_set_data64(sqe, reinterpret_cast<std::uint64_t>(&op) | file_bit);
  }

  void forget(fd_entry& e) noexcept override {
    for (void*& slot : e.backend_data) {
      if (slot == nullptr) continue;
      auto* req = static_cast<poll_req*>(slot);
      req->entry = nullptr;  // its completion (ECANCELED) frees it
      io_uring_sqe* sqe = next_sqe();
      io_uring_prep_poll_remove(sqe, reinterpret_cast<std::uint64_t>(req));
      io_uring_sqe_set_data64(sqe, remove_tag);
      slot = nullptr;
    }
  }

  void wait(int timeout_ms, std::vector<readiness>& out) override {
    io_uring_cqe* cqe = nullptr;
    if (timeout_ms == 0) {
      io_uring_submit(&ring_);
    } else if (timeout_ms < 0) {
      io_uring_submit_and_wait(&ring_, 1);
    } else {
      __kernel_timespec ts{timeout_ms / 1000, static_cast<long long>(timeout_ms % 1000) * 1'000'000};
      io_uring_submit_and_wait_timeout(&ring_, &cqe, 1, &ts, nullptr);
    }
    unsigned head = 0, seen = 0;
    bool rearm_wake = false;
    io_uring_for_each_cqe(&ring_, head, cqe) {
      ++seen;
      const std::uint64_t tag = io_uring_cqe_get_data64(cqe);
      if (tag == wake_tag) {
        std::uint64_t v;
        [[maybe_unused]] auto r = read(evfd_, &v, sizeof v);
        rearm_wake = true;
        continue;
      }
      if (tag == remove_tag) continue;
      if ((tag & file_bit) != 0) {
        // NOLINTNEXTLINE(performance-no-int-to-ptr): user_data carries the op's address
        auto* op = reinterpret_cast<file_op*>(tag & ~file_bit);
        op->result = cqe->res;
        op->complete();  // queues the task's resumption; does not run it
        continue;
      }
      // NOLINTNEXTLINE(performance-no-int-to-ptr): user_data carries the request's address
      auto* req = reinterpret_cast<poll_req*>(tag);
      if (req->entry != nullptr) {
        req->entry->backend_data[req->write ? 1 : 0] = nullptr;
        // An error result (e.g. EBADF) also wakes the waiter: its syscall reports the error.
        out.push_back({req->entry, !req->write, req->write});
      }
      unlink_and_free(req);
    }
    io_uring_cq_advance(&ring_, seen);
    if (rearm_wake) arm_wake();
  }

  void wake() noexcept override {
    const std::uint64_t one = 1;
    [[maybe_unused]] auto r = write(evfd_, &one, sizeof one);
  }

 private:
  io_uring_sqe* next_sqe() noexcept {
    io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
    while (sqe == nullptr) {  // submission queue full: hand what we have to the kernel
      io_uring_submit(&ring_);
      sqe = io_uring_get_sqe(&ring_);
    }
    return sqe;
  }
  void arm_wake() noexcept {
    io_uring_sqe* sqe = next_sqe();
    io_uring_prep_poll_add(sqe, evfd_, POLLIN);
    io_uring_sqe_set_data64(sqe, wake_tag);
  }

  void unlink_and_free(poll_req* req) noexcept {
    if (req->prev != nullptr)
      req->prev->next = req->next;
    else
      pending_ = req->next;
    if (req->next != nullptr) req->next->prev = req->prev;
    delete req;
  }

  io_uring ring_{};
  poll_req* pending_ = nullptr;
  int evfd_ = -1;
  bool ready_ = false;
};

}  // namespace

std::unique_ptr<backend> make_uring_backend() {
  auto b = std::make_unique<uring_backend>();
  if (!b->init()) return nullptr;
  return b;
}

}  // namespace duet::io::detail

#else

namespace duet::io::detail {
std::unique_ptr<backend> make_uring_backend() { return nullptr; }
}  // namespace duet::io::detail

#endif

#include <cstdlib>
#include <stdexcept>
#include <string>

namespace duet::io::detail {

std::unique_ptr<backend> make_backend(const char* requested) {
  std::string want = requested != nullptr ? requested : "";
  if (want.empty()) {
    const char* env = std::getenv("DUET_IO_BACKEND");
    if (env != nullptr) want = env;
  }
  if (want.empty() || want == "auto") {
    if (auto b = make_uring_backend()) return b;
    return make_epoll_backend();
  }
  if (want == "epoll") return make_epoll_backend();
  if (want == "io_uring" || want == "uring") {
    if (auto b = make_uring_backend()) return b;
    throw std::runtime_error(
        "duet::io_loop: the io_uring backend was requested but io_uring is unavailable here "
        "(kernel too old, disabled by sysctl kernel.io_uring_disabled, or blocked by seccomp)");
  }
  throw std::invalid_argument("duet::io_loop: unknown backend '" + want + "' (use epoll, io_uring or auto)");
}

}  // namespace duet::io::detail
