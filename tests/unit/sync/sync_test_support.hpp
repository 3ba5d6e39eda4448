// Helpers shared by the sync tests (unit and stress).
#pragma once

#include <atomic>
#include <cstddef>

#include "duet/core/config.hpp"
#include "duet/task/on.hpp"
#include "duet/task/task.hpp"

namespace sync_test {

/// Yields until pred() holds; false if it still does not after a great many turns. Bounded by
/// turns, never by time.
template <class F>
duet::task<bool> eventually(F pred) {
  for (int i = 0; i < 2'000'000; ++i) {
    if (pred()) co_return true;
    co_await duet::yield();
  }
  co_return pred();
}

/// Gives other tasks `n` turns.
inline duet::task<> turns(int n) {
  for (int i = 0; i < n; ++i) co_await duet::yield();
}

/// Tracks how many tasks are inside a region at once, and the most there ever were.
struct concurrency_meter {
  std::atomic<int> now{0};
  std::atomic<int> max{0};
  void enter() {
    const int n = now.fetch_add(1) + 1;
    int m = max.load();
    while (n > m && !max.compare_exchange_weak(m, n)) {
    }
  }
  void leave() { now.fetch_sub(1); }
  /// enter() now, leave() at the end of the scope (also when unwinding on cancellation).
  struct scope {
    explicit scope(concurrency_meter& m) : m_(m) { m_.enter(); }
    scope(const scope&) = delete;
    scope& operator=(const scope&) = delete;
    ~scope() { m_.leave(); }

   private:
    concurrency_meter& m_;
  };
};

/// Scales a stress count down under ThreadSanitizer, which runs 5-15x slower.
constexpr std::size_t scaled(std::size_t n) {
#ifdef DUET_TSAN
  return n / 4 > 0 ? n / 4 : 1;
#else
  return n;
#endif
}

}  // namespace sync_test
