#include "common/table.hpp"

#include <algorithm>

namespace duet_cli {

namespace {
// Display width of UTF-8 text: counts code points, not bytes (every cell is single-width).
std::size_t width(const std::string& s) {
  return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

std::string pad(const std::string& s, std::size_t w, align a) {
  const std::string fill(w - std::min(w, width(s)), ' ');
  return a == align::left ? s + fill : fill + s;
}
}  // namespace

void table::print(std::FILE* out, const term& t, int indent) const {
  std::vector<std::size_t> widths;
  widths.reserve(columns_.size());
  for (const column& c : columns_) widths.push_back(width(c.title));
  for (const auto& row : rows_)
    for (std::size_t i = 0; i < std::min(row.size(), widths.size()); ++i)
      widths[i] = std::max(widths[i], width(row[i].text));

  const std::string margin(static_cast<std::size_t>(indent), ' ');
  auto line = [&](auto&& text_of) {
    std::string s = margin;
    for (std::size_t i = 0; i < columns_.size(); ++i) {
      if (i != 0) s += "  ";
      s += text_of(i);
    }
    while (!s.empty() && s.back() == ' ') s.pop_back();
    std::fprintf(out, "%s\n", s.c_str());
  };
  line([&](std::size_t i) { return t.paint(pad(columns_[i].title, widths[i], columns_[i].alignment), tone::heading); });
  line([&](std::size_t i) { return std::string(widths[i], '-'); });
  for (const auto& row : rows_) {
    line([&](std::size_t i) {
      if (i >= row.size()) return std::string(widths[i], ' ');
      return t.paint(pad(row[i].text, widths[i], columns_[i].alignment), row[i].style);
    });
  }
}

}  // namespace duet_cli
