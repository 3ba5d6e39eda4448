// The recording half of duet's tracing, kept in core so that the schedulers can call it:
// each thread appends fixed-size events to its own ring (no sharing, no locks on the hot path).
// Disabled, a hook costs one load of a flag and a predictable branch. The trace layer
// (duet/trace/trace.hpp) turns recording on and writes the rings out.
#pragma once

#include <atomic>
#include <cstdint>

namespace duet::detail {

enum class trace_kind : std::uint8_t { task_begin, task_end, steal, park, unpark, mark };

struct trace_event {
  std::uint64_t ts_ns;  // steady clock, nanoseconds
  const char* name;     // static string or nullptr
  trace_kind kind;
};

/// Set by duet::trace::enable(). relaxed everywhere: a switch, not a synchronisation point.
extern std::atomic<bool> trace_on;

[[nodiscard]] inline bool trace_enabled() noexcept { return trace_on.load(std::memory_order_relaxed); }

/// Appends an event to the calling thread's ring (creating it on first use).
void trace_record(trace_kind kind, const char* name = nullptr) noexcept;

/// Names the calling thread in traces ("duet-cpu-0"); called by workers as they start.
void trace_name_thread(const char* name) noexcept;

}  // namespace duet::detail
