#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <system_error>

#include "backend.hpp"

namespace duet::io::detail {

namespace {

class epoll_backend final : public backend {
 public:
  epoll_backend() {
    epfd_ = epoll_create1(EPOLL_CLOEXEC);
    if (epfd_ < 0) throw std::system_error(errno, std::generic_category(), "duet::io_loop: epoll_create1");
    evfd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (evfd_ < 0) {
      const int e = errno;
      close(epfd_);
      throw std::system_error(e, std::generic_category(), "duet::io_loop: eventfd");
    }
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = nullptr;  // nullptr marks the wake-up eventfd
    if (epoll_ctl(epfd_, EPOLL_CTL_ADD, evfd_, &ev) != 0) {
      const int e = errno;
      close(evfd_);
      close(epfd_);
      throw std::system_error(e, std::generic_category(), "duet::io_loop: epoll_ctl(eventfd)");
    }
  }
  ~epoll_backend() override {
    close(evfd_);
    close(epfd_);
  }

  const char* name() const noexcept override { return "epoll"; }

  void want(fd_entry& e, bool) override {
    if (e.registered) return;  // edge-triggered for both directions since the first wait
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    ev.data.ptr = &e;
    if (epoll_ctl(epfd_, EPOLL_CTL_ADD, e.fd, &ev) != 0)
      throw std::system_error(errno, std::generic_category(), "duet: epoll_ctl(ADD)");
    e.registered = true;
  }

  void forget(fd_entry& e) noexcept override {
    // Explicitly: epoll drops an entry on close() only once every descriptor of the open file
    // is closed, and a dup (a signal pipe, a child's pipe) may outlive ours.
    if (e.registered) epoll_ctl(epfd_, EPOLL_CTL_DEL, e.fd, nullptr);
    e.registered = false;
  }

  void wait(int timeout_ms, std::vector<readiness>& out) override {
    const int n = epoll_wait(epfd_, events_.data(), static_cast<int>(events_.size()), timeout_ms);
    for (int i = 0; i < n; ++i) {
      auto* e = static_cast<fd_entry*>(events_[i].data.ptr);
      const std::uint32_t ev = events_[i].events;
      if (e == nullptr) {
        std::uint64_t v;
        [[maybe_unused]] auto r = read(evfd_, &v, sizeof v);
        continue;
      }
      out.push_back(
          {e, (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0, (ev & (EPOLLOUT | EPOLLHUP | EPOLLERR)) != 0});
    }
  }

  void wake() noexcept override {
    const std::uint64_t one = 1;
    [[maybe_unused]] auto r = write(evfd_, &one, sizeof one);
  }

 private:
  int epfd_ = -1;
  int evfd_ = -1;
  std::array<epoll_event, 256> events_{};
};

}  // namespace

std::unique_ptr<backend> make_epoll_backend() { return std::make_unique<epoll_backend>(); }

}  // namespace duet::io::detail
