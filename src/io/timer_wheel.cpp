#include "duet/io/detail/timer_wheel.hpp"

#include <bit>

namespace duet::io::detail {

namespace {
constexpr int bits = 6;
constexpr std::uint64_t max_span = (std::uint64_t{1} << (bits * timer_wheel::levels)) - 1;

int level_for(std::uint64_t now, std::uint64_t deadline) noexcept {
  const std::uint64_t diff = (now ^ deadline) | (timer_wheel::slots - 1);  // level 0 when equal
  const int high = 63 - std::countl_zero(diff);
  return high / bits;
}
}  // namespace

timer_wheel::timer_wheel(fire_fn fire, std::uint64_t now) noexcept : fire_(fire), now_(now) {
  for (auto& level : heads_)
    for (auto& h : level) h.prev = h.next = &h;
}

void timer_wheel::link(timer_node& t) noexcept {
  if (t.deadline < now_) t.deadline = now_;                        // overdue: fire next advance
  if (t.deadline - now_ > max_span) t.deadline = now_ + max_span;  // beyond the wheel: clamp
  const int level = level_for(now_, t.deadline);
  const int slot = static_cast<int>((t.deadline >> (bits * level)) & (slots - 1));
  timer_node& head = heads_[level][slot];
  t.prev = head.prev;
  t.next = &head;
  head.prev->next = &t;
  head.prev = &t;
  occupied_[level] |= std::uint64_t{1} << slot;
}

void timer_wheel::insert(timer_node& t) noexcept {
  link(t);
  ++count_;
}

void timer_wheel::remove(timer_node& t) noexcept {
  if (!t.linked()) return;
  timer_node* n = t.next;
  t.unlink();
  --count_;
  // If that emptied a slot, clear its bit: find the sentinel (the slot list is circular).
  if (n->next == n) {
    for (int l = 0; l < levels; ++l) {
      const auto* base = heads_[l].data();
      if (n >= base && n < base + slots) occupied_[l] &= ~(std::uint64_t{1} << (n - base));
    }
  }
}

void timer_wheel::clear(fire_fn each) noexcept {
  for (int l = 0; l < levels; ++l) {
    if (occupied_[l] == 0) continue;
    occupied_[l] = 0;
    for (timer_node& head : heads_[l]) {
      while (head.next != &head) {
        timer_node* t = head.next;
        t->unlink();
        --count_;
        each(t);
      }
    }
  }
}

std::optional<timer_wheel::slot_ref> timer_wheel::earliest() const noexcept {
  std::optional<slot_ref> best;
  for (int l = 0; l < levels; ++l) {
    if (occupied_[l] == 0) continue;
    const int shift = bits * l;
    const int cur = static_cast<int>((now_ >> shift) & (slots - 1));
    // Every non-empty slot is at or after the current digit (see the layout comment).
    const std::uint64_t ahead = occupied_[l] & (~std::uint64_t{0} << cur);
    if (ahead == 0) continue;
    const int s = std::countr_zero(ahead);
    const std::uint64_t window = now_ & ~((std::uint64_t{1} << (shift + bits)) - 1);
    const std::uint64_t when = window | (static_cast<std::uint64_t>(s) << shift);
    if (!best || when < best->when) best = slot_ref{l, s, when};
  }
  return best;
}

std::optional<std::uint64_t> timer_wheel::next_expiration() const noexcept {
  if (auto e = earliest()) return std::max(e->when, now_);
  return std::nullopt;
}

void timer_wheel::advance(std::uint64_t now) noexcept {
  while (auto e = earliest()) {
    const std::uint64_t when = std::max(e->when, now_);
    if (when > now) break;
    now_ = when;
    // Detach the whole slot first: callbacks may insert into this very slot.
    timer_node& head = heads_[e->level][e->slot];
    timer_node* first = head.next;
    timer_node* last = head.prev;
    head.prev = head.next = &head;
    occupied_[e->level] &= ~(std::uint64_t{1} << e->slot);
    last->next = nullptr;
    for (timer_node* t = first; t != nullptr;) {
      timer_node* next = t->next;
      t->prev = t->next = nullptr;
      if (e->level == 0 || t->deadline <= now_) {
        --count_;
        fire_(t);
      } else {
        link(*t);  // cascade towards level 0
      }
      t = next;
    }
  }
  if (now > now_) now_ = now;
}

}  // namespace duet::io::detail
