// Thin wrappers over Linux futex(2) on a 32-bit word: the parking primitive under eventcount
// and the join latch.
#pragma once

#include <atomic>
#include <cstdint>

namespace duet::detail {

/// Blocks while `*word == expected` (returns at once if it differs); may wake spuriously.
void futex_wait(std::atomic<std::uint32_t>& word, std::uint32_t expected) noexcept;
/// Wakes up to `count` threads blocked in futex_wait on `word`.
void futex_wake(std::atomic<std::uint32_t>& word, int count) noexcept;

}  // namespace duet::detail
