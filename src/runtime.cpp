#include "duet/runtime.hpp"

namespace duet {

runtime::runtime(runtime_options opts) : cpu_(pool_options{.threads = opts.cpu_threads, .name = "duet-cpu"}) {
  detail::set_ambient_pool(&cpu_);
}

runtime::~runtime() {
  cpu_.shutdown();
  detail::clear_ambient_pool(&cpu_);
}

}  // namespace duet
