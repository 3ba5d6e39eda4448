// The seam between duet's lock-free code and the platform: sanitizer detection, cache-line size,
// and a hook that a stress build (-DDUET_STRESS) uses to inject yields at interleaving points,
// shaking out orderings that a quiet 2-core machine would rarely produce (tokio's loom idea,
// without the model checker).
#pragma once

#include <cstddef>

#if defined(__SANITIZE_THREAD__)
#define DUET_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define DUET_TSAN 1
#endif
#endif

#ifdef DUET_STRESS
#include <sched.h>
#endif

namespace duet::detail {

/// Destructive interference size on the x86-64 and AArch64 machines duet targets.
inline constexpr std::size_t cache_line = 64;

#ifdef DUET_STRESS
/// Yields the thread at roughly one call in eight: an interleaving point for stress builds.
inline void stress_point() noexcept {
  thread_local unsigned s = 0x9e3779b9u;
  s ^= s << 13;
  s ^= s >> 17;
  s ^= s << 5;
  if ((s & 7u) == 0) sched_yield();
}
#else
/// No-op outside stress builds.
inline void stress_point() noexcept {}
#endif

/// A spin-wait hint: tells the core that this is a busy-wait loop.
inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield" ::: "memory");
#endif
}

}  // namespace duet::detail
