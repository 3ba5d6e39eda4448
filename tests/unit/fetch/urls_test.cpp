// URL lists, links taken from a list page, and the names of the files bodies are written to.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "fetch/urls.hpp"

using duet_cli::extract_links;
using duet_cli::file_name_for;
using duet_cli::parse_url_list;
using duet_cli::resolve_url;
using duet_cli::sanitize_file_name;
using duet_cli::select_links;
using duet_cli::unique_names;

TEST(UrlList, SkipsBlankLinesAndCommentsAndReadsAnOptionalName) {
  const auto l = parse_url_list(
      "# pages\n"
      "http://a/1\n"
      "\n"
      "   http://a/2   saved.html  \r\n"
      "\t# indented comment\n"
      "http://a/3");
  ASSERT_EQ(l.size(), 3u);
  EXPECT_EQ(l[0].url, "http://a/1");
  EXPECT_EQ(l[0].name, "");
  EXPECT_EQ(l[1].url, "http://a/2");
  EXPECT_EQ(l[1].name, "saved.html");
  EXPECT_EQ(l[2].url, "http://a/3");
  EXPECT_TRUE(parse_url_list("").empty());
  EXPECT_TRUE(parse_url_list("\n\n# only comments\n").empty());
}

TEST(Links, FindsHrefValuesQuotedOrNotInDocumentOrder) {
  const std::string html =
      "<html><body><a href=\"/page/1\">one</a> <A HREF='/page/2'>two</A>\n"
      "<a class=x href = /page/3>three</a> <link rel=stylesheet href=\"s.css\">\n"
      "<a data-href=\"/not-a-link\">no</a> <a href=\"/q?a=1&amp;b=2\">amp</a></body></html>";
  const std::vector<std::string> want = {"/page/1", "/page/2", "/page/3", "s.css", "/q?a=1&b=2"};
  EXPECT_EQ(extract_links(html), want);
  EXPECT_TRUE(extract_links("<p>no links</p>").empty());
  EXPECT_TRUE(extract_links("<a href=\"unterminated").empty());
}

TEST(Links, ResolvesRelativeReferencesAgainstTheListPage) {
  EXPECT_EQ(resolve_url("http://h:8080/list/index.html", "/page/7"), "http://h:8080/page/7");
  EXPECT_EQ(resolve_url("http://h:8080/list/index.html", "page/7"), "http://h:8080/list/page/7");
  EXPECT_EQ(resolve_url("http://h:8080/list/", "../up"), "http://h:8080/up");
  EXPECT_EQ(resolve_url("http://h/a", "https://other/x#frag"), "https://other/x");
  EXPECT_EQ(resolve_url("not a url", "/x"), std::nullopt);
}

TEST(Links, SelectKeepsMatchingHrefsOnceEachInOrder) {
  const std::string html =
      "<a href=\"/\">home</a><a href=\"/page/b\">b</a><a href=\"/about\">about</a>"
      "<a href=\"/page/a\">a</a><a href=\"/page/b\">b again</a><a href=\"#top\">top</a>";
  const std::vector<std::string> want = {"http://127.0.0.1:1/page/b", "http://127.0.0.1:1/page/a"};
  EXPECT_EQ(select_links(html, "http://127.0.0.1:1/", "^/page/"), want);
  EXPECT_EQ(select_links(html, "http://127.0.0.1:1/", "").size(), 4u);  // "/", b, about, a
  EXPECT_THROW((void)select_links(html, "http://127.0.0.1:1/", "(unclosed"), std::invalid_argument);
}

TEST(FileNames, ComeFromTheLastPathSegmentAndAreSafe) {
  EXPECT_EQ(file_name_for("http://h/page/france.html"), "france.html");
  EXPECT_EQ(file_name_for("http://h/page/7"), "7");
  EXPECT_EQ(file_name_for("http://h/"), "index.html");
  EXPECT_EQ(file_name_for("http://h"), "index.html");
  EXPECT_EQ(file_name_for("http://h/dir/"), "index.html");
  EXPECT_EQ(file_name_for("http://h/p?id=3&x=y#frag"), "p_id_3_x_y");
  EXPECT_EQ(file_name_for("http://h/a%2F..%2Fetc"), "a_2F.._2Fetc");
  EXPECT_EQ(file_name_for("http://h/.."), "index.html");
  EXPECT_EQ(file_name_for("http://h/.hidden"), "hidden");
}

TEST(FileNames, SanitizingNeverLeavesASeparatorOrADotDot) {
  for (const char* bad :
       {"../../etc/passwd", "/abs/path", "..", ".", "a/b\\c", "name with spaces", "\xc3\xa9t\xc3\xa9"}) {
    const std::string s = sanitize_file_name(bad);
    EXPECT_EQ(s.find('/'), std::string::npos) << bad;
    EXPECT_EQ(s.find('\\'), std::string::npos) << bad;
    EXPECT_NE(s, "..") << bad;
    EXPECT_NE(s, ".") << bad;
    EXPECT_NE(s.front(), '.') << bad;
    EXPECT_FALSE(s.empty()) << bad;
  }
  EXPECT_EQ(sanitize_file_name("../../etc/passwd"), "_.._etc_passwd");
  EXPECT_EQ(sanitize_file_name(std::string(500, 'x')).size(), 120u);
}

TEST(FileNames, DuplicatesGetANumber) {
  unique_names n;
  EXPECT_EQ(n.take("a.html"), "a.html");
  EXPECT_EQ(n.take("a.html"), "a-2.html");
  EXPECT_EQ(n.take("a.html"), "a-3.html");
  EXPECT_EQ(n.take("a-2.html"), "a-2-2.html");  // taken by the second "a.html"
  EXPECT_EQ(n.take("7"), "7");
  EXPECT_EQ(n.take("7"), "7-2");
  std::set<std::string> all;
  unique_names m;
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(all.insert(m.take("index.html")).second);
}
