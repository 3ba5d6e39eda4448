#include "common/term.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace duet_cli {

namespace {
bool stdout_wants_color() {
  if (isatty(STDOUT_FILENO) == 0) return false;
  const char* no_color = std::getenv("NO_COLOR");  // https://no-color.org
  if (no_color != nullptr && no_color[0] != '\0') return false;
  const char* t = std::getenv("TERM");
  return t == nullptr || std::strcmp(t, "dumb") != 0;
}

const char* code(tone t) {
  switch (t) {
    case tone::heading:
      return "\033[1m";
    case tone::good:
      return "\033[32m";
    case tone::bad:
      return "\033[1;31m";
    case tone::dim:
      return "\033[2m";
    case tone::accent:
      return "\033[36m";
    case tone::plain:
      break;
  }
  return "";
}
}  // namespace

term::term(color_mode mode)
    : color_(mode == color_mode::always || (mode == color_mode::automatic && stdout_wants_color())) {}

std::string term::paint(std::string_view text, tone t) const {
  if (!color_ || t == tone::plain) return std::string(text);
  std::string out = code(t);
  out += text;
  out += "\033[0m";
  return out;
}

std::string group_digits(std::uint64_t v) {
  std::string digits = std::to_string(v);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i != 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string format_seconds(double s) {
  struct unit {
    double scale;
    const char* name;
  };
  static constexpr unit units[] = {{1.0, "s"}, {1e-3, "ms"}, {1e-6, "us"}, {1e-9, "ns"}};
  for (const unit& u : units) {
    if (s >= u.scale || u.scale == 1e-9) {
      const double v = s / u.scale;
      char buf[32];
      std::snprintf(buf, sizeof buf, v >= 100 ? "%.0f %s" : v >= 10 ? "%.1f %s" : "%.2f %s", v, u.name);
      return buf;
    }
  }
  return "?";
}

std::string format_ratio(double r) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2fx", r);
  return buf;
}

std::string format_percent(double f) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f%%", f * 100.0);
  return buf;
}

}  // namespace duet_cli
