// duet::sync: coroutine-aware synchronisation. Every wait suspends the task, never the thread;
// a woken task is posted back to the executor it waited on (never resumed inline).
//
// Cancellation: every wait (send, recv, select, lock, acquire, wait, arrive_and_wait) is a
// cancellation point, like yield(). A task whose stop token has fired, or whose executor is
// stopping, throws cancelled_error before doing anything (nothing is sent or taken); a task
// whose stop token fires while it waits wakes with cancelled_error, having sent or taken
// nothing (only a barrier arrival, once made, stays counted). Limitation: an executor's
// shutdown is seen only when a wait begins; a task already waiting when its runtime shuts
// down stays suspended (the executor has no stop token to register on yet).
//
//   channel.hpp    bounded mpmc / mpsc channels with backpressure, close, try_send / try_recv
//   oneshot.hpp    one value (or exception) from one task to another
//   broadcast.hpp  every receiver sees every value; lagging receivers skip ahead
//   select.hpp     wait for the first of several channel operations (Go's select)
//   mutex.hpp      async mutex with FIFO hand-off and a scoped guard
//   semaphore.hpp  counting semaphore with RAII permits
//   latch.hpp      single-use countdown
//   barrier.hpp    reusable meeting point for N tasks
//   event.hpp      manual-reset event
//
// How waiting works (shared by all of them): detail/waiter.hpp.
#pragma once

#include "duet/sync/barrier.hpp"
#include "duet/sync/broadcast.hpp"
#include "duet/sync/channel.hpp"
#include "duet/sync/error.hpp"
#include "duet/sync/event.hpp"
#include "duet/sync/latch.hpp"
#include "duet/sync/mutex.hpp"
#include "duet/sync/oneshot.hpp"
#include "duet/sync/select.hpp"
#include "duet/sync/semaphore.hpp"
