#include "duet/runtime.hpp"

namespace duet {

runtime::runtime(const runtime_options& opts)
    : cpu_(pool_options{.threads = opts.cpu_threads, .name = opts.name + "-cpu"}),
      io_(loop_options{.name = opts.name + "-io"}) {
  detail::set_ambient_pool(&cpu_);
  io::detail::set_ambient_loop(&io_);
}

runtime::~runtime() {
  // The loop first: its pending waits are cancelled and their tasks resume (mostly on the CPU
  // pool) to unwind; then the pool drains. A task that posts to the stopped loop runs inline.
  io_.shutdown();
  cpu_.shutdown();
  io::detail::clear_ambient_loop(&io_);
  detail::clear_ambient_pool(&cpu_);
}

}  // namespace duet
