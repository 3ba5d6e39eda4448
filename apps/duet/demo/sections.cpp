// The demo's table of contents. A new section is a file defining `section X_section()` and one
// line here; the order below is the order the demo runs and prints them.
#include "demo/demo.hpp"

namespace duet_cli::demo {

section sum_section();
section map_section();
section par_section();
section fib_section();
section wait_section();
section scrape_section();

const std::vector<section>& sections() {
  static const std::vector<section> list = {
      // Computing: one job split across cores (parallelism).
      sum_section(),
      map_section(),
      par_section(),
      fib_section(),
      // Waiting: many tasks in progress at once (concurrency), ending with the tutorial's scraping
      // experiment against a local `duet serve` site.
      wait_section(),
      scrape_section(),
  };
  return list;
}

}  // namespace duet_cli::demo
