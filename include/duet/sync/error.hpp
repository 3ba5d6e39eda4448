// The errors and status codes of duet's channels.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

namespace duet::sync {

/// Thrown by a send on a closed channel (the value is dropped), and by a oneshot receive whose
/// sender went away without sending.
class channel_closed : public std::runtime_error {
 public:
  explicit channel_closed(const char* what = "duet::sync: send on a closed channel") : std::runtime_error(what) {}
};

/// Thrown by a broadcast receive that fell more than the channel's capacity behind: `missed()`
/// values were overwritten before it read them. The receiver has skipped to the oldest value
/// still held, so the next receive continues from there.
class lagged_error : public std::runtime_error {
 public:
  explicit lagged_error(std::uint64_t missed)
      : std::runtime_error("duet::sync: broadcast receiver lagged, " + std::to_string(missed) + " values missed"),
        missed_(missed) {}
  /// How many values this receiver lost.
  [[nodiscard]] std::uint64_t missed() const noexcept { return missed_; }

 private:
  std::uint64_t missed_;
};

/// The outcome of a non-waiting operation (try_send, try_recv).
enum class try_status : std::uint8_t {
  ok,     ///< done
  full,   ///< try_send: no room and no receiver waiting; the value was not taken
  empty,  ///< try_recv: nothing to receive yet
  closed  ///< try_send: the channel is closed; try_recv: closed and drained
};

/// The result of try_recv: `value` is set exactly when `status` is try_status::ok.
template <class T>
struct try_recv_result {
  try_status status;
  std::optional<T> value;
};

}  // namespace duet::sync
