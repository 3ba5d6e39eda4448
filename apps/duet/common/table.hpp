// A small text table: columns sized to their widest cell, numbers right-aligned, colour applied
// after padding so that escape codes never disturb the alignment.
//
//     table t({{"workload"}, {"time", align::right}});
//     t.add_row({{"sum"}, {"1.2 s"}});
//     t.print(stdout, term);
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "common/term.hpp"

namespace duet_cli {

enum class align { left, right };

struct column {
  std::string title;
  align alignment = align::left;
};

struct cell {
  std::string text;
  tone style = tone::plain;
};

class table {
 public:
  explicit table(std::vector<column> columns) : columns_(std::move(columns)) {}

  /// Adds a row; missing trailing cells print empty, extra cells are ignored.
  void add_row(std::vector<cell> cells) { rows_.push_back(std::move(cells)); }
  [[nodiscard]] bool empty() const noexcept { return rows_.empty(); }

  /// Writes the header, a rule and the rows to `out`, each line indented by `indent` spaces.
  void print(std::FILE* out, const term& t, int indent = 2) const;

 private:
  std::vector<column> columns_;
  std::vector<std::vector<cell>> rows_;
};

}  // namespace duet_cli
