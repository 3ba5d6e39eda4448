#include "fetch/urls.hpp"

#include <curl/curl.h>

#include <memory>
#include <regex>
#include <stdexcept>

namespace duet_cli {

namespace {
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string decode_entities(std::string_view s) {
  static constexpr std::pair<std::string_view, char> entities[] = {{"&amp;", '&'},   {"&quot;", '"'}, {"&#39;", '\''},
                                                                   {"&#x27;", '\''}, {"&lt;", '<'},   {"&gt;", '>'}};
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    bool replaced = false;
    if (s[i] == '&') {
      for (const auto& [name, ch] : entities) {
        if (s.substr(i, name.size()) == name) {
          out += ch;
          i += name.size();
          replaced = true;
          break;
        }
      }
    }
    if (!replaced) out += s[i++];
  }
  return out;
}

struct curlu_deleter {
  void operator()(CURLU* u) const noexcept { curl_url_cleanup(u); }
};
}  // namespace

std::vector<url_entry> parse_url_list(std::string_view text) {
  std::vector<url_entry> out;
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    std::string_view line = trim(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (line.empty() || line.front() == '#') continue;
    std::size_t end = 0;
    while (end < line.size() && !is_space(line[end])) ++end;
    url_entry e{.url = std::string(line.substr(0, end))};
    e.name = std::string(trim(line.substr(end)));
    out.push_back(std::move(e));
  }
  return out;
}

std::vector<std::string> extract_links(std::string_view html) {
  // A scan rather than an HTML parser: list pages are machine-made, and href="..." is all the
  // crawl needs. Case-insensitive "href", optional spaces around '=', quoted or bare values.
  std::vector<std::string> links;
  for (std::size_t i = 0; i + 4 <= html.size(); ++i) {
    if (lower(html[i]) != 'h' || lower(html[i + 1]) != 'r' || lower(html[i + 2]) != 'e' || lower(html[i + 3]) != 'f')
      continue;
    // The attribute name must stand alone: preceded by a space (not "data-href").
    if (i == 0 || !is_space(html[i - 1])) continue;
    std::size_t j = i + 4;
    while (j < html.size() && is_space(html[j])) ++j;
    if (j >= html.size() || html[j] != '=') continue;
    ++j;
    while (j < html.size() && is_space(html[j])) ++j;
    if (j >= html.size()) break;
    std::size_t start = j, stop = j;
    if (html[j] == '"' || html[j] == '\'') {
      const char q = html[j];
      start = j + 1;
      stop = html.find(q, start);
      if (stop == std::string_view::npos) break;
    } else {
      while (stop < html.size() && !is_space(html[stop]) && html[stop] != '>') ++stop;
    }
    links.push_back(decode_entities(trim(html.substr(start, stop - start))));
    i = stop;
  }
  return links;
}

std::optional<std::string> resolve_url(const std::string& base, const std::string& ref) {
  std::unique_ptr<CURLU, curlu_deleter> u(curl_url());
  if (!u) return std::nullopt;
  if (curl_url_set(u.get(), CURLUPART_URL, base.c_str(), 0) != CURLUE_OK) return std::nullopt;
  // Setting a relative URL on a handle that holds an absolute one resolves it (RFC 3986 5.2).
  if (curl_url_set(u.get(), CURLUPART_URL, ref.c_str(), 0) != CURLUE_OK) return std::nullopt;
  curl_url_set(u.get(), CURLUPART_FRAGMENT, nullptr, 0);
  char* out = nullptr;
  if (curl_url_get(u.get(), CURLUPART_URL, &out, 0) != CURLUE_OK) return std::nullopt;
  std::string s(out);
  curl_free(out);
  return s;
}

std::vector<std::string> select_links(std::string_view html, const std::string& base, const std::string& select) {
  std::optional<std::regex> re;
  if (!select.empty()) {
    try {
      re.emplace(select, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      throw std::invalid_argument("--select: '" + select + "' is not a valid regular expression: " + e.what());
    }
  }
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const std::string& href : extract_links(html)) {
    if (href.empty() || href.front() == '#') continue;  // a link within the page itself
    if (re && !std::regex_search(href, *re)) continue;
    std::optional<std::string> abs = resolve_url(base, href);
    if (!abs) continue;
    if (seen.insert(*abs).second) out.push_back(std::move(*abs));
  }
  return out;
}

std::string sanitize_file_name(std::string_view name) {
  std::string out;
  for (char c : name) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
    out += ok ? c : '_';
  }
  while (!out.empty() && out.front() == '.') out.erase(0, 1);  // no "..", no hidden files
  if (out.size() > 120) out.resize(120);
  return out.empty() ? "index.html" : out;
}

std::string file_name_for(std::string_view url) {
  std::string_view rest = url;
  if (const std::size_t scheme = rest.find("://"); scheme != std::string_view::npos) rest.remove_prefix(scheme + 3);
  if (const std::size_t hash = rest.find('#'); hash != std::string_view::npos) rest = rest.substr(0, hash);
  std::string_view query;
  if (const std::size_t q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  const std::size_t slash = rest.find('/');
  std::string_view path = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
  std::string_view last = path.substr(path.empty() ? 0 : path.rfind('/') + 1);
  std::string name(last.empty() ? std::string_view("index.html") : last);
  if (!query.empty()) name.append("_").append(query);
  return sanitize_file_name(name);
}

std::string unique_names::take(const std::string& name) {
  if (used_.insert(name).second) return name;
  const std::size_t dot = name.rfind('.');
  const std::string stem = dot == std::string::npos || dot == 0 ? name : name.substr(0, dot);
  const std::string ext = dot == std::string::npos || dot == 0 ? "" : name.substr(dot);
  for (std::size_t n = 2;; ++n) {
    std::string candidate = stem + "-" + std::to_string(n) + ext;
    if (used_.insert(candidate).second) return candidate;
  }
}

}  // namespace duet_cli
