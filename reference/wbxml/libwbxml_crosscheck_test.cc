// Cross-check against an independent decoder: Debian's libwbxml 0.11.8
// (`wbxml2xml -l ACTIVESYNC`), run as a separate process because it aborts on
// some bad input. Every sample must read the same in both, element for
// element: libwbxml's name for the tag is the one in the libwbxml column of
// codepages.txt (or the spec's name where that column is empty), "unknown"
// where the column says libwbxml lacks the tag ("-": all of page 25, Find,
// and the nonstandard page 254), with the same namespace and the same text
// (libwbxml shows the content of tags marked binary as base64).
#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "reference/testing/runfiles.h"
#include "reference/wbxml/code_pages.h"
#include "reference/wbxml/decoder.h"
#include "reference/wbxml/dom.h"
#include "reference/wbxml/sample_documents.h"

namespace eas::wbxml {
namespace {

constexpr char kWbxml2Xml[] = "/usr/bin/wbxml2xml";

std::string TempDir() {
  const char* dir = std::getenv("TEST_TMPDIR");
  return dir ? dir : "/tmp";
}

// libwbxml's XML for the bytes, or "" if it failed.
std::string LibwbxmlDecode(const std::string& wbxml, const std::string& name) {
  const std::string in = TempDir() + "/" + name + ".wbxml";
  const std::string out = TempDir() + "/" + name + ".libwbxml.xml";
  std::ofstream(in, std::ios::binary) << wbxml;
  std::remove(out.c_str());
  const std::string command =
      absl::StrCat(kWbxml2Xml, " -l ACTIVESYNC -m 0 -o '", out, "' '", in, "' >/dev/null 2>&1");
  if (std::system(command.c_str()) != 0) return "";
  return testing::ReadFileOrDie(out);
}

// The namespace in force for a libwbxml element (it writes xmlns= wherever
// the page changes).
std::string LibwbxmlNamespace(pugi::xml_node element) {
  for (pugi::xml_node n = element; n.type() == pugi::node_element; n = n.parent()) {
    if (pugi::xml_attribute ns = n.attribute("xmlns")) return ns.value();
  }
  return "";
}

std::vector<pugi::xml_node> Elements(const pugi::xml_document& doc) {
  std::vector<pugi::xml_node> nodes;
  for (const pugi::xpath_node& n : doc.select_nodes("//*")) nodes.push_back(n.node());
  return nodes;
}

TEST(LibwbxmlCrossCheck, ToolIsInstalled) {
  ASSERT_EQ(std::system((std::string(kWbxml2Xml) + " >/dev/null 2>&1 </dev/null; test -x " +
                         kWbxml2Xml).c_str()),
            0)
      << "libwbxml2-utils is not installed (scripts/setup.sh installs it)";
}

TEST(LibwbxmlCrossCheck, EverySampleReadsTheSameInBoth) {
  auto samples = LoadSamples();
  ASSERT_TRUE(samples.ok()) << samples.status();
  int compared = 0;
  for (const Sample& sample : *samples) {
    SCOPED_TRACE(sample.name);
    pugi::xml_document ours;
    ASSERT_TRUE(Decode(sample.wbxml, ours).ok());
    const std::string theirs_text = LibwbxmlDecode(sample.wbxml, sample.name);
    ASSERT_FALSE(theirs_text.empty()) << "wbxml2xml failed";
    pugi::xml_document theirs;
    ASSERT_TRUE(theirs.load_string(theirs_text.c_str(), pugi::parse_default & ~pugi::parse_eol))
        << theirs_text;
    const auto a = Elements(ours);
    const auto b = Elements(theirs);
    ASSERT_EQ(a.size(), b.size());
    // libwbxml loses track of namespaces below a tag it does not know.
    std::vector<pugi::xml_node> lost;
    for (size_t i = 0; i < a.size(); ++i) {
      const Tag* tag = DecodedTag(a[i]);
      ASSERT_NE(tag, nullptr) << a[i].name();
      const CodePage* page = CodePages::Default().Page(tag->page);
      const bool unknown_to_libwbxml = tag->libwbxml_name == "-" || page->nonstandard;
      const std::string expected = unknown_to_libwbxml        ? "unknown"
                                   : tag->libwbxml_name.empty() ? tag->name
                                                                : tag->libwbxml_name;
      EXPECT_EQ(b[i].name(), expected) << "page " << page->number << " token " << int(tag->token);
      bool below_unknown = false;
      for (pugi::xml_node n = a[i].parent(); n; n = n.parent()) {
        below_unknown = below_unknown || std::find(lost.begin(), lost.end(), n) != lost.end();
      }
      if (unknown_to_libwbxml) {
        lost.push_back(a[i]);
      } else if (!below_unknown) {
        // libwbxml spells GAL's namespace "Gal:"; the lookup is case-blind.
        EXPECT_EQ(CodePages::Default().PageByNamespace(LibwbxmlNamespace(b[i])), page)
            << a[i].name() << " in " << LibwbxmlNamespace(b[i]);
      }
      auto bytes = ContentBytes(a[i]);
      ASSERT_TRUE(bytes.ok());
      const bool shown_as_base64 = IsOpaque(a[i]) || (tag->binary && !bytes->empty());
      EXPECT_EQ(DirectText(b[i]), shown_as_base64 ? absl::Base64Escape(*bytes) : DirectText(a[i]))
          << a[i].name();
    }
    ++compared;
  }
  EXPECT_GE(compared, 30);
}

}  // namespace
}  // namespace eas::wbxml
