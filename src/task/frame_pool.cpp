// Coroutine frames of duet tasks come from here (promise_base::operator new).
//
// Why not plain malloc: a million sleeping tasks are a million small allocations made by one
// thread (the io loop). glibc grows a thread's arena one mprotect() per 4 KiB page, and the
// spawning phase of bench/io/sleepers spent about half its time in those calls and their page
// faults. Here frames are carved from 2 MiB chunks mapped once (huge pages where the kernel
// allows), in size classes of 16 bytes (the default new alignment), with no per-frame header.
//
// Shape (after the thread caches of tcmalloc, simplified): each thread keeps a free list per
// size class; an empty list refills with a batch from the global lists or carves a batch from
// the current chunk (under one mutex); a list that grows past a limit gives a batch back. A
// frame freed on another thread than the one that made it simply joins that thread's list.
// Memory is never returned to the OS: the chunks stay mapped (and reachable, for leak checkers)
// for the life of the process, and are reused by later frames of any thread.
//
// Under AddressSanitizer the pool is off (frames use ::operator new), so that use-after-free of
// a frame is still caught.
#include <sys/mman.h>

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <new>
#include <vector>

#include "duet/task/promise.hpp"

#if defined(__SANITIZE_ADDRESS__)
#define DUET_FRAME_POOL 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define DUET_FRAME_POOL 0
#endif
#endif
#ifndef DUET_FRAME_POOL
#define DUET_FRAME_POOL 1
#endif

namespace duet::detail {

#if DUET_FRAME_POOL

namespace {

constexpr std::size_t granule = 16;       // __STDCPP_DEFAULT_NEW_ALIGNMENT__
constexpr std::size_t max_pooled = 1024;  // larger frames use ::operator new
constexpr std::size_t classes = max_pooled / granule;
constexpr std::size_t chunk_bytes = std::size_t{2} << 20;
constexpr std::size_t hugepage_after_chunks = 4;  // 8 MiB of frames
constexpr std::uint32_t batch = 128;              // frames moved at once between a thread and the pool
constexpr std::uint32_t cache_limit = 4 * batch;  // per class and thread

struct free_frame {
  free_frame* next;
};

struct global_pool {
  std::mutex mu;
  free_frame* lists[classes] = {};  // under mu
  std::byte* bump = nullptr;        // under mu: the unused part of the newest chunk
  std::byte* bump_end = nullptr;
  std::vector<void*> chunks;  // under mu; kept so that the chunks stay reachable

  // Under mu: a fresh 2 MiB-aligned chunk (aligned so that a huge page can back it).
  void new_chunk() {
    void* p = mmap(nullptr, 2 * chunk_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    auto* raw = static_cast<std::byte*>(p);
    const auto addr = reinterpret_cast<std::uintptr_t>(raw);
    std::byte* aligned = raw + ((chunk_bytes - addr % chunk_bytes) % chunk_bytes);
    if (aligned > raw) munmap(raw, static_cast<std::size_t>(aligned - raw));
    if (aligned + chunk_bytes < raw + 2 * chunk_bytes)
      munmap(aligned + chunk_bytes, static_cast<std::size_t>(raw + 2 * chunk_bytes - (aligned + chunk_bytes)));
    // Huge pages once the process has shown it makes many frames: a million sleeping tasks
    // then take ~100 page faults instead of ~54,000 (spawning them went from ~500 to ~150 ms).
    // Not from the start: a small program should not pay 2 MiB, and where the kernel
    // compacts memory synchronously for such regions (THP defrag "madvise"), a fault here can
    // stall; this is a hint, fine if refused.
    if (chunks.size() >= hugepage_after_chunks) madvise(aligned, chunk_bytes, MADV_HUGEPAGE);
    chunks.push_back(aligned);
    bump = aligned;
    bump_end = aligned + chunk_bytes;
  }

  // Hands up to `batch` frames of class `c` to a thread: recycled ones first, else new ones.
  free_frame* take(std::size_t c, std::uint32_t& got) {
    std::lock_guard lock(mu);
    got = 0;
    free_frame* head = lists[c];
    if (head != nullptr) {
      free_frame* last = head;
      for (got = 1; got < batch && last->next != nullptr; ++got) last = last->next;
      lists[c] = last->next;
      last->next = nullptr;
      return head;
    }
    const std::size_t size = (c + 1) * granule;
    if (static_cast<std::size_t>(bump_end - bump) < size) new_chunk();
    for (; got < batch && static_cast<std::size_t>(bump_end - bump) >= size; ++got) {
      auto* f = reinterpret_cast<free_frame*>(bump);
      f->next = head;
      head = f;
      bump += size;
    }
    return head;
  }

  // Takes back a list of frames of class `c` (first .. last).
  void give(std::size_t c, free_frame* first, free_frame* last) noexcept {
    std::lock_guard lock(mu);
    last->next = lists[c];
    lists[c] = first;
  }
};

// Immortal: frames may be freed by threads still running while static objects are destroyed.
global_pool& pool() {
  static global_pool* p = new global_pool();
  return *p;
}

struct thread_cache {
  free_frame* lists[classes] = {};
  std::uint32_t counts[classes] = {};
  ~thread_cache();
};

// Set once this thread's cache is destroyed (thread exit): later frees go to the pool.
thread_local bool cache_gone = false;
thread_local thread_cache cache;

thread_cache::~thread_cache() {
  for (std::size_t c = 0; c < classes; ++c) {
    free_frame* head = lists[c];
    if (head == nullptr) continue;
    free_frame* last = head;
    while (last->next != nullptr) last = last->next;
    pool().give(c, head, last);
  }
  cache_gone = true;
}

std::size_t class_of(std::size_t n) noexcept { return (n + granule - 1) / granule - 1; }

}  // namespace

void* frame_alloc(std::size_t n) {
  if (n == 0 || n > max_pooled) return ::operator new(n);
  const std::size_t c = class_of(n);
  // After this thread's cache is gone (a frame made by a thread_local destructor): a block of
  // the class's size from ::operator new; freeing it later puts it in the pool, which is fine.
  if (cache_gone) return ::operator new((c + 1) * granule);
  thread_cache& tc = cache;
  free_frame* f = tc.lists[c];
  if (f == nullptr) {
    std::uint32_t got = 0;
    f = pool().take(c, got);
    tc.counts[c] = got;
  }
  tc.lists[c] = f->next;
  --tc.counts[c];
  return f;
}

void frame_free(void* p, std::size_t n) noexcept {
  if (n == 0 || n > max_pooled) {
    ::operator delete(p, n);
    return;
  }
  const std::size_t c = class_of(n);
  auto* f = static_cast<free_frame*>(p);
  if (cache_gone) {
    f->next = nullptr;
    pool().give(c, f, f);
    return;
  }
  thread_cache& tc = cache;
  f->next = tc.lists[c];
  tc.lists[c] = f;
  if (++tc.counts[c] <= cache_limit) return;
  // Too many cached here (frames made elsewhere, freed here): give a batch back.
  free_frame* last = f;
  for (std::uint32_t i = 1; i < batch; ++i) last = last->next;
  tc.lists[c] = last->next;
  tc.counts[c] -= batch;
  pool().give(c, f, last);
}

#else

void* frame_alloc(std::size_t n) { return ::operator new(n); }
void frame_free(void* p, std::size_t n) noexcept { ::operator delete(p, n); }

#endif

}  // namespace duet::detail
