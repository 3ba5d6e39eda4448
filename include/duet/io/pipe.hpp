// Anonymous pipes: a one-way byte stream, e.g. to a child process.
//
//     auto [r, w] = duet::make_pipe();
//     co_await w.write_all("hello"sv);
//     std::size_t n = co_await r.read_some(buf);
#pragma once

#include "duet/io/io_handle.hpp"

namespace duet {

/// The two ends of a pipe. Writing to a pipe whose read end is closed fails with EPIPE.
struct pipe_ends {
  io_handle read;
  io_handle write;
};

/// Creates a pipe whose ends are bound to `loop`. Throws std::system_error (e.g. EMFILE).
pipe_ends make_pipe(io_loop& loop = ambient_loop());

}  // namespace duet
