// The umbrella header: everything duet offers.
#pragma once

#include "duet/io/io.hpp"
#include "duet/par/par.hpp"
#include "duet/runtime.hpp"
#include "duet/sched/join.hpp"
#include "duet/sched/thread_pool.hpp"
#include "duet/sync/sync.hpp"
#include "duet/task/cancel.hpp"
#include "duet/task/on.hpp"
#include "duet/task/spawn.hpp"
#include "duet/task/task.hpp"
#include "duet/task/task_group.hpp"
#include "duet/task/when_all.hpp"
#include "duet/trace/trace.hpp"
