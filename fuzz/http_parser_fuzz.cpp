// libFuzzer target for the HTTP request parser (include/duet/io/http/parser.hpp).
//
// Each input is parsed as a stream of pipelined requests twice: in one piece, and arriving in
// pieces whose sizes come from the input's first byte. Both must agree on every request
// (status, views, body) and every view must lie inside the buffer (or the parser's own body).
// ASan/UBSan catch memory errors; __builtin_trap() reports a disagreement.
//
//     clang++-19 -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude \
//       fuzz/http_parser_fuzz.cpp src/io/http/parser.cpp -o http_parser_fuzz
//     ./http_parser_fuzz fuzz/corpus/http_parser -max_total_time=60
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "duet/io/http/parser.hpp"

namespace {

using duet::http::parse_status;
using duet::http::request_parser;

struct outcome {
  parse_status status;
  int error_status;
  std::size_t consumed;
  std::string summary;  // every field of the request, length-prefixed
  bool operator==(const outcome&) const = default;
};

void check(bool ok) {
  if (!ok) __builtin_trap();
}

void append_field(std::string& s, std::string_view v) {
  s += std::to_string(v.size());
  s += ':';
  s += v;
}

bool inside(std::string_view part, std::string_view whole) {
  return part.empty() || (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

outcome describe(const request_parser& p, parse_status st, std::string_view buf) {
  outcome o{st, st == parse_status::error ? p.error_status() : 0, 0, {}};
  if (st != parse_status::done) return o;
  const auto& r = p.request();
  o.consumed = p.consumed();
  check(o.consumed > 0 && o.consumed <= buf.size());
  const std::string_view mine = buf.substr(0, o.consumed);
  for (std::string_view v : {r.method, r.target, r.query}) check(inside(v, mine));
  check(inside(r.path, mine) || r.path == "/");
  append_field(o.summary, r.method);
  append_field(o.summary, r.target);
  append_field(o.summary, r.path);
  append_field(o.summary, r.query);
  append_field(o.summary, r.body);
  o.summary += std::to_string(r.version_minor) + (r.keep_alive ? "k" : "c");
  for (const auto& h : r.headers) {
    check(inside(h.name, mine) && inside(h.value, mine));
    check(!h.name.empty());
    append_field(o.summary, h.name);
    append_field(o.summary, h.value);
  }
  return o;
}

// Parses the requests in `data`, feeding each one `step` bytes at a time (0: all at once).
std::vector<outcome> parse_all(std::string_view data, std::size_t step) {
  std::vector<outcome> out;
  request_parser p({.max_header_bytes = 2048, .max_headers = 16, .max_body_bytes = 4096});
  std::size_t start = 0;
  while (start < data.size() && out.size() < 64) {
    const std::string_view rest = data.substr(start);
    parse_status st = parse_status::need_more;
    std::string buf;  // a fresh copy each call: views into an old one would be caught by ASan
    std::size_t have = step == 0 ? rest.size() : 0;
    for (;;) {
      if (step != 0) have = std::min(rest.size(), have + step);
      buf.assign(rest.substr(0, have));
      st = p.parse(buf);
      if (st != parse_status::need_more || have == rest.size()) break;
    }
    out.push_back(describe(p, st, buf));
    if (st != parse_status::done) break;
    start += p.consumed();
    p.reset();
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t step = 1 + data[0] % 16;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::vector<outcome> whole = parse_all(input, 0);
  const std::vector<outcome> pieces = parse_all(input, step);
  check(whole == pieces);
  return 0;
}
