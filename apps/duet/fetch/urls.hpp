// The URL side of `duet fetch`: reading URL lists, taking links from a list page, and naming
// the file each body is written to.
#pragma once

#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace duet_cli {

/// One URL to fetch and, optionally, the file name its body should get.
struct url_entry {
  std::string url;
  std::string name{};  ///< empty: derived from the URL
};

/// Parses a URL list: one URL per line, optionally followed by whitespace and a file name;
/// blank lines and lines starting with '#' are skipped, surrounding whitespace is ignored.
[[nodiscard]] std::vector<url_entry> parse_url_list(std::string_view text);

/// The values of the href attributes in `html`, in document order ("a", "link", any tag),
/// quoted or not, with the entities &amp; &quot; &#39; &lt; &gt; decoded.
[[nodiscard]] std::vector<std::string> extract_links(std::string_view html);

/// `ref` resolved against `base` (RFC 3986, by libcurl's URL parser); nullopt if either is not
/// a valid URL. Fragments are dropped.
[[nodiscard]] std::optional<std::string> resolve_url(const std::string& base, const std::string& ref);

/// The crawl: the links of `html` (found at `base`) whose href matches the ECMAScript regular
/// expression `select` (searched, not anchored; empty = every link), resolved against `base`,
/// duplicates dropped (first occurrence kept). Throws std::invalid_argument for a bad pattern.
[[nodiscard]] std::vector<std::string> select_links(std::string_view html, const std::string& base,
                                                    const std::string& select);

/// A safe file name for a URL's body: the last path segment (plus the query, if any), with every
/// character outside [A-Za-z0-9._-] replaced by '_', no leading dot, at most 120 characters;
/// "index.html" for an empty path. Never contains '/', never "." or "..".
[[nodiscard]] std::string file_name_for(std::string_view url);
/// Makes an arbitrary name safe in the same way (for names given in a URL list).
[[nodiscard]] std::string sanitize_file_name(std::string_view name);

/// Hands out unique names: the second "a.html" becomes "a-2.html", the third "a-3.html".
class unique_names {
 public:
  std::string take(const std::string& name);

 private:
  std::set<std::string> used_;
};

}  // namespace duet_cli
