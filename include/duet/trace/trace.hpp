// Seeing what ran where. With tracing on, every thread of duet records task begin/end, steals,
// parks and unparks into its own ring (the most recent 65,536 events per thread); write the
// rings as a Chrome trace and open it in https://ui.perfetto.dev or chrome://tracing:
//
//     duet::trace::enable();
//     rt.block_on(work());
//     duet::trace::write_chrome_json("trace.json");
//
// Off (the default), each hook costs one relaxed load and a predictable branch.
#pragma once

#include <cstddef>
#include <string>

#include "duet/core/trace_ring.hpp"

namespace duet::trace {

/// Starts recording on every thread.
void enable() noexcept;
/// Stops recording; what was recorded stays until clear().
void disable() noexcept;
/// True while recording.
[[nodiscard]] bool enabled() noexcept;
/// Forgets every recorded event.
void clear() noexcept;
/// Number of events currently held, over all threads.
[[nodiscard]] std::size_t event_count() noexcept;
/// Writes the recorded events as Chrome trace JSON. Throws std::runtime_error naming the path
/// and the reason when the file cannot be written.
void write_chrome_json(const std::string& path);

/// A named span on the calling thread: begins here, ends when destroyed. `name` must outlive
/// the trace (a string literal).
class span {
 public:
  explicit span(const char* name) noexcept : name_(name) {
    if (detail::trace_enabled()) detail::trace_record(detail::trace_kind::task_begin, name_);
  }
  ~span() {
    if (detail::trace_enabled()) detail::trace_record(detail::trace_kind::task_end, name_);
  }
  span(const span&) = delete;
  span& operator=(const span&) = delete;

 private:
  const char* name_;
};

/// Records an instant event named `name` (a string literal) on the calling thread.
inline void mark(const char* name) noexcept {
  if (detail::trace_enabled()) detail::trace_record(detail::trace_kind::mark, name);
}

}  // namespace duet::trace
