// duet::par — data-parallel algorithms on the work-stealing CPU pool, mirroring std:: names and
// argument orders, for iterator pairs and random-access ranges:
//
//     duet::par::for_each / for_index / transform           for_each.hpp
//     duet::par::reduce / transform_reduce                  reduce.hpp
//     duet::par::inclusive_scan / exclusive_scan            scan.hpp
//     duet::par::copy_if / filter                           filter.hpp
//     duet::par::sort / stable_sort                         sort.hpp
//     duet::par::find_if / find / any_of / all_of / none_of find.hpp
//     duet::par::count_if / count                           count.hpp
//     duet::par::min_element / max_element                  minmax.hpp
//     duet::par::async (co_await from a task)               async.hpp
//     duet::par::view(v) | map(f) | filter(p) | collect()   view.hpp
//
// Plain calls work from any thread (outside a pool the work moves onto the ambient pool and the
// caller waits); inside a coroutine use `co_await duet::par::async([&] { ... })`. Every call takes
// an optional last argument `duet::par::options` (`{.grain = N}`). How work is split:
// detail/splitter.hpp.
#pragma once

#include "duet/par/async.hpp"
#include "duet/par/count.hpp"
#include "duet/par/filter.hpp"
#include "duet/par/find.hpp"
#include "duet/par/for_each.hpp"
#include "duet/par/minmax.hpp"
#include "duet/par/options.hpp"
#include "duet/par/reduce.hpp"
#include "duet/par/scan.hpp"
#include "duet/par/sort.hpp"
#include "duet/par/view.hpp"
