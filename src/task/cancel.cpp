#include "duet/task/cancel.hpp"

#include <exception>

namespace duet {

bool is_cancelled(const std::exception_ptr& e) noexcept {
  if (!e) return false;
  try {
    std::rethrow_exception(e);
  } catch (const cancelled_error&) {
    return true;
  } catch (...) {
    return false;
  }
}

}  // namespace duet

namespace duet::detail {

// head_ and poke_ are set before on_stop_ registers (it may call fire() at once).
cancel_registry::cancel_registry(const std::stop_token& token, poke_fn poke)
    : head_{&head_, &head_}, poke_(poke), on_stop_(token, on_stop{this}) {}

bool cancel_registry::add(cancel_hook& h) noexcept {
  std::lock_guard lock(mu_);
  if (stopped_) return false;
  h.prev = head_.prev;
  h.next = &head_;
  head_.prev->next = &h;
  head_.prev = &h;
  return true;
}

void cancel_registry::remove(cancel_hook& h) noexcept {
  // Always under the lock, even when `h` looks unregistered: a fire() on another thread may be
  // poking it right now, and its owner must not free it before that returns.
  std::lock_guard lock(mu_);
  if (h.next == nullptr) return;
  h.prev->next = h.next;
  h.next->prev = h.prev;
  h.prev = h.next = nullptr;
}

void cancel_registry::fire() noexcept {
  std::lock_guard lock(mu_);
  stopped_ = true;
  while (head_.next != &head_) {
    cancel_hook* h = head_.next;
    head_.next = h->next;
    h->next->prev = &head_;
    h->prev = h->next = nullptr;
    poke_(h);
  }
}

stop_slot::~stop_slot() {
  // relaxed: the slot's owner destroys it after every task that used it has finished.
  delete registry_.load(std::memory_order_relaxed);
}

cancel_registry* stop_slot::registry(cancel_registry::poke_fn poke) {
  // acquire: pairs with the release CAS below, so a registry seen is fully constructed.
  cancel_registry* r = registry_.load(std::memory_order_acquire);
  if (r != nullptr) return r;
  if (!stop_possible()) return nullptr;
  auto* mine = new cancel_registry(*this, poke);
  // acq_rel: release publishes `mine`; acquire (on failure too) makes the winner's visible.
  if (registry_.compare_exchange_strong(r, mine, std::memory_order_acq_rel, std::memory_order_acquire)) return mine;
  delete mine;  // another waiter installed one first
  return r;
}

}  // namespace duet::detail
