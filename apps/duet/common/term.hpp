// Terminal output for the duet tool: colour only on a terminal that wants it, and number and
// duration formatting shared by every subcommand.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace duet_cli {

/// How a piece of text is highlighted; plain text when colour is off.
enum class tone { plain, heading, good, bad, dim, accent };

/// When to colour output: `auto` colours only a terminal (and honours NO_COLOR and TERM=dumb).
enum class color_mode { automatic, always, never };

class term {
 public:
  explicit term(color_mode mode = color_mode::automatic);

  /// True when ANSI escape codes will be written.
  [[nodiscard]] bool color() const noexcept { return color_; }
  /// `text` wrapped in the escape codes for `t` (or unchanged without colour).
  [[nodiscard]] std::string paint(std::string_view text, tone t) const;

 private:
  bool color_;
};

/// 1234567 -> "1,234,567".
[[nodiscard]] std::string group_digits(std::uint64_t v);
/// A duration in seconds, with a unit that keeps 3-4 significant digits: "812 us", "41.3 ms", "1.27 s".
[[nodiscard]] std::string format_seconds(double s);
/// A ratio such as a speed-up: "1.93x".
[[nodiscard]] std::string format_ratio(double r);
/// A fraction as a percentage: "97%".
[[nodiscard]] std::string format_percent(double f);

}  // namespace duet_cli
