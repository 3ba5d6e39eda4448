// Cancellation: cooperative, with std::stop_token. A cancelled task stops at its next duet
// suspension point (yield(), on(), a task that has not started yet), where cancelled_error is
// thrown and unwinds it like any exception; loops that never suspend can poll
// `(co_await this_task::stop_token()).stop_requested()`.
#pragma once

#include <exception>
#include <stdexcept>

namespace duet {

/// Thrown inside a task at a suspension point once cancellation was requested, and by
/// join_handle::get()/co_await for a task that was cancelled.
class cancelled_error : public std::runtime_error {
 public:
  cancelled_error() : std::runtime_error("duet: task cancelled") {}
};

/// True if `e` holds a cancelled_error.
[[nodiscard]] bool is_cancelled(const std::exception_ptr& e) noexcept;

}  // namespace duet
