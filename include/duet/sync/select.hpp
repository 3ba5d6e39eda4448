// select: wait for the first of several operations, like Go's `select` (and tokio::select!
// over channel operations).
//
//     auto r = co_await duet::sync::select(rx1.recv_case(), rx2.recv_case(), tx.send_case(v));
//     switch (r.index()) {
//       case 0: use(std::get<0>(r)); break;   // std::optional<T>: nullopt if rx1 is closed
//       case 1: use(std::get<1>(r)); break;
//       case 2: break;                        // v was sent (a send case yields std::monostate)
//     }
//
// Exactly one case completes; the others are withdrawn without taking or giving anything: a
// value is only ever moved out of a channel into the case that won, and a send case built from
// an lvalue moves from it only if it fired. If several cases are ready, one is picked from a
// pseudo-random starting point, so a busy channel cannot starve the others. A receive case on
// a closed channel is always ready (it yields nullopt, as in Go); a send case on a closed
// channel makes select throw channel_closed. select is a cancellation point like every wait.
//
// Cases come from the primitives: channel recv_case()/send_case(), oneshot and broadcast
// recv_case(), event wait_case(). The same machinery runs every plain wait (recv(), lock(), ...),
// which is a select over one case.
//
// ## What a case is (the extension point: timers, sockets, ...)
//
// A case models the select_case concept (detail/case_awaiter.hpp). select locks queue_mutex() of
// every case (in address order, each once), then:
//   1. calls `try_complete(wakes)` on each, from the random start, until one returns true. It
//      completes the operation *now* if it can (storing its result in the case) and returns
//      true; or changes nothing and returns false. Peers it claims (see detail/waiter.hpp) are
//      pushed on `wakes`, which fires them after the locks are released.
//   2. if none completed, calls `enqueue(waiter, index)` on each: link a wait_node (owner =
//      waiter, index = index) where the source's wakers will find it. Then it unlocks, arms
//      and suspends.
// A waker completing a linked node must, holding the same mutex: claim it (`node.claim()`; on
// failure drop the node and go on), unlink it, store the result in the case's node, and push
// `*node.owner` on a wake_list. After resuming, select calls `withdraw()` on every other case
// (take the mutex; unlink the node if still linked) and `take()` on the winner for its result
// (it may throw).
//
// A timer case, for the io layer, follows the same rules: queue_mutex() is the timer queue's lock;
// try_complete() is "the deadline has passed"; enqueue() inserts a timer entry that points at the
// node; the timer thread, on expiry, takes that lock, claims the node, removes the entry and
// fires; withdraw() removes the entry if still there. Then
// `co_await select(rx.recv_case(), duet::io::after(100ms))` is a receive with a timeout, and
// `timeout(task, d)` can stand on the same protocol. Nothing in select itself needs to change.
#pragma once

#include "duet/sync/detail/case_awaiter.hpp"

namespace duet::sync {

/// Waits until one of `cases` completes; returns a std::variant whose index() is that case and
/// whose alternative is its result (void results become std::monostate).
template <select_case... Cases>
[[nodiscard]] detail::select_awaiter<Cases...> select(Cases... cases) {
  return detail::select_awaiter<Cases...>(std::move(cases)...);
}

}  // namespace duet::sync
