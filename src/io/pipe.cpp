#include "duet/io/pipe.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace duet {

pipe_ends make_pipe(io_loop& loop) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) throw std::system_error(errno, std::generic_category(), "duet: pipe");
  return pipe_ends{io_handle(fds[0], loop), io_handle(fds[1], loop)};
}

}  // namespace duet
