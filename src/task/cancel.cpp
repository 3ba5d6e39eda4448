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
