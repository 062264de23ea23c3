// Round trips over every sample: the real traces in ../shared/real-traces
// (MS-ASWBXML bodies from peers' fixtures and an Exchange log), testdata/,
// and one document per code page holding all of its tags.
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "reference/wbxml/code_pages.h"
#include "reference/wbxml/decoder.h"
#include "reference/wbxml/dom.h"
#include "reference/wbxml/encoder.h"
#include "reference/wbxml/sample_documents.h"

namespace eas::wbxml {
namespace {

const std::vector<Sample>& Samples() {
  static const auto* samples = [] {
    auto loaded = LoadSamples();
    EXPECT_TRUE(loaded.ok()) << loaded.status();
    return new std::vector<Sample>(loaded.ok() ? *loaded : std::vector<Sample>{});
  }();
  return *samples;
}

std::string LocalName(pugi::xml_node element) {
  std::string name = element.name();
  auto colon = name.find(':');
  return colon == std::string::npos ? name : name.substr(colon + 1);
}

// The decoded tree says what the sample's own XML says: element for element
// in document order, the same tag (by name or alias on the decoded page) and
// the same text.
void ExpectSameMeaning(const std::string& xml, const pugi::xml_document& decoded,
                       const std::string& name) {
  pugi::xml_document original;
  ASSERT_TRUE(ParseXmlText(xml, original).ok()) << name;
  std::vector<pugi::xml_node> a, b;
  for (const pugi::xpath_node& n : original.select_nodes("//*")) a.push_back(n.node());
  for (const pugi::xpath_node& n : decoded.select_nodes("//*")) b.push_back(n.node());
  ASSERT_EQ(a.size(), b.size()) << name;
  for (size_t i = 0; i < a.size(); ++i) {
    const Tag* tag = DecodedTag(b[i]);
    ASSERT_NE(tag, nullptr) << name << ": " << b[i].name();
    EXPECT_EQ(CodePages::Default().Page(tag->page)->FindName(LocalName(a[i])), tag)
        << name << ": element " << i << " was " << a[i].name() << ", decoded as " << b[i].name();
    if (IsOpaque(b[i])) {
      EXPECT_EQ(*ContentBytes(b[i]), *ContentBytes(a[i])) << name << ": " << a[i].name();
    } else {
      EXPECT_EQ(DirectText(b[i]), DirectText(a[i])) << name << ": " << a[i].name();
    }
  }
}

TEST(RoundTrip, RealTracesArePresent) {
  int recorded = 0, xml_only = 0;
  for (const Sample& s : Samples()) {
    if (s.recorded_bytes) ++recorded;
    // Real traces are numbered ("31_wm5_..."); testdata and generated ones are not.
    if (!s.recorded_bytes && absl::ascii_isdigit(s.name[0])) ++xml_only;
  }
  // 06 and 07 carry real bytes; 31-38 are XML meanings (see PROVENANCE.md).
  EXPECT_GE(recorded, 2) << "../shared/real-traces is missing from the runfiles";
  EXPECT_GE(xml_only, 8);
}

TEST(RoundTrip, EverySampleDecodesAndReencodesToTheSameBytes) {
  ASSERT_FALSE(Samples().empty());
  for (const Sample& s : Samples()) {
    SCOPED_TRACE(s.name);
    pugi::xml_document doc;
    ASSERT_TRUE(Decode(s.wbxml, doc).ok()) << Decode(s.wbxml, doc);
    auto again = Encode(doc);
    ASSERT_TRUE(again.ok()) << again.status();
    // Recorded bytes were canonical (Exchange form): exact. Ours are by
    // construction; both must be a fixed point.
    EXPECT_EQ(absl::BytesToHexString(*again), absl::BytesToHexString(s.wbxml));
  }
}

TEST(RoundTrip, DecodedTreeMatchesTheSamplesOwnXml) {
  for (const Sample& s : Samples()) {
    if (s.xml.empty()) continue;
    pugi::xml_document doc;
    ASSERT_TRUE(Decode(s.wbxml, doc).ok()) << s.name;
    ExpectSameMeaning(s.xml, doc, s.name);
  }
}

// The .xml beside a recorded .wbxml is libwbxml's reading of it (with
// libwbxml's names); encoding that reading must give back the real bytes.
TEST(RoundTrip, LibwbxmlReadingOfRecordedBytesEncodesToThem) {
  int checked = 0;
  for (const Sample& s : Samples()) {
    if (!s.recorded_bytes || s.xml.empty()) continue;
    pugi::xml_document doc;
    ASSERT_TRUE(ParseXmlText(s.xml, doc).ok());
    auto bytes = Encode(doc);
    ASSERT_TRUE(bytes.ok()) << s.name << ": " << bytes.status();
    EXPECT_EQ(absl::BytesToHexString(*bytes), absl::BytesToHexString(s.wbxml)) << s.name;
    ++checked;
  }
  EXPECT_GE(checked, 2);
}

TEST(RoundTrip, AllTagDocumentsCoverEveryToken) {
  size_t tags = 0;
  for (const auto& page : CodePages::Default().pages()) tags += page->tags.size();
  size_t seen = 0;
  for (const Sample& s : AllTagDocuments()) {
    pugi::xml_document doc;
    ASSERT_TRUE(Decode(s.wbxml, doc).ok()) << s.name;
    seen += doc.select_nodes("//*").size() - 1;  // less the root's second use
  }
  EXPECT_EQ(seen, tags);
}

TEST(UnredactMailboxLog, RestoresParsableXmlOfTheStatedLengths) {
  std::string xml = UnredactMailboxLog(
      "<Sync xmlns=\"AirSync:\"><Subject xmlns=\"Calendar:\" bytes=\"3\"/><Name bytes=\"2\"/>"
      "<Body=4 bytes/></Sync>");
  EXPECT_EQ(xml,
            "<Sync xmlns=\"AirSync:\"><Subject xmlns=\"Calendar:\">xxx</Subject><Name>xx</Name>"
            "<Body xmlns=\"AirSyncBase:\"><Data>xxxx</Data></Body></Sync>");
}

}  // namespace
}  // namespace eas::wbxml
