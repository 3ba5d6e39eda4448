#include "common/progress.hpp"

#include <unistd.h>

#include <algorithm>

#include "common/term.hpp"

namespace duet_cli {

std::string format_bytes(std::uint64_t bytes) {
  static constexpr const char* units[] = {"B", "KB", "MB", "GB", "TB"};
  double v = static_cast<double>(bytes);
  std::size_t u = 0;
  while (v >= 1024 && u + 1 < std::size(units)) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  if (u == 0)
    std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(bytes));
  else
    std::snprintf(buf, sizeof buf, v >= 100 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

namespace {
double fraction(const progress_state& s) {
  return s.total == 0 ? 1.0 : static_cast<double>(s.done) / static_cast<double>(s.total);
}
}  // namespace

std::string progress_bar_line(const progress_state& s, std::size_t width) {
  const double f = std::clamp(fraction(s), 0.0, 1.0);
  const auto filled = static_cast<std::size_t>(f * static_cast<double>(width));
  // Built with append: g++ 12 at -O3 warns falsely (-Wrestrict) on "[" + std::string(...).
  std::string line;
  line.reserve(width + 96);
  line.append(1, '[').append(filled, '#').append(width - filled, '.').append("] ");
  char buf[160];
  std::snprintf(buf, sizeof buf, "%3.0f%%  %zu/%zu  %s  in flight %zu", f * 100, s.done, s.total,
                format_bytes(s.bytes).c_str(), s.in_flight);
  line += buf;
  if (s.failed != 0) line.append("  ").append(std::to_string(s.failed)).append(" failed");
  line.append("  ").append(format_seconds(s.elapsed));
  return line;
}

std::string progress_plain_line(std::string_view label, const progress_state& s) {
  char buf[200];
  std::snprintf(buf, sizeof buf, "%.*s: %.0f%% (%zu/%zu, %s, ", static_cast<int>(label.size()), label.data(),
                fraction(s) * 100, s.done, s.total, format_bytes(s.bytes).c_str());
  std::string line = buf;
  if (s.failed != 0) line.append(std::to_string(s.failed)).append(" failed, ");
  line.append(format_seconds(s.elapsed)).append(")");
  return line;
}

progress_reporter::progress_reporter(std::string label, progress_style style, std::FILE* out)
    : label_(std::move(label)), style_(style), out_(out) {
  if (style_ == progress_style::automatic)
    style_ = isatty(fileno(out_)) != 0 ? progress_style::bar : progress_style::lines;
}

void progress_reporter::clear_locked() {
  if (!drawn_) return;
  std::fputs("\r\033[K", out_);  // carriage return, erase to the end of the line
  drawn_ = false;
}

void progress_reporter::update(const progress_state& s) {
  std::lock_guard lock(mu_);
  if (style_ == progress_style::bar) {
    const bool last = s.done == s.total;
    if (!last && s.elapsed - last_draw_ < 0.1) return;
    last_draw_ = s.elapsed;
    last_ = s;
    std::fprintf(out_, "\r%s\033[K", progress_bar_line(s).c_str());
    drawn_ = true;
    std::fflush(out_);
  } else if (style_ == progress_style::lines) {
    const int decile = static_cast<int>(fraction(s) * 10 + 1e-9);
    if (decile <= last_decile_) return;
    last_decile_ = decile;
    std::fprintf(out_, "%s\n", progress_plain_line(label_, s).c_str());
    std::fflush(out_);
  }
}

void progress_reporter::message(std::string_view line) {
  std::lock_guard lock(mu_);
  const bool redraw = drawn_;
  clear_locked();
  std::fprintf(out_, "%.*s\n", static_cast<int>(line.size()), line.data());
  if (redraw) {
    std::fprintf(out_, "%s", progress_bar_line(last_).c_str());
    drawn_ = true;
  }
  std::fflush(out_);
}

void progress_reporter::finish() {
  std::lock_guard lock(mu_);
  clear_locked();
  std::fflush(out_);
}

}  // namespace duet_cli
